"""Nightly maintenance: dedupe, archiving, month close, rollups."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy.exc as sa_exc
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .models import ArchivedInvoice, Customer, Invoice, JobRun, MonthClose, PlanChange

log = logging.getLogger("maintenance")


def dedupe_customers(session: Session) -> int:
    dupes = session.execute(
        select(Customer.email, func.min(Customer.id))
        .group_by(Customer.email)
        .having(func.count(Customer.id) > 1)
    ).all()
    removed = 0
    for email, keep_id in dupes:
        keeper = session.get(Customer, keep_id)
        others = session.scalars(select(Customer).where(Customer.email == email, Customer.id != keep_id)).all()
        try:
            for other in others:
                session.delete(other)
            remaining = session.scalar(select(func.count(Customer.id)).where(Customer.email == email))
        except IntegrityError:  # expect: SQA110
            log.warning("duplicates of %s are still referenced, skipping", email)
            continue
        if remaining != 1:
            log.error("dedupe of %s left %s rows (keeper %s)", email, remaining, keeper.id)
        removed += len(others)
    session.commit()
    return removed


def archive_batches(session: Session, batches: Iterable[Sequence[Invoice]]) -> int:
    archived = 0
    for batch in batches:
        try:
            for inv in batch:
                session.add(ArchivedInvoice.from_invoice(inv))
            session.commit()
            archived += len(batch)
        except SQLAlchemyError:
            log.exception("failed to archive batch starting at invoice %s", batch[0].id)
        finally:
            session.close()
    return archived


def close_month(session: Session, month: str) -> bool:
    session.add(MonthClose(month=month))
    try:
        session.flush()
    except IntegrityError:
        log.info("month %s is already closed", month)
        return False
    session.execute(update(Invoice).where(Invoice.month == month).values(closed=True))
    session.commit()
    return True


def apply_plan_changes(session: Session, changes: Iterable[dict]) -> None:
    for change in changes:
        try:
            session.merge(PlanChange(**change))
            session.flush()
        except sa_exc.DBAPIError as err:  # expect: SQA110
            log.warning("skipping plan change %s: %s", change.get("id"), err.orig)
    session.commit()


def nightly_rollup(factory: sessionmaker[Session]) -> None:
    session = factory()
    try:
        session.add(JobRun(name="rollup", day=date.today()))
        session.commit()
    except IntegrityError:  # expect: SQA110
        log.info("rollup already ran today, recomputing anyway")
    with session.begin():
        session.execute(text("DELETE FROM daily_totals WHERE day = CURRENT_DATE"))
        session.execute(
            text(
                "INSERT INTO daily_totals (day, invoices, amount) "
                "SELECT CURRENT_DATE, count(*), coalesce(sum(amount), 0) FROM invoices"
            )
        )
    session.close()


def vacuum_analyze(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        try:
            session.execute(text("VACUUM ANALYZE invoices"))
        except sa_exc.OperationalError:
            log.info("VACUUM not supported here")
        session.execute(text("ANALYZE customers"))
        session.commit()
