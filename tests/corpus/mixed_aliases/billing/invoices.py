from datetime import date, datetime, timezone
from decimal import Decimal
from typing import List

from sqlalchemy import create_engine as make_engine
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

from .db import ARCHIVE_URL, SessionFactory, invoices


def outstanding_total(engine: Engine, customer_id: int) -> Decimal:
    conn = engine.connect()  # expect: SQA101
    total = conn.execute(
        select(func.sum(invoices.c.amount)).where(
            invoices.c.customer_id == customer_id, invoices.c.status == "open"
        )
    ).scalar()
    return total or Decimal("0")


def mark_paid(engine: Engine, invoice_id: int) -> None:
    with OrmSession(engine) as session, session.begin():
        session.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id)
            .values(status="paid", paid_at=datetime.now(timezone.utc))
        )


def void_invoice(engine: Engine, invoice_id: int) -> None:
    session = OrmSession(engine)  # expect: SQA102
    session.execute(update(invoices).where(invoices.c.id == invoice_id).values(status="void"))
    session.commit()


def overdue(today: date) -> List[int]:
    with SessionFactory() as s:
        return list(
            s.scalars(
                select(invoices.c.id).where(invoices.c.status == "open", invoices.c.due_date < today)
            )
        )


def archive_year(year: int) -> int:
    archive = make_engine(ARCHIVE_URL)
    try:
        with archive.begin() as conn:
            result = conn.execute(
                update(invoices)
                .where(func.extract("year", invoices.c.due_date) == year)
                .values(status="archived")
            )
            return result.rowcount
    finally:
        archive.dispose()


def reopen(invoice_id: int) -> None:
    sess = SessionFactory()
    try:
        sess.execute(update(invoices).where(invoices.c.id == invoice_id).values(status="open", paid_at=None))
        sess.commit()
    except Exception:
        sess.rollback()
        raise
    finally:
        sess.close()
