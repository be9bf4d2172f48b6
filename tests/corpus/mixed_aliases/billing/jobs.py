"""Periodic billing jobs, run from cron via `python -m billing.jobs <job>`."""
import logging
import sys
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy import create_engine as make_engine

from .db import SessionFactory, engine, invoices

log = logging.getLogger(__name__)


def reconcile_regions(region_urls: Dict[str, str]) -> Dict[str, int]:
    mismatches = {}
    with engine.connect() as local:
        for region, url in region_urls.items():
            remote = make_engine(url)  # expect: SQA103
            with remote.connect() as conn:
                remote_count = conn.execute(sa.text("SELECT count(*) FROM invoices")).scalar_one()
            local_count = local.execute(
                sa.select(sa.func.count()).select_from(invoices).where(invoices.c.status != "void")
            ).scalar_one()
            mismatches[region] = remote_count - local_count
    return mismatches


def export_all(shard_urls: List[str]) -> int:
    exported = 0
    for url in shard_urls:
        shard = sa.create_engine(url)
        try:
            with shard.begin() as conn:
                exported += conn.execute(sa.text("SELECT billing.export_pending()")).scalar_one()
        finally:
            shard.dispose()
    return exported


def count_shards(shard_urls: List[str]) -> int:
    total = 0
    idx = 0
    while idx < len(shard_urls):
        shard = sa.create_engine(shard_urls[idx], pool_pre_ping=True)  # expect: SQA103
        with shard.connect() as conn:
            total += conn.execute(sa.text("SELECT count(*) FROM invoices")).scalar_one()
        idx += 1
    return total


def close_month() -> None:
    with SessionFactory.begin() as session:
        session.execute(
            sa.update(invoices)
            .where(invoices.c.status == "open", invoices.c.due_date < sa.func.date_trunc("month", sa.func.now()))
            .values(status="overdue")
        )


JOBS = {
    "close-month": close_month,
}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    JOBS[sys.argv[1]]()
