"""Invoice lifecycle operations."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterable, List

from sqlalchemy import create_engine, delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from .models import Invoice, InvoiceLine, LedgerEntry, Notification, Payment
from .repository import InvoiceRepository, add_lines, finalize_draft

log = logging.getLogger(__name__)

engine = create_engine(
    os.environ.get("BILLING_DATABASE_URL", "postgresql+psycopg://billing@localhost/billing"),
    pool_pre_ping=True,
)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


def create_invoice(customer_id: int, lines: Iterable[dict]) -> int:
    with SessionLocal() as session:
        invoice = Invoice(customer_id=customer_id, status="draft")
        invoice.lines = [InvoiceLine(**line) for line in lines]
        invoice.total = sum((line.amount for line in invoice.lines), Decimal("0"))
        session.add(invoice)
        session.flush()
        invoice.number = f"INV-{invoice.id:06d}"
        session.commit()
        return invoice.id


def issue_invoice(invoice_id: int, account_id: int, net_days: int = 30) -> None:
    now = datetime.now(timezone.utc)
    with SessionLocal.begin() as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or invoice.status != "draft":
            raise ValueError(f"invoice {invoice_id} cannot be issued")
        invoice.status = "issued"
        invoice.issued_at = now
        invoice.due_at = now + timedelta(days=net_days)
        session.add(
            LedgerEntry(account_id=account_id, invoice_id=invoice.id, amount=-invoice.total)
        )


def record_payment(invoice_id: int, amount: Decimal, reference: str) -> int:
    with SessionLocal() as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None:
            raise LookupError(invoice_id)
        payment = Payment(invoice=invoice, amount=amount, reference=reference)
        session.add(payment)  # expect: SQA106
        session.flush()
        paid = sum((p.amount for p in invoice.payments), Decimal("0"))
        if paid >= invoice.total:
            invoice.status = "paid"
            session.commit()
        return payment.id


def void_invoice(invoice_id: int, reason: str) -> None:
    with SessionLocal() as session:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None:
            return
        session.execute(  # expect: SQA106
            delete(LedgerEntry).where(LedgerEntry.invoice_id == invoice_id)
        )
        session.add(  # expect: SQA106
            Notification(customer_id=invoice.customer_id, kind="invoice_void", body=reason)
        )
        invoice.status = "void"


def apply_late_fees(rate: Decimal) -> int:
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        overdue = session.scalars(
            select(Invoice).where(Invoice.status == "issued", Invoice.due_at < now)
        ).all()
        fees = [
            InvoiceLine(invoice_id=inv.id, description="Late fee", amount=inv.total * rate)
            for inv in overdue
        ]
        session.add_all(fees)
        session.commit()
        session.add(  # expect: SQA106
            Notification(kind="late_fees_applied", body=f"{len(fees)} invoices")
        )
        return len(fees)


def delete_draft(invoice_id: int) -> bool:
    with Session(engine) as session:
        invoice = session.get(Invoice, invoice_id)
        deleted = False
        if invoice is not None and invoice.status == "draft":
            session.delete(invoice)
            deleted = True
        session.commit()
        return deleted


def purge_stale_drafts(days: int = 90) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    with Session(engine) as session:
        stale = session.scalars(
            select(Invoice).where(Invoice.status == "draft", Invoice.created_at < cutoff)
        ).all()
        for invoice in stale:
            session.delete(invoice)  # expect: SQA106
        log.info("purged %d stale drafts", len(stale))
        return len(stale)


def duplicate_invoice(invoice_id: int) -> str:
    with SessionLocal() as session:
        original = session.get(Invoice, invoice_id)
        if original is None:
            raise LookupError(invoice_id)
        clone = Invoice(customer_id=original.customer_id, status="draft")
        session.add(clone)
        copied = [{"description": ln.description, "amount": ln.amount} for ln in original.lines]
        add_lines(session, clone, copied)
        return finalize_draft(session, clone)


def reissue_invoice(number: str) -> int:
    with SessionLocal() as session:
        repo = InvoiceRepository(session)
        old = repo.by_number(number)
        if old is None:
            raise LookupError(number)
        new = repo.add(Invoice(customer_id=old.customer_id, total=old.total))
        repo.remove(old)
        session.commit()
        return new.id


def send_reminders(customer_ids: Iterable[int]) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Notification),
            [{"customer_id": cid, "kind": "payment_reminder"} for cid in customer_ids],
        )


def queue_reminders(customer_ids: List[int]) -> None:
    with SessionLocal() as session:
        session.execute(  # expect: SQA106
            insert(Notification),
            [{"customer_id": cid, "kind": "payment_reminder"} for cid in customer_ids],
        )
        log.info("queued %d reminders", len(customer_ids))


def mark_sent(notification_ids: List[int]) -> None:
    with SessionLocal() as session:
        with session.begin():
            session.execute(
                update(Notification)
                .where(Notification.id.in_(notification_ids))
                .values(sent_at=datetime.now(timezone.utc))
            )


def cancel_overdue_drafts() -> None:
    with SessionLocal() as session:
        session.execute(  # expect: SQA106
            update(Invoice)
            .where(Invoice.status == "draft", Invoice.due_at < datetime.now(timezone.utc))
            .values(status="cancelled")
        )
        session.flush()


def extend_due_dates(days: int) -> int:
    stmt = (
        update(Invoice)
        .where(Invoice.status == "issued")
        .values(due_at=Invoice.due_at + timedelta(days=days))
    )
    with Session(engine) as session:
        result = session.execute(stmt)  # bonus: SQA106
        log.info("extended %d invoices", result.rowcount)
        return result.rowcount
