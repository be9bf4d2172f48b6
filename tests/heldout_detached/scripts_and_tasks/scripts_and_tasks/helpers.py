"""Small data helpers shared by the CLI, the tasks and the admin app."""
import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .database import SessionLocal, engine, web_session
from .models import Customer, Invoice, Job

log = logging.getLogger(__name__)


def load_customer(customer_id: int) -> Customer | None:
    with SessionLocal() as s:
        return s.get(Customer, customer_id)


def find_customer(email: str) -> Customer | None:
    with SessionLocal() as s:
        return s.query(Customer).filter_by(email=email).first()


def get_customers(ids: list[int]) -> list[Customer]:
    with SessionLocal() as s:
        return s.scalars(select(Customer).where(Customer.id.in_(ids))).all()


def create_customer(email: str, name: str, plan: str = "free") -> Customer:
    customer = Customer(email=email, name=name, plan=plan)
    with Session(engine) as s:
        s.add(customer)
        s.commit()
    return customer  # expect: SQA107


def create_customer_detached(email: str, name: str, plan: str = "free") -> Customer:
    customer = Customer(email=email, name=name, plan=plan)
    with Session(engine, expire_on_commit=False) as s:
        s.add(customer)
        s.commit()
    return customer


def bulk_create(rows: list[dict]) -> list[int]:
    customers = [Customer(**row) for row in rows]
    with SessionLocal() as s:
        s.add_all(customers)
        s.commit()
        return [c.id for c in customers]


def upsert_customer(data: Customer) -> Customer:
    with SessionLocal() as s:
        merged = s.merge(data)
        s.commit()
    return merged  # expect: SQA107


def ensure_plan(customer_id: int, plan: str) -> Customer:
    with SessionLocal() as s:
        c = s.get_one(Customer, customer_id)
        if c.plan != plan:
            log.info("moving customer %s from %s to %s", customer_id, c.plan, plan)
            c.plan = plan
            s.commit()
    return c  # bonus: SQA107


def save(session: Session, obj):
    session.add(obj)
    session.commit()
    return obj


def reset_failed_jobs() -> list[Job]:
    with SessionLocal() as s:
        s.execute(update(Job).where(Job.status == "failed").values(status="queued", attempts=0))
        s.commit()
        return s.scalars(select(Job).where(Job.status == "queued").order_by(Job.id)).all()


def mark_exported(invoice_id: int) -> str:
    invoice = web_session.get(Invoice, invoice_id)
    invoice.exported_at = datetime.utcnow()
    web_session.commit()
    return invoice.number
