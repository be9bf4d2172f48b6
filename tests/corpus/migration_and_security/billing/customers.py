"""Customer lookups: ORM models queried with the 1.x Query API, partly migrated."""
import pandas as pd
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from .db import Session, engine


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(20))


def by_email(email):
    return Session.query(Customer).filter_by(email=email).first()  # expect: SQA203


def by_email_migrated(email):
    return Session.scalars(select(Customer).filter_by(email=email).limit(1)).first()


def load(session: OrmSession, customer_id):
    return session.query(Customer).get(customer_id)  # expect: SQA203


def customers_per_region():
    with OrmSession(engine) as session:
        return (
            session.query(Customer.region, func.count(Customer.id))  # expect: SQA203
            .group_by(Customer.region)
            .all()
        )


def customers_per_region_migrated():
    with OrmSession(engine) as session:
        return session.execute(
            select(Customer.region, func.count(Customer.id)).group_by(Customer.region)
        ).all()


class CrmClient:
    """The CRM's search API: its query() takes a search string, not an entity."""

    def query(self, search):
        return [search]

    def find(self, email):
        return self.query(f"email:{email}")


def big_spenders(frame: pd.DataFrame):
    return frame.query("total > 10000")
