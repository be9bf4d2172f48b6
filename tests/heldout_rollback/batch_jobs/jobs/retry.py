"""Retry helpers for flaky database connections (failovers, lock timeouts)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .models import Base

log = logging.getLogger(__name__)

T = TypeVar("T")


def _backoff(attempt: int, base: float = 0.5, cap: float = 30.0) -> float:
    return min(cap, base * 2 ** attempt) * (0.5 + random.random() / 2)


def commit_with_retry(session: Session, attempts: int = 3, delay: float = 0.5) -> None:
    for attempt in range(1, attempts + 1):
        try:
            session.commit()
            return
        except OperationalError:  # bonus: SQA110
            if attempt == attempts:
                raise
            log.warning("commit failed (attempt %d/%d), retrying", attempt, attempts)
            time.sleep(delay * attempt)


def save_with_retry(session: Session, obj: Base, attempts: int = 5) -> None:
    session.add(obj)
    attempt = 0
    while True:
        attempt += 1
        try:
            session.commit()
            break
        except OperationalError as exc:  # expect: SQA110
            log.warning("saving %r failed on attempt %d: %s", obj, attempt, exc)
            time.sleep(_backoff(attempt))
        if attempt >= attempts:
            raise RuntimeError(f"gave up saving {obj!r} after {attempts} attempts")


def run_in_transaction(factory: sessionmaker[Session], fn: Callable[[Session], T], attempts: int = 3) -> T:
    for attempt in range(attempts):
        with factory() as session:
            try:
                result = fn(session)
                session.commit()
                return result
            except OperationalError:
                session.rollback()
                log.warning("transaction failed (attempt %d), retrying", attempt + 1)
                time.sleep(_backoff(attempt))
    raise RuntimeError("transaction failed after retries")


def add_with_retry(session: Session, build: Callable[[], Base], attempts: int = 3) -> None:
    for attempt in range(attempts):
        try:
            with session.begin():
                session.add(build())
            return
        except OperationalError:
            log.warning("insert failed (attempt %d), retrying", attempt + 1)
            time.sleep(_backoff(attempt))
    raise RuntimeError("insert failed after retries")
