"""Old cron scripts: exchange rates and the customer copy from the legacy DB."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .db import DBSession, LegacySession, SessionLocal
from .models import Customer, ExchangeRate, LegacyCustomer

log = logging.getLogger("legacy_sync")


def load_rates(rates: dict[str, Decimal], day: date | None = None) -> None:
    day = day or date.today()
    for currency, rate in rates.items():
        DBSession.add(ExchangeRate(currency=currency.upper(), rate=rate, day=day))
        try:
            DBSession.commit()
        except IntegrityError:  # expect: SQA110
            log.info("rate for %s on %s already loaded", currency, day)
    DBSession.remove()


def prune_rates(keep_days: int = 400) -> None:
    cutoff = date.today() - timedelta(days=keep_days)
    try:
        DBSession.execute(delete(ExchangeRate).where(ExchangeRate.day < cutoff))
        DBSession.commit()
    except SQLAlchemyError:
        DBSession.rollback()
        raise
    finally:
        DBSession.remove()


def latest_rate(currency: str) -> Decimal | None:
    return DBSession.scalar(
        select(ExchangeRate.rate).where(ExchangeRate.currency == currency).order_by(ExchangeRate.day.desc()).limit(1)
    )


def copy_customers(src: Session, dst: Session, batch_size: int = 500) -> int:
    copied = 0
    stmt = select(LegacyCustomer).order_by(LegacyCustomer.id).execution_options(yield_per=batch_size)
    for partition in src.scalars(stmt).partitions():
        for legacy in partition:
            dst.add(Customer(email=legacy.email.strip().lower(), name=legacy.full_name))
        try:
            dst.commit()
        except IntegrityError:  # expect: SQA110
            # drop the whole batch, the nightly dedupe job picks up the rest
            dst.expunge_all()
            log.warning("batch starting at legacy id %s skipped", partition[0].id)
            continue
        copied += len(partition)
    return copied


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    with LegacySession() as src, SessionLocal() as dst:
        n = copy_customers(src, dst)
    log.info("copied %d customers", n)


if __name__ == "__main__":
    main()
