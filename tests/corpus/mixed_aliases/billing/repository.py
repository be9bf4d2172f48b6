from datetime import date
from typing import List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from .db import customers, invoices, ledger


class InvoiceRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session_factory = orm.sessionmaker(bind=engine)

    def get(self, invoice_id: int) -> Optional[sa.Row]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(invoices).where(invoices.c.id == invoice_id)).first()

    def count_overdue(self, today: date) -> int:
        conn = self.engine.connect()  # expect: SQA101
        n = conn.execute(
            sa.select(sa.func.count()).where(invoices.c.status == "open", invoices.c.due_date < today)
        ).scalar_one()
        return n

    def for_customer(self, customer_id: int) -> Sequence[sa.Row]:
        session = self._session_factory()  # expect: SQA102
        rows = session.execute(
            sa.select(invoices).where(invoices.c.customer_id == customer_id).order_by(invoices.c.due_date)
        ).all()
        return rows

    def bulk_insert(self, rows: List[dict]) -> None:
        with self._session_factory.begin() as session:
            session.execute(sa.insert(invoices), rows)

    def regions(self) -> List[str]:
        conn = self.engine.connect()
        try:
            return list(conn.execute(sa.select(customers.c.region).distinct()).scalars())
        finally:
            conn.close()


class Ledger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def balance(self, account_id: int):
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(ledger.c.delta), 0)).where(
                    ledger.c.account_id == account_id
                )
            )
            return result.scalar_one()

    async def entries(self, account_id: int) -> List[sa.Row]:
        conn = await self._engine.connect()  # expect: SQA101
        result = await conn.execute(
            sa.select(ledger).where(ledger.c.account_id == account_id).order_by(ledger.c.booked_at)
        )
        rows = result.all()
        return rows

    async def book(self, account_id: int, delta) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(ledger).values(account_id=account_id, delta=delta))
