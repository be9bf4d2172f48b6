import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import select

from .db import BatchSession, SessionFactory
from .models import Account, BillingPeriod, Invoice, LedgerEntry, Metric, Subscription

log = logging.getLogger(__name__)

PLAN_PRICES = {"basic": 900, "team": 2900, "business": 9900}
PAYMENT_TERMS = timedelta(days=14)


class PaymentGateway(Protocol):
    async def capture(self, reference: str, amount_cents: int) -> str: ...


@dataclass
class Adjustment:
    amount_cents: int
    currency: str
    memo: str


async def fx_rate(from_currency: str, to_currency: str) -> float:
    if from_currency == to_currency:
        return 1.0
    return 1.0  # TODO: wire the rates service


async def charge_invoice(invoice_id: int, gateway: PaymentGateway) -> None:
    async with SessionFactory() as session:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None or invoice.status != "open":
            return
        invoice.status = "charging"
        invoice.charged_at = datetime.now(timezone.utc)
        await session.commit()
        await gateway.capture(f"inv-{invoice_id}", invoice.amount_cents)  # expect: SQA108


async def close_overdue(today: date) -> list[Invoice]:
    async with SessionFactory() as s:
        overdue = (
            await s.scalars(
                select(Invoice).where(Invoice.status == "open", Invoice.due_date < today)
            )
        ).all()
        for inv in overdue:
            inv.status = "overdue"
        await s.commit()
        return overdue  # expect: SQA108


async def issue_invoices(period_label: str, today: date) -> list[str]:
    async with BatchSession() as s:
        subs = (await s.scalars(select(Subscription).where(Subscription.active.is_(True)))).all()
        invoices = [
            Invoice(
                number=f"{period_label}-{sub.id:06d}",
                account_id=sub.account_id,
                amount_cents=PLAN_PRICES[sub.plan],
                status="open",
                due_date=today + PAYMENT_TERMS,
            )
            for sub in subs
        ]
        s.add_all(invoices)
        await s.commit()
        for inv in invoices:
            log.info("issued %s for account %s", inv.number, inv.account_id)
        return [inv.number for inv in invoices]


async def issue_late_joiners(period_label: str, account_ids: list[int], today: date) -> int:
    issued = 0
    async with SessionFactory() as session:
        for account_id in account_ids:
            account = await session.get(Account, account_id)
            if account is None:
                continue
            invoice = Invoice(
                number=f"{period_label}-L{account_id:06d}",
                account_id=account_id,
                amount_cents=account.monthly_cents,
                status="open",
                due_date=today + PAYMENT_TERMS,
            )
            session.add(invoice)
            await session.commit()
            log.info("issued late invoice %s", invoice.number)  # expect: SQA108
            issued += 1
    return issued


async def apply_adjustments(account_id: int, adjustments: list[Adjustment]) -> None:
    async with SessionFactory() as session:
        account = await session.get(Account, account_id)
        if account is None:
            return
        for adj in adjustments:
            rate = await fx_rate(adj.currency, account.currency)  # expect: SQA108
            session.add(
                LedgerEntry(
                    account_id=account_id,
                    amount_cents=round(adj.amount_cents * rate),
                    memo=adj.memo,
                )
            )
            await session.commit()


async def open_period(label: str, starts_on: date, ends_on: date) -> None:
    async with SessionFactory() as s:
        period = BillingPeriod(label=label, starts_on=starts_on, ends_on=ends_on)
        marker = Metric(
            name="billing.period_opened", value=1.0, recorded_at=datetime.now(timezone.utc)
        )
        s.add_all([period, marker])
        await s.commit()
        log.info(f"opened billing period {period.label}")  # expect: SQA108


async def void_invoice(invoice_id: int) -> int:
    async with SessionFactory() as session:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is None:
            raise LookupError(invoice_id)
        invoice.status = "void"
        await session.commit()
    return invoice.amount_cents


async def period_summary(label: str) -> dict:
    async with BatchSession() as s:
        period = await s.scalar(select(BillingPeriod).where(BillingPeriod.label == label))
        if period is None:
            raise LookupError(label)
        open_invoices = (
            await s.scalars(
                select(Invoice).where(
                    Invoice.status == "open",
                    Invoice.due_date >= period.starts_on,
                )
            )
        ).all()
        for inv in open_invoices:
            inv.status = "pending_review"
        await s.commit()
        return {
            "period": period.label,
            "ends_on": period.ends_on.isoformat(),
            "flagged": [inv.number for inv in open_invoices],
        }
