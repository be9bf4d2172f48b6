"""The HTTP API (Flask), still carrying a few 1.x habits."""
from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from .db import Session as ScopedSession
from .db import engine

app = Flask(__name__)
SessionFactory = sessionmaker(bind=engine)
shared_session = Session(engine)  # expect: SQA105


class InvoiceRepository:
    session = SessionFactory()  # expect: SQA105
    factory = SessionFactory

    def get(self, invoice_id):
        with self.factory() as session:
            return session.execute(
                text("SELECT id, total FROM invoices WHERE id = :id"), {"id": invoice_id}
            ).first()


@app.route("/invoices/<int:invoice_id>")
def show_invoice(invoice_id):
    row = InvoiceRepository().get(invoice_id)
    return jsonify(dict(row._mapping)) if row else ("not found", 404)


@app.route("/invoices/count")
def count_invoices():
    return str(shared_session.execute(text("SELECT count(*) FROM invoices")).scalar())


@app.route("/invoices/<int:invoice_id>/note", methods=["POST"])
def add_note(invoice_id):
    ScopedSession.execute(text("UPDATE invoices SET noted = true WHERE id = :id"), {"id": invoice_id})
    ScopedSession.commit()
    return "", 204


@app.teardown_appcontext
def remove_session(exception=None):
    ScopedSession.remove()


with engine.connect() as startup_conn:
    startup_conn.execute(text("SELECT 1"))
