"""Quart API for the billing dashboard."""
from decimal import Decimal

import sqlalchemy as sa
from quart import Quart, abort, jsonify, request
from sqlalchemy.orm import Session as OrmSession

from .db import AsyncSessionFactory, SessionFactory, async_engine, engine, invoices
from .repository import InvoiceRepository, Ledger

app = Quart(__name__)

repo = InvoiceRepository(engine)
ledger = Ledger(async_engine)


@app.route("/invoices/<int:invoice_id>")
async def get_invoice(invoice_id: int):
    row = repo.get(invoice_id)
    if row is None:
        abort(404)
    return jsonify(dict(row._mapping))


@app.route("/accounts/<int:account_id>/balance")
async def balance(account_id: int):
    return jsonify(balance=str(await ledger.balance(account_id)))


@app.route("/reports/partner", methods=["POST"])
async def partner_report():
    cfg = await request.get_json()
    partner_engine = sa.engine_from_config(cfg, prefix="sqlalchemy.")  # expect: SQA103
    with partner_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT invoice_ref, amount FROM partner_invoices")).all()
    return jsonify([{"ref": ref, "amount": str(amount)} for ref, amount in rows])


@app.route("/invoices/<int:invoice_id>/notes", methods=["POST"])
async def add_note(invoice_id: int):
    body = (await request.get_json())["note"]
    async with AsyncSessionFactory() as session:
        await session.execute(
            sa.text("INSERT INTO invoice_notes (invoice_id, body) VALUES (:i, :b)"),
            {"i": invoice_id, "b": body},
        )
        await session.commit()
    return "", 201


@app.route("/invoices/<int:invoice_id>/credit", methods=["POST"])
async def credit(invoice_id: int):
    amount = Decimal((await request.get_json())["amount"])
    session = OrmSession(engine)  # expect: SQA104
    session.execute(
        sa.update(invoices).where(invoices.c.id == invoice_id).values(amount=invoices.c.amount - amount)
    )
    session.commit()
    session.close()
    return jsonify(credited=str(amount))


@app.route("/customers/<int:customer_id>/invoices")
async def customer_invoices(customer_id: int):
    with SessionFactory() as session:
        rows = session.execute(
            sa.select(invoices.c.id, invoices.c.amount, invoices.c.status).where(
                invoices.c.customer_id == customer_id
            )
        ).all()
    return jsonify([{"id": i, "amount": str(a), "status": s} for i, a, s in rows])


@app.route("/health")
async def health():
    async with async_engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
