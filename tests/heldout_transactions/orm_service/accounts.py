"""Account operations, wired with an explicit engine."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterable, List, Mapping, Optional, Set

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import Account, Customer, LedgerEntry, Notification
from .repository import post_ledger_entries

log = logging.getLogger(__name__)


class InsufficientFunds(Exception):
    pass


class AccountService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._opened: Set[int] = set()

    def open_account(self, customer_id: int, currency: str = "EUR") -> int:
        with Session(self._engine) as session:
            account = Account(customer_id=customer_id, currency=currency)
            session.add(account)
            session.commit()
            self._opened.add(account.id)
            return account.id

    def attach_accounts(self, customer_id: int, currencies: Iterable[str]) -> None:
        with Session(self._engine) as session:
            with session.no_autoflush:
                customer = session.get(Customer, customer_id)
                for currency in currencies:
                    session.add(Account(customer=customer, currency=currency))  # expect: SQA106
            log.info("attached accounts to customer %s", customer_id)

    def attach_default_account(self, customer_id: int) -> None:
        with Session(self._engine) as session:
            with session.no_autoflush:
                customer = session.get(Customer, customer_id)
                session.add(Account(customer=customer, currency="EUR"))
            session.commit()

    def import_accounts(self, payloads: Iterable[Mapping]) -> int:
        count = 0
        with Session(self._engine) as session:
            for payload in payloads:
                session.merge(Account(**payload))  # expect: SQA106
                count += 1
            session.flush()
        return count

    def transfer(self, source_id: int, target_id: int, amount: Decimal) -> None:
        with Session(self._engine) as session:
            try:
                source = session.get(Account, source_id, with_for_update=True)
                if source is None or source.balance < amount:
                    raise InsufficientFunds(source_id)
                debit = Account.balance - amount
                credit = Account.balance + amount
                session.execute(
                    update(Account).where(Account.id == source_id).values(balance=debit)
                )
                session.execute(
                    update(Account).where(Account.id == target_id).values(balance=credit)
                )
                session.add_all(
                    [
                        LedgerEntry(account_id=source_id, amount=-amount, memo=f"to {target_id}"),
                        LedgerEntry(account_id=target_id, amount=amount, memo=f"from {source_id}"),
                    ]
                )
                session.commit()
            except Exception:
                session.rollback()
                raise

    def freeze(self, account_id: int, reason: str) -> None:
        with self._engine.connect() as conn:
            conn.execute(  # expect: SQA106
                update(Account).where(Account.id == account_id).values(frozen=True)
            )
            conn.execute(  # expect: SQA106
                insert(Notification).values(kind="account_frozen", body=f"{account_id}: {reason}")
            )
            log.warning("account %s frozen: %s", account_id, reason)

    def unfreeze(self, account_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(Account).where(Account.id == account_id).values(frozen=False))

    def recalculate_balances(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(
                text(
                    "UPDATE accounts a SET balance = COALESCE("
                    "(SELECT SUM(amount) FROM ledger_entries l WHERE l.account_id = a.id), 0)"
                )
            )
            conn.commit()

    def adjust_many(self, rows: List[dict]) -> None:
        with self._sessions.begin() as session:
            session.bulk_update_mappings(Account, rows)

    def post_interest(self, rate: Decimal) -> None:
        with Session(self._engine) as session:
            accounts = session.scalars(
                select(Account).where(Account.closed_at.is_(None), Account.balance > 0)
            ).all()
            entries = [{"account_id": a.id, "amount": a.balance * rate} for a in accounts]
            post_ledger_entries(session, entries)

    def backfill_entries(self, rows: List[dict]) -> None:
        with Session(bind=self._engine) as session:
            session.bulk_insert_mappings(LedgerEntry, rows)  # expect: SQA106
            log.info("backfilled %d ledger entries", len(rows))

    def restore_entries(self, entries: List[LedgerEntry]) -> None:
        with Session(self._engine) as session:
            session.bulk_save_objects(entries)  # expect: SQA106
            session.flush()

    def load_detached(self, account_id: int) -> Optional[Account]:
        with Session(self._engine) as session:
            account = session.get(Account, account_id)
            if account is not None:
                session.expunge(account)
            return account

    def close_account(self, account_id: int) -> None:
        with Session(self._engine) as session:
            account = session.get(Account, account_id)
            if account is None or account.balance != 0:
                raise ValueError(f"account {account_id} cannot be closed")
            account.closed_at = datetime.now(timezone.utc)
            session.add(Notification(customer_id=account.customer_id, kind="account_closed"))
            session.query(LedgerEntry).filter(LedgerEntry.account_id == account_id).delete(
                synchronize_session=False
            )
            session.commit()

    def notify_low_balance(self, threshold: Decimal) -> None:
        with Session(self._engine) as session:
            low = session.scalars(select(Account).where(Account.balance < threshold)).all()
        for account in low:
            with Session(self._engine) as session:
                session.add(  # expect: SQA106
                    Notification(customer_id=account.customer_id, kind="low_balance")
                )
