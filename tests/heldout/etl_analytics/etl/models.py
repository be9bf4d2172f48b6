from sqlalchemy import Column, Date, Integer, Numeric, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    name = Column(String(200))
    region = Column(String(20))
    lifetime_value = Column(Numeric(12, 2))
    last_order = Column(Date)
