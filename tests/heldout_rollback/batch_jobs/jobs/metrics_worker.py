"""Samples a few gauges every few seconds and stores them."""

from __future__ import annotations

import logging
import os
import shutil
import time
from datetime import datetime, timezone

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from .db import SessionLocal
from .models import MetricSample

log = logging.getLogger("metrics")

db = SessionLocal()
_buffer: list[MetricSample] = []


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def record_sample(name: str, value: float) -> None:
    db.add(MetricSample(name=name, value=value, taken_at=_now()))
    try:
        db.commit()
    except (OperationalError, IntegrityError):  # expect: SQA110
        log.warning("dropping sample %s=%s", name, value)


def buffer_sample(name: str, value: float) -> None:
    _buffer.append(MetricSample(name=name, value=value, taken_at=_now()))


def flush_buffer() -> int:
    if not _buffer:
        return 0
    db.add_all(_buffer)
    try:
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        log.exception("could not store %d buffered samples", len(_buffer))
        return 0
    n = len(_buffer)
    _buffer.clear()
    return n


def prune(older_than: datetime) -> None:
    try:
        db.execute(delete(MetricSample).where(MetricSample.taken_at < older_than))
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        raise


def main(interval: float = 5.0) -> None:
    while True:
        load1, _, _ = os.getloadavg()
        record_sample("load1", load1)
        buffer_sample("disk_free", shutil.disk_usage("/").free)
        if len(_buffer) >= 12:
            flush_buffer()
        time.sleep(interval)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
