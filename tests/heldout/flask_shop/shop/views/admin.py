"""Admin pages, still on the 1.3-era API (engine.execute with implicit autocommit)."""

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy import func, select, text

from ..db import engine
from ..models import Order

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")

STATS_TABLES = ("products", "orders", "customers")


@bp.get("/stats")
def stats():
    counts = {}
    for table in STATS_TABLES:
        counts[table] = engine.scalar(text(f"SELECT count(*) FROM {table}"))  # expect: SQA201
    return jsonify(counts)


@bp.post("/customers/<int:customer_id>/deactivate")
def deactivate(customer_id):
    engine.execute(  # expect: SQA201
        text("UPDATE customers SET active = false WHERE id = :id"), id=customer_id
    )
    log.info("deactivated customer %s", customer_id)
    return "", 204


@bp.get("/customers/export")
def export_customers():
    since = request.args["since"]
    result = engine.execute("SELECT id, email FROM customers WHERE created_at >= '%s'" % since)  # expect: SQA201, SQA301
    return jsonify([dict(r) for r in result])


@bp.get("/revenue")
def revenue():
    with engine.connect() as conn:
        total = conn.scalar(select(func.sum(Order.total)))
    return jsonify({"total": float(total or 0)})


@bp.get("/audit")
def audit():
    user = request.args.get("user")
    log.info("audit requested for %s" % user)
    sql = "SELECT id, action FROM audit_log WHERE actor = :user ORDER BY id DESC"
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"user": user}).all()
    return jsonify([dict(r._mapping) for r in rows])


def purge_web_sessions():
    """Delete expired web sessions.

    This used to be ``engine.execute("DELETE FROM web_sessions WHERE expires < now()")``
    and, before that, ``session.query(WebSession).filter(...).delete()``.
    """
    with engine.begin() as conn:
        # conn.execute("DELETE FROM web_sessions WHERE expires < now()") no longer works
        conn.execute(text("DELETE FROM web_sessions WHERE expires < now()"))
