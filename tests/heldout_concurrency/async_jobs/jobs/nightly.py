import asyncio
import logging
import os
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import Date, Numeric, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

log = logging.getLogger(__name__)

engine = create_async_engine(os.environ.get("JOBS_DSN", "postgresql+asyncpg://jobs@localhost/billing"))
Factory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int]
    customer_email: Mapped[str] = mapped_column(String(255))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")


async def load_invoice(session: AsyncSession, invoice_id: int) -> Invoice | None:
    return await session.get(Invoice, invoice_id)


async def overdue_invoices(session: AsyncSession) -> list[Invoice]:
    stmt = select(Invoice).where(Invoice.status == "open", Invoice.due_on < date.today())
    return list((await session.scalars(stmt)).all())


async def count_open(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count(Invoice.id)).where(Invoice.status == "open"))) or 0


async def sum_outstanding(session: AsyncSession) -> Decimal:
    stmt = select(func.coalesce(func.sum(Invoice.amount), 0)).where(Invoice.status == "open")
    return await session.scalar(stmt)


async def mark_overdue(session: AsyncSession, invoice: Invoice) -> None:
    invoice.status = "overdue"
    await session.flush()


async def customer_score(session: AsyncSession, customer_id: int) -> tuple[int, float]:
    stmt = select(func.count(Invoice.id)).where(Invoice.customer_id == customer_id, Invoice.status == "overdue")
    late = (await session.scalar(stmt)) or 0
    return customer_id, 1.0 / (1 + late)


async def send_reminder(http: httpx.AsyncClient, email: str) -> None:
    await http.post("https://mail.example.com/send", json={"to": email, "template": "overdue"})


async def process_customer(factory: async_sessionmaker[AsyncSession], customer_id: int) -> int:
    async with factory.begin() as session:
        rows = await session.scalars(select(Invoice).where(Invoice.customer_id == customer_id))
        invoices = list(rows)
        for inv in invoices:
            if inv.due_on < date.today():
                inv.status = "overdue"
        return len(invoices)


async def reconcile(invoice_ids: list[int]) -> list[Invoice]:
    async with Factory() as session:
        invoices = await asyncio.gather(*[load_invoice(session, i) for i in invoice_ids])  # expect: SQA109
    return [inv for inv in invoices if inv is not None]


async def reconcile_serial(invoice_ids: list[int]) -> list[Invoice]:
    async with Factory() as session:
        invoices = [await load_invoice(session, i) for i in invoice_ids]
    return [inv for inv in invoices if inv is not None]


async def run_customers(customer_ids: list[int]) -> int:
    counts = await asyncio.gather(*(process_customer(Factory, cid) for cid in customer_ids))
    return sum(counts)


async def open_totals() -> tuple[int, Decimal]:
    async with Factory() as session:
        n, total = await asyncio.gather(count_open(session), sum_outstanding(session), return_exceptions=True)  # expect: SQA109
    return n, total


async def open_totals_serial() -> tuple[int, Decimal]:
    async with Factory() as session:
        n = await count_open(session)
        total = await sum_outstanding(session)
    return n, total


async def remind() -> None:
    async with Factory() as session, httpx.AsyncClient(timeout=10) as http:
        invoices = await overdue_invoices(session)
        await asyncio.gather(*(send_reminder(http, inv.customer_email) for inv in invoices))
        await asyncio.gather(count_open(session), send_reminder(http, "billing@example.com"))


async def mark_batch(invoices: list[Invoice]) -> None:
    session = Factory()
    try:
        async with asyncio.TaskGroup() as tg:
            for inv in invoices:
                tg.create_task(mark_overdue(session, inv))  # expect: SQA109
        await session.commit()
    finally:
        await session.close()


async def score_customers(session: AsyncSession, customer_ids: list[int]) -> dict[int, float]:
    scores: dict[int, float] = {}
    for fut in asyncio.as_completed([customer_score(session, c) for c in customer_ids]):  # expect: SQA109
        cid, score = await fut
        scores[cid] = score
    return scores


async def fetch_many(ids: list[int]) -> list[Invoice | None]:
    async with Factory() as session:
        async def one(invoice_id: int) -> Invoice | None:
            return await session.get(Invoice, invoice_id)

        return await asyncio.gather(*(one(i) for i in ids))  # bonus: SQA109


async def main() -> None:
    logging.basicConfig(level=logging.INFO)
    async with Factory() as session:
        ids = [inv.id for inv in await overdue_invoices(session)]
    log.info("processing %d invoices", len(ids))
    await run_customers(ids)
    await remind()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
