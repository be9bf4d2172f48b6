"""SQL snippets shared by several tasks."""

ARCHIVE_SCHEMA = "archive"


def purge_sql(table, days):
    return f"DELETE FROM {table} WHERE finished_at < now() - interval '{days} days'"  # bonus: SQA301


def archive_jobs_sql():
    # Only a module constant: nothing from outside.
    return f"INSERT INTO {ARCHIVE_SCHEMA}.jobs SELECT * FROM jobs WHERE status = 'done'"
