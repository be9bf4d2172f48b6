"""CSV / JSON importers run from cron (``python -m jobs.importers customers.csv``)."""

from __future__ import annotations

import csv
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from .db import SessionLocal
from .models import Address, Customer, Event, Invoice, JobRun

log = logging.getLogger("jobs.importers")


@dataclass
class ImportStats:
    created: int = 0
    duplicates: int = 0
    invalid: int = 0


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _customer_from_row(row: dict[str, str]) -> Customer:
    email = row["email"].strip().lower()
    if "@" not in email:
        raise ValueError(f"invalid email {email!r}")
    return Customer(email=email, name=row["name"].strip(), country=(row.get("country") or None))


def import_customers(path: Path, session: Session) -> ImportStats:
    stats = ImportStats()
    for lineno, row in enumerate(_rows(path), start=2):
        try:
            customer = _customer_from_row(row)
        except (KeyError, ValueError) as exc:
            log.warning("line %d: %s", lineno, exc)
            stats.invalid += 1
            continue
        session.add(customer)
        try:
            session.commit()
        except IntegrityError:  # expect: SQA110
            log.info("line %d: customer %s already exists", lineno, customer.email)
            stats.duplicates += 1
            continue
        stats.created += 1
    return stats


def import_invoices(path: Path, session: Session) -> ImportStats:
    stats = ImportStats()
    for row in _rows(path):
        invoice = Invoice(
            number=row["number"],
            customer_id=int(row["customer_id"]),
            amount=Decimal(row["amount"]),
            month=row["month"],
        )
        try:
            with session.begin_nested():
                session.add(invoice)
        except IntegrityError:
            stats.duplicates += 1
            continue
        stats.created += 1
    session.commit()
    return stats


def import_addresses(rows: Iterable[dict], session: Session) -> int:
    ok = 0
    for row in rows:
        session.add(
            Address(
                customer_id=row["customer_id"],
                kind=row.get("kind", "billing"),
                line1=row["line1"],
                city=row["city"],
            )
        )
        try:
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            log.warning("address for customer %s rejected: %s", row["customer_id"], exc.orig)
            continue
        ok += 1
    return ok


def import_events(session: Session, events: Iterable[dict]) -> int:
    imported = 0
    for ev in events:
        try:
            session.add(Event(external_id=ev.get("id"), kind=ev["type"], payload=ev))
            session.commit()
        except OperationalError:  # expect: SQA110
            log.error("database unavailable, stopping after %d events", imported)
            break
        imported += 1
    session.execute(
        update(JobRun)
        .where(JobRun.name == "import_events", JobRun.day == date.today())
        .values(last_count=imported, finished_at=func.now())
    )
    session.commit()
    return imported


def mark_job_started(name: str) -> None:
    with SessionLocal() as session:
        session.add(JobRun(name=name))
        try:
            session.commit()
        except IntegrityError:
            log.warning("job %s already has a run today", name)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO)
    mark_job_started("import_customers")
    with SessionLocal() as session:
        stats = import_customers(Path(argv[1]), session)
    log.info("created=%d duplicates=%d invalid=%d", stats.created, stats.duplicates, stats.invalid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
