"""Data-quality checks run after every load."""

import yaml
from sqlalchemy import text

NOT_NULL_CHECKS = [
    ("orders", "customer_id"),
    ("orders", "amount"),
    ("customers", "email"),
]
NULL_COUNT = "SELECT count(*) FROM {table} WHERE {column} IS NULL"


def run_builtin_checks(warehouse):
    failures = []
    with warehouse.connect() as conn:
        for table, column in NOT_NULL_CHECKS:
            n = conn.execute(text(NULL_COUNT.format(table=table, column=column))).scalar()
            if n:
                failures.append((table, column, n))
    return failures


def run_custom_checks(warehouse, path):
    with open(path) as fh:
        checks = yaml.safe_load(fh)
    failures = []
    with warehouse.connect() as conn:
        for check in checks:
            sql = NULL_COUNT.format(table=check["table"], column=check["column"])
            n = conn.execute(text(sql)).scalar()  # expect: SQA301
            if n:
                failures.append((check["table"], check["column"], n))
    return failures
