"""Database maintenance: statistics, archiving, integrity checks."""
import logging
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import partial

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from .db import ScopedSession, SessionLocal, engine
from .models import Customer, JobRun, Order, OrderArchive

log = logging.getLogger(__name__)

MAINTENANCE_TABLES = ("customers", "orders", "order_lines", "invoices", "products")


@dataclass(frozen=True)
class IntegrityCheck:
    name: str
    sql: str


CHECKS = (
    IntegrityCheck("orphan_lines", "SELECT count(*) FROM order_lines l LEFT JOIN orders o ON o.id = l.order_id WHERE o.id IS NULL"),
    IntegrityCheck("negative_totals", "SELECT count(*) FROM orders WHERE total < 0"),
    IntegrityCheck("invoice_mismatch", "SELECT count(*) FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.amount <> o.total"),
    IntegrityCheck("inactive_with_open_orders", "SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE NOT c.active AND o.status = 'open'"),
)


# --- statistics ------------------------------------------------------------


def _analyze_table(conn: Connection, table: str) -> None:
    conn.execute(text(f"ANALYZE {table}"))


def analyze_all(tables: tuple[str, ...] = MAINTENANCE_TABLES) -> None:
    with engine.connect() as conn:
        with ThreadPoolExecutor(max_workers=len(tables)) as pool:
            futures = []
            for table in tables:
                futures.append(pool.submit(_analyze_table, conn, table))  # expect: SQA109
            wait(futures)
        conn.commit()


def _analyze_with_engine(bind: Engine, table: str) -> None:
    with bind.connect() as conn:
        conn.execute(text(f"ANALYZE {table}"))
        conn.commit()


def analyze_after_load(session: Session, tables: tuple[str, ...] = MAINTENANCE_TABLES) -> None:
    session.commit()
    bind = session.get_bind()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for table in tables:
            pool.submit(_analyze_with_engine, bind, table)


# --- nightly cleanup -------------------------------------------------------


def _recalculate_order_totals(db: Session) -> int:
    result = db.execute(
        text(
            "UPDATE orders o SET total = s.total FROM ("
            " SELECT order_id, sum(quantity * unit_price) AS total FROM order_lines GROUP BY order_id"
            ") s WHERE s.order_id = o.id AND o.total <> s.total"
        )
    )
    return result.rowcount


def _purge_abandoned_carts(db: Session) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(days=30)
    result = db.execute(
        delete(Order).where(Order.status == "cart", Order.created_at < cutoff)
    )
    return result.rowcount


def nightly_cleanup(db: Session) -> dict[str, int]:
    with ThreadPoolExecutor(max_workers=2) as ex:
        totals = ex.submit(_recalculate_order_totals, db)  # expect: SQA109
        purged = ex.submit(_purge_abandoned_carts, db)  # expect: SQA109
        summary = {"recalculated": totals.result(), "purged": purged.result()}
    db.commit()
    return summary


def _count_stale_orders(db: Session, before: datetime) -> int:
    return db.scalar(
        select(func.count()).select_from(Order).where(Order.created_at < before)
    ) or 0


def archive_guard(db: Session, job_id: int, before: datetime) -> bool:
    with ThreadPoolExecutor(max_workers=1) as ex:
        future = ex.submit(_count_stale_orders, db, before)
        stale = future.result(timeout=300)
    if stale > 2_000_000:
        db.execute(update(JobRun).where(JobRun.id == job_id).values(status="skipped"))
        db.commit()
        return False
    return True


# --- archiving -------------------------------------------------------------


def archive_orders(session: Session, months: list[date]) -> int:
    def archive_month(month_start: date) -> int:
        month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
        in_month = select(
            Order.id, Order.customer_id, Order.status, Order.total, Order.created_at
        ).where(Order.created_at >= month_start, Order.created_at < month_end)
        moved = session.execute(
            insert(OrderArchive).from_select(
                ["id", "customer_id", "status", "total", "created_at"], in_month
            )
        )
        session.execute(
            delete(Order).where(Order.created_at >= month_start, Order.created_at < month_end)
        )
        return moved.rowcount

    with ThreadPoolExecutor(max_workers=3) as ex:
        futures = []
        for month in months:
            futures.append(ex.submit(archive_month, month))  # expect: SQA109
        archived = sum(f.result() for f in futures)
    session.commit()
    return archived


def _rebuild_shard(shard_session: Session, shard_id: int) -> None:
    shard_session.execute(text("CALL rebuild_customer_shard(:shard)"), {"shard": shard_id})
    shard_session.commit()


def rebuild_customer_shards(shard_ids: list[int]) -> None:
    sessions = [SessionLocal() for _ in shard_ids]
    try:
        with ThreadPoolExecutor(max_workers=len(shard_ids)) as ex:
            for shard_session, shard_id in zip(sessions, shard_ids):
                ex.submit(_rebuild_shard, shard_session, shard_id)
    finally:
        for shard_session in sessions:
            shard_session.close()


# --- integrity checks ------------------------------------------------------


def _run_check(session: Session, check: IntegrityCheck) -> int:
    return session.scalar(text(check.sql)) or 0


def run_integrity_checks(checks: tuple[IntegrityCheck, ...] = CHECKS) -> dict[str, int]:
    with SessionLocal() as session, ThreadPoolExecutor(max_workers=4) as ex:
        pending = {ex.submit(_run_check, session, check): check.name for check in checks}  # expect: SQA109
        return {pending[f]: f.result() for f in as_completed(pending)}


def _run_check_isolated(factory: sessionmaker, check: IntegrityCheck) -> int:
    with factory() as session:
        return session.scalar(text(check.sql)) or 0


def run_integrity_checks_isolated(checks: tuple[IntegrityCheck, ...] = CHECKS) -> dict[str, int]:
    with ThreadPoolExecutor(max_workers=4) as ex:
        pending = {ex.submit(_run_check_isolated, SessionLocal, check): check.name for check in checks}
        return {pending[f]: f.result() for f in as_completed(pending)}


# --- customer housekeeping -------------------------------------------------


def touch_customers(customer_ids: list[int]) -> None:
    def touch(customer_id: int) -> None:
        session = ScopedSession()
        try:
            session.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(updated_at=func.now())
            )
            session.commit()
        finally:
            ScopedSession.remove()

    with ThreadPoolExecutor(max_workers=8) as ex:
        for customer_id in customer_ids:
            ex.submit(touch, customer_id)


def _refresh_lifetime_value(session: Session, customer_id: int) -> None:
    total = session.scalar(
        select(func.coalesce(func.sum(Order.total), 0)).where(
            Order.customer_id == customer_id, Order.status == "paid"
        )
    )
    session.execute(
        update(Customer).where(Customer.id == customer_id).values(lifetime_value=total)
    )


def refresh_lifetime_values(customer_ids: list[int]) -> None:
    session = ScopedSession()
    try:
        with ThreadPoolExecutor(max_workers=4) as ex:
            list(ex.map(partial(_refresh_lifetime_value, session), customer_ids))  # bonus: SQA109
        session.commit()
    finally:
        ScopedSession.remove()


def _refresh_lifetime_value_scoped(registry: scoped_session, customer_id: int) -> None:
    session = registry()
    try:
        _refresh_lifetime_value(session, customer_id)
        session.commit()
    finally:
        registry.remove()


def refresh_lifetime_values_per_thread(customer_ids: list[int]) -> None:
    with ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(partial(_refresh_lifetime_value_scoped, ScopedSession), customer_ids))
    log.info("refreshed lifetime value of %d customers", len(customer_ids))
