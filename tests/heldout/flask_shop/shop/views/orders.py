"""Order pages. Written before the team moved everything to the scoped session."""

import requests
from flask import Blueprint, jsonify, request
from sqlalchemy import text
from sqlalchemy.orm import Session

from ..db import ReplicaSession, engine
from ..models import Order

bp = Blueprint("orders", __name__, url_prefix="/orders")

session = Session(engine)  # expect: SQA105
replica = ReplicaSession()  # expect: SQA105

# An HTTP session for the payment provider; not a database session.
payments = requests.Session()
payments.headers["Authorization"] = "Bearer from-env"


@bp.get("/")
def list_orders():
    status = request.args.get("status", "open")
    orders = session.query(Order).filter(Order.status == status).all()  # expect: SQA203
    return jsonify([o.to_dict() for o in orders])


@bp.get("/<int:order_id>/lines")
def order_lines(order_id):
    rows = replica.execute(  # expect: SQA202
        "SELECT sku, qty, price FROM order_lines WHERE order_id = :id", {"id": order_id}
    ).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.post("/<int:order_id>/cancel")
def cancel(order_id):
    with Session(engine) as s, s.begin():
        s.execute(text("UPDATE orders SET status = 'cancelled' WHERE id = :id"), {"id": order_id})
    payments.post(f"https://pay.example.com/orders/{order_id}/void")
    return "", 204


@bp.get("/<int:order_id>")
def show_order(order_id):
    with Session(engine) as s:
        order = s.get(Order, order_id)
        return jsonify(order.to_dict() if order else {})
