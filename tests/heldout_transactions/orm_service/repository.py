"""Persistence helpers operating on a session owned by the caller."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import Invoice, InvoiceLine, LedgerEntry, Notification


class InvoiceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, invoice_id: int) -> Optional[Invoice]:
        return self.session.get(Invoice, invoice_id)

    def by_number(self, number: str) -> Optional[Invoice]:
        return self.session.scalar(select(Invoice).where(Invoice.number == number))

    def add(self, invoice: Invoice) -> Invoice:
        self.session.add(invoice)
        self.session.flush()
        return invoice

    def remove(self, invoice: Invoice) -> None:
        self.session.delete(invoice)


def add_lines(session: Session, invoice: Invoice, lines: Iterable[dict]) -> List[InvoiceLine]:
    created = [InvoiceLine(invoice=invoice, **line) for line in lines]
    session.add_all(created)
    invoice.total = sum((line.amount for line in invoice.lines), Decimal("0"))
    return created


def post_ledger_entries(session: Session, entries: Iterable[dict]) -> None:
    session.bulk_insert_mappings(LedgerEntry, list(entries))


def clear_notifications(session: Session, customer_id: int) -> int:
    result = session.execute(
        delete(Notification).where(
            Notification.customer_id == customer_id, Notification.sent_at.is_not(None)
        )
    )
    return result.rowcount


def finalize_draft(session: Session, invoice: Invoice, prefix: str = "INV") -> str:
    session.flush()
    invoice.number = f"{prefix}-{invoice.id:06d}"
    session.commit()
    return invoice.number
