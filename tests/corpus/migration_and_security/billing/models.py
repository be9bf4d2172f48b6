from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Numeric, String, Table

metadata = MetaData()

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, nullable=False),
    Column("region", String(20)),
    Column("status", String(20)),
    Column("total", Numeric(12, 2)),
    Column("due_date", Date),
    Column("paid", Boolean, default=False),
)
