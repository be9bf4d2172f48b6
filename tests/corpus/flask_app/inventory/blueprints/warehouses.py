import logging

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from ..db import engine
from ..models import StockMovement, Warehouse

log = logging.getLogger(__name__)

bp = Blueprint("warehouses", __name__, url_prefix="/warehouses")


@bp.before_request
def check_region_available():
    region = request.headers.get("X-Region", "eu")
    url = current_app.config["REGION_DATABASES"].get(region)
    if url is None:
        abort(400, description=f"unknown region {region!r}")
    probe = create_engine(url, pool_pre_ping=True)  # expect: SQA103
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        log.error("region %s is unreachable", region)
        abort(503, description=f"region {region} unavailable")
    g.region = region


@bp.before_request
def open_connection():
    g.wh_conn = engine.connect()


@bp.teardown_request
def close_connection(exc):
    conn = g.pop("wh_conn", None)
    if conn is not None:
        conn.close()


@bp.route("/")
def index():
    rows = g.wh_conn.execute(
        select(Warehouse.__table__).where(Warehouse.region == g.region).order_by(Warehouse.code)
    ).mappings().all()
    return jsonify([dict(r) for r in rows])


@bp.route("/<int:warehouse_id>/stock")
def stock(warehouse_id):
    conn = engine.connect()
    with conn:
        rows = conn.execute(
            text(
                "SELECT p.sku, sum(m.delta) AS on_hand FROM stock_movements m "
                "JOIN products p ON p.id = m.product_id WHERE m.warehouse_id = :wid "
                "GROUP BY p.sku HAVING sum(m.delta) <> 0 ORDER BY p.sku"
            ),
            {"wid": warehouse_id},
        ).all()
    return jsonify({sku: int(qty) for sku, qty in rows})


@bp.route("/<int:warehouse_id>/rebalance", methods=["POST"])
def rebalance(warehouse_id):
    payload = request.get_json(force=True)
    with engine.begin() as conn:
        for move in payload.get("moves", []):
            conn.execute(
                StockMovement.__table__.insert(),
                {
                    "product_id": move["product_id"],
                    "warehouse_id": warehouse_id,
                    "delta": int(move["delta"]),
                    "reason": "rebalance",
                },
            )
    return jsonify(status="ok", moves=len(payload.get("moves", [])))


@bp.route("/<int:warehouse_id>/audit", methods=["POST"])
def audit(warehouse_id):
    counted = request.get_json(force=True)["counted"]
    conn = engine.connect()  # expect: SQA104
    trans = conn.begin()
    try:
        for product_id, qty in counted.items():
            conn.execute(
                text(
                    "INSERT INTO stock_movements (product_id, warehouse_id, delta, reason, created_at) "
                    "SELECT :pid, :wid, :qty - coalesce(sum(delta), 0), 'audit', now() "
                    "FROM stock_movements WHERE product_id = :pid AND warehouse_id = :wid"
                ),
                {"pid": int(product_id), "wid": warehouse_id, "qty": int(qty)},
            )
        trans.commit()
    except Exception:
        trans.rollback()
        raise
    conn.close()
    return jsonify(status="audited")


@bp.route("/<int:warehouse_id>", methods=["DELETE"])
def delete(warehouse_id):
    conn = None
    try:
        conn = engine.connect()
        conn.execute(text("DELETE FROM warehouses WHERE id = :id"), {"id": warehouse_id})
        conn.commit()
    finally:
        if conn is not None:
            conn.close()
    return "", 204
