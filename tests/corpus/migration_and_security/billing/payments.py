"""Payment bookkeeping through the scoped session and plain sessions."""
from sqlalchemy import text
from sqlalchemy.orm import Session as OrmSession

from .db import Session, engine


def mark_paid(invoice_id):
    Session.execute(  # expect: SQA202
        "UPDATE invoices SET paid = true WHERE id = :id", {"id": invoice_id}
    )
    Session.commit()


def mark_paid_migrated(invoice_id):
    Session.execute(text("UPDATE invoices SET paid = true WHERE id = :id"), {"id": invoice_id})
    Session.commit()


def refund(invoice_id, reason):
    with OrmSession(engine) as session:
        session.execute(
            text(f"UPDATE invoices SET status = 'refunded', note = '{reason}' WHERE id = :id"),  # expect: SQA301
            {"id": invoice_id},
        )
        session.commit()


def outstanding(session: OrmSession, customer_id):
    statement = "SELECT sum(total) FROM invoices WHERE paid = false AND customer_id = :c"
    return session.execute(statement, {"c": customer_id}).scalar()  # expect: SQA202


def outstanding_migrated(session: OrmSession, customer_id):
    statement = text("SELECT sum(total) FROM invoices WHERE paid = false AND customer_id = :c")
    return session.execute(statement, {"c": customer_id}).scalar()


class PaymentGateway:
    """Not SQLAlchemy: its execute() takes strings and must not be reported."""

    def execute(self, command):
        return command

    def charge(self, amount):
        return self.execute("CHARGE %s" % amount)
