import io
from contextlib import closing
from decimal import Decimal

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import func, select, text

from ..db import ReportSession, db_session, engine, get_conn
from ..models import Product, StockMovement

bp = Blueprint("products", __name__, url_prefix="/products")


@bp.route("/")
def index():
    products = db_session.query(Product).order_by(Product.name).all()  # expect: SQA203
    return jsonify([p.to_dict() for p in products])


@bp.route("/<int:product_id>")
def detail(product_id):
    session = db_session()
    product = session.get(Product, product_id)
    if product is None:
        abort(404)
    return jsonify(product.to_dict())


@bp.route("/", methods=["POST"])
def create():
    data = request.get_json(force=True)
    if not data.get("sku") or not data.get("name"):
        abort(400, description="sku and name are required")
    product = Product(
        sku=data["sku"],
        name=data["name"],
        quantity=int(data.get("quantity", 0)),
        unit_cost=Decimal(str(data.get("unit_cost", "0"))),
    )
    db_session.add(product)
    db_session.commit()
    return jsonify(product.to_dict()), 201


@bp.route("/<int:product_id>", methods=["PATCH"])
def update(product_id):
    product = db_session.get(Product, product_id)
    if product is None:
        abort(404)
    data = request.get_json(force=True)
    for field in ("name", "quantity"):
        if field in data:
            setattr(product, field, data[field])
    db_session.commit()
    return jsonify(product.to_dict())


@bp.route("/low-stock")
def low_stock():
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    conn = engine.connect()  # expect: SQA101
    rows = conn.execute(
        text("SELECT sku, name, quantity FROM products WHERE quantity < :t ORDER BY quantity"),
        {"t": threshold},
    ).mappings().all()
    return jsonify([dict(r) for r in rows])


@bp.route("/search")
def search():
    term = request.args.get("q", "").strip()
    if not term:
        return jsonify([])
    conn = get_conn()
    rows = conn.execute(
        select(Product.__table__).where(Product.name.ilike(f"%{term}%")).limit(25)
    ).mappings().all()
    return jsonify([{k: str(v) for k, v in r.items()} for r in rows])


@bp.route("/export.csv")
def export_csv():
    raw = engine.raw_connection()  # expect: SQA101
    cur = raw.cursor()
    buf = io.StringIO()
    cur.copy_expert(
        "COPY (SELECT sku, name, quantity, unit_cost FROM products ORDER BY sku) TO STDOUT WITH CSV HEADER",
        buf,
    )
    return Response(buf.getvalue(), mimetype="text/csv")


@bp.route("/import", methods=["POST"])
def import_csv():
    upload = request.files.get("file")
    if upload is None:
        abort(400, description="file missing")
    with closing(engine.raw_connection()) as raw:
        cur = raw.cursor()
        cur.execute("TRUNCATE products_staging")
        cur.copy_expert("COPY products_staging (sku, name, quantity) FROM STDIN WITH CSV HEADER", upload.stream)
        cur.execute(
            "INSERT INTO products (sku, name, quantity) SELECT sku, name, quantity FROM products_staging "
            "ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity"
        )
        imported = cur.rowcount
        raw.commit()
    return jsonify(imported=imported)


@bp.route("/<int:product_id>/movements")
def movements(product_id):
    session = ReportSession()  # expect: SQA102
    q = (
        session.query(StockMovement)  # expect: SQA203
        .filter_by(product_id=product_id)
        .order_by(StockMovement.created_at.desc())
        .limit(100)
    )
    return jsonify([m.to_dict() for m in q])


@bp.route("/valuation")
def valuation():
    session = ReportSession()
    try:
        total = session.scalar(select(func.sum(Product.quantity * Product.unit_cost)))
        by_sku = session.execute(
            select(Product.sku, Product.quantity * Product.unit_cost).order_by(Product.sku)
        ).all()
    finally:
        session.close()
    return jsonify(total=str(total or 0), items={sku: str(v) for sku, v in by_sku})
