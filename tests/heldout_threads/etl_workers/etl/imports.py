"""Nightly imports of the CRM and catalogue CSV exports."""
import csv
import logging
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from .db import SessionLocal
from .models import Customer, Invoice, Order, Product, StagingProduct

log = logging.getLogger(__name__)

MAX_WORKERS = 8
CHUNK_SIZE = 500


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def chunked(rows: list, size: int = CHUNK_SIZE) -> list[list]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def parse_price(raw: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0.00")


# --- customers -------------------------------------------------------------


def _upsert_customer(session: Session, row: dict) -> int:
    customer = session.scalar(
        select(Customer).where(Customer.external_ref == row["ref"])
    )
    if customer is None:
        customer = Customer(external_ref=row["ref"])
        session.add(customer)
    customer.name = row["name"].strip()
    customer.email = row.get("email") or None
    customer.region = row["region"].upper()
    session.flush()
    return customer.id


def import_customers(path: Path) -> int:
    rows = read_rows(path)
    with SessionLocal() as session:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
            ids = list(executor.map(partial(_upsert_customer, session), rows))  # expect: SQA109
        session.commit()
    log.info("imported %d customers", len(ids))
    return len(ids)


def _customer_snapshot(session: Session, ref: str) -> dict:
    customer = session.scalar(select(Customer).where(Customer.external_ref == ref))
    if customer is None:
        return {"ref": ref, "missing": True}
    return {"ref": ref, "name": customer.name, "region": customer.region}


def snapshot_customers(session: Session, refs: list[str]) -> list[dict]:
    snapshots = list(map(partial(_customer_snapshot, session), refs))
    log.info("snapshotted %d customers", len(snapshots))
    return snapshots


# --- orders ----------------------------------------------------------------


def _apply_order_row(db: Session, row: dict) -> None:
    customer_id = db.scalar(
        select(Customer.id).where(Customer.external_ref == row["customer_ref"])
    )
    if customer_id is None:
        log.warning("order %s references unknown customer", row["order_id"])
        return
    order = db.get(Order, int(row["order_id"]))
    if order is None:
        order = Order(id=int(row["order_id"]), customer_id=customer_id)
        db.add(order)
    order.status = row["status"]
    order.total = parse_price(row["total"])


def import_orders(db: Session, rows: list[dict]) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in pool.map(lambda row: _apply_order_row(db, row), rows):  # expect: SQA109
            pass
    db.commit()


# --- products --------------------------------------------------------------


def import_products(path: Path) -> int:
    rows = read_rows(path)
    with SessionLocal() as s:

        def load(row: dict) -> bool:
            product = s.scalar(select(Product).where(Product.sku == row["sku"]))
            if product is None:
                s.add(Product(sku=row["sku"], title=row["title"], price=parse_price(row["price"])))
                return True
            product.title = row["title"]
            product.price = parse_price(row["price"])
            return False

        with ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
            created = sum(executor.map(load, rows))  # expect: SQA109
        s.commit()
    return created


def refresh_staging(path: Path) -> int:
    rows = read_rows(path)
    with SessionLocal() as session:
        session.execute(delete(StagingProduct))
        session.commit()

        def stage(chunk: list[dict]) -> int:
            with SessionLocal() as session:
                session.add_all(
                    StagingProduct(sku=r["sku"], title=r["title"], raw_price=r["price"])
                    for r in chunk
                )
                session.commit()
                return len(chunk)

        with ThreadPoolExecutor(max_workers=MAX_WORKERS) as executor:
            staged = sum(executor.map(stage, chunked(rows)))

        staged_in_db = session.scalar(select(func.count()).select_from(StagingProduct))
        if staged_in_db != staged:
            raise RuntimeError(f"staging mismatch: {staged_in_db} != {staged}")
        session.execute(text("CALL merge_staging_products()"))
        session.commit()
    return staged


def _apply_price(session: Session, item: tuple[str, str]) -> int:
    sku, raw_price = item
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        return 0
    new_price = parse_price(raw_price)
    if product.price == new_price:
        return 0
    product.price = new_price
    return 1


def reprice_products(session: Session, price_list: dict[str, str]) -> int:
    apply_price = partial(_apply_price, session)
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        changed = sum(pool.map(apply_price, price_list.items()))  # expect: SQA109
    session.commit()
    return changed


def _normalise_chunk(session: Session, chunk: list[dict]) -> list[dict]:
    known = set(session.scalars(select(Product.sku)))
    return [
        {**row, "title": " ".join(row["title"].split()), "known": row["sku"] in known}
        for row in chunk
    ]


def normalise_catalogue(session: Session, path: Path) -> list[dict]:
    with ProcessPoolExecutor(max_workers=4) as procs:
        parts = list(procs.map(partial(_normalise_chunk, session), chunked(read_rows(path))))
    return [row for part in parts for row in part]


# --- invoices --------------------------------------------------------------


def _import_invoice_file(session_factory: sessionmaker, path: Path) -> int:
    rows = read_rows(path)
    with session_factory() as session:
        for row in rows:
            session.merge(
                Invoice(
                    number=row["number"],
                    order_id=int(row["order_id"]),
                    amount=parse_price(row["amount"]),
                    issued_at=row["issued_at"],
                )
            )
        session.commit()
    return len(rows)


def import_invoice_files(directory: Path) -> int:
    files = sorted(directory.glob("invoices-*.csv"))
    with ThreadPoolExecutor(max_workers=4) as executor:
        counts = list(executor.map(partial(_import_invoice_file, SessionLocal), files))
    log.info("imported %d invoices from %d files", sum(counts), len(files))
    return sum(counts)
