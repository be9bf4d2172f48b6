"""Celery tasks for the ticket pipeline."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from sqlalchemy import text, update

from .celery_app import app
from .db import SessionFactory, engine
from .models import Job, Notification
from .sqlgen import archive_jobs_sql, purge_sql

log = logging.getLogger(__name__)

# One connection for the status pings, "cheaper than checking one out every time".
status_conn = engine.connect()  # expect: SQA105


def deliver(notification):
    log.info("sending %s to %s", notification.id, notification.recipient)


@app.task
def ping_status(job_id):
    status_conn.execute(text("UPDATE jobs SET last_ping = now() WHERE id = :id"), {"id": job_id})
    status_conn.commit()


@app.task(bind=True, max_retries=3)
def send_notifications(self, batch_size=100):
    with SessionFactory() as session:
        pending = (
            session.query(Notification)  # expect: SQA203
            .filter(Notification.sent_at.is_(None))
            .limit(batch_size)
            .all()
        )
        for n in pending:
            deliver(n)
            n.sent_at = datetime.utcnow()
        session.commit()


@shared_task
def purge_old_jobs(days=30):
    cutoff = datetime.utcnow() - timedelta(days=days)
    result = engine.execute(  # expect: SQA201
        text("DELETE FROM jobs WHERE finished_at < :cutoff"), cutoff=cutoff
    )
    log.info("purged %d jobs", result.rowcount)


@shared_task
def purge_table(table, days):
    with engine.begin() as conn:
        conn.execute(text(purge_sql(table, days)))  # bonus: SQA301


@shared_task
def archive_done_jobs():
    with engine.begin() as conn:
        conn.execute(text(archive_jobs_sql()))


@shared_task
def archive_table(table_name, before):
    sql = "INSERT INTO archive." + table_name + " SELECT * FROM " + table_name
    sql += " WHERE created_at < :before"
    with engine.begin() as conn:
        conn.execute(text(sql), {"before": before})  # expect: SQA301


@shared_task
def mark_failed(job_ids, reason):
    with SessionFactory.begin() as session:
        session.execute(
            update(Job).where(Job.id.in_(job_ids)).values(status="failed", error=reason)
        )


@shared_task
def rebuild_stats():
    with engine.begin() as conn:
        conn.execute("REFRESH MATERIALIZED VIEW job_stats")  # expect: SQA202
        conn.exec_driver_sql("ANALYZE job_stats")


@shared_task
def find_jobs(filters):
    """filters: {"queue": "emails", "status": "done"}, as sent by the API."""
    sql = "SELECT id FROM jobs WHERE 1 = 1"
    params = {}
    for key, value in filters.items():
        sql += f" AND {key} = :{key}"
        params[key] = value
    with engine.connect() as conn:
        ids = (
            conn.execute(
                text(sql),  # expect: SQA301
                params,
            )
            .scalars()
            .all()
        )
    return ids


@shared_task
def count_recent(only_failed=False):
    sql = "SELECT count(*) FROM jobs WHERE created_at > now() - interval '1 day'"
    if only_failed:
        sql += " AND status = 'failed'"
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


@shared_task
def requeue(queue):
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE jobs SET status = 'queued' WHERE queue = :q AND status = 'failed'"),
            {"q": queue},
        )
    log.info("requeued failed jobs of %s" % queue)


@shared_task
def job_count():
    return engine.scalar(text("SELECT count(*) FROM jobs"))  # expect: SQA201
