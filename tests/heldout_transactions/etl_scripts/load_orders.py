#!/usr/bin/env python3
"""Load an orders CSV export into the warehouse database."""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from datetime import datetime, timezone
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from schema import get_engine, load_log, orders, staging_orders

log = logging.getLogger("load_orders")
BATCH_SIZE = 500


def read_rows(path: Path) -> Iterator[Dict[str, object]]:
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            yield {
                "external_id": rec["order_id"].strip(),
                "customer_crm_id": int(rec["customer_id"]) if rec["customer_id"] else None,
                "total": Decimal(rec["total"]),
                "created_at": datetime.fromisoformat(rec["created_at"]),
            }


def chunked(rows: Iterable[dict], size: int) -> Iterator[List[dict]]:
    it = iter(rows)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


def start_load(engine: Engine, source: str) -> int:
    with engine.connect() as conn:
        load_id = conn.execute(
            insert(load_log).values(source=source, status="running").returning(load_log.c.id)
        ).scalar_one()
        conn.commit()
    return load_id


def stage_rows(engine: Engine, rows: Iterable[dict]) -> int:
    total = 0
    with engine.connect() as conn:
        conn.execute(delete(staging_orders))
        for i, chunk in enumerate(chunked(rows, BATCH_SIZE)):
            conn.execute(insert(staging_orders), chunk)
            total += len(chunk)
            if i % 10 == 9:
                conn.commit()
                log.debug("staged %d rows so far", total)
        conn.commit()
    return total


def stage_rows_incremental(engine: Engine, rows: Iterable[dict]) -> int:
    total = 0
    with engine.connect() as conn:
        for i, chunk in enumerate(chunked(rows, BATCH_SIZE)):
            conn.execute(insert(staging_orders), chunk)  # expect: SQA106
            total += len(chunk)
            if (i + 1) % 20 == 0:
                conn.commit()
                log.info("committed %d staged rows", total)
    return total


def promote_staging(engine: Engine, load_id: int) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            text(
                "INSERT INTO orders (external_id, customer_id, status, total, created_at) "
                "SELECT s.external_id, c.id, 'new', s.total, s.created_at FROM staging_orders s "
                "LEFT JOIN customers c ON c.crm_id = s.customer_crm_id "
                "ON CONFLICT (external_id) DO NOTHING"
            )
        )
        conn.execute(update(load_log).where(load_log.c.id == load_id).values(status="promoted"))
    return result.rowcount


def finish_load(engine: Engine, load_id: int, row_count: int) -> None:
    with engine.connect() as conn:
        conn.execute(  # expect: SQA106
            update(load_log)
            .where(load_log.c.id == load_id)
            .values(status="done", row_count=row_count, finished_at=datetime.now(timezone.utc))
        )
        log.info("load %s finished with %d rows", load_id, row_count)


def upsert_single_order(engine: Engine, order: dict) -> None:
    with engine.connect() as conn:
        try:
            conn.execute(insert(orders).values(**order))
            conn.commit()
        except IntegrityError:
            conn.rollback()
            conn.execute(  # expect: SQA106
                update(orders)
                .where(orders.c.external_id == order["external_id"])
                .values(total=order["total"], status=order.get("status", "new"))
            )


def reopen_load(engine: Engine, load_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(delete(staging_orders))
        conn.commit()
        conn.execute(  # expect: SQA106
            update(load_log).where(load_log.c.id == load_id).values(status="running", error=None)
        )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv_path", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    engine = get_engine()
    if args.dry_run:
        preview = insert(staging_orders).values(external_id="example", total=0)
        print(preview.compile(engine))
        with engine.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        print(f"{existing} orders currently loaded")
        return 0

    load_id = start_load(engine, str(args.csv_path))
    staged = stage_rows(engine, read_rows(args.csv_path))
    promoted = promote_staging(engine, load_id)
    finish_load(engine, load_id, promoted)
    log.info("staged %d rows, promoted %d", staged, promoted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
