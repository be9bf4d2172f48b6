"""Public catalogue pages."""

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import bindparam, select, text

from ..config import PAGE_SIZE
from ..db import db_session
from ..models import Product

bp = Blueprint("catalog", __name__, url_prefix="/products")

LIST_SQL = text("SELECT id, name, price FROM products ORDER BY name LIMIT :limit OFFSET :offset")


@bp.get("/")
def list_products():
    page = request.args.get("page", 1, type=int)
    rows = db_session.execute(LIST_SQL, {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/<int:product_id>")
def show_product(product_id):
    product = db_session.query(Product).get(product_id)  # expect: SQA203
    if product is None:
        abort(404)
    return jsonify(product.to_dict())


@bp.get("/search")
def search():
    term = request.args.get("q", "")
    rows = db_session.execute(
        text(f"SELECT id, name FROM products WHERE name ILIKE '%{term}%'")  # expect: SQA301
    ).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/lookup")
def lookup():
    # The f-string builds a bound *value*, not SQL text.
    term = request.args.get("q", "")
    rows = db_session.execute(
        text("SELECT id, name FROM products WHERE name ILIKE :pattern"),
        {"pattern": f"%{term}%"},
    ).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/sorted")
def sorted_products():
    descending = request.args.get("desc") == "1"
    direction = "DESC" if descending else "ASC"
    sql = f"SELECT id, name, price FROM products ORDER BY price {direction}"
    rows = db_session.execute(text(sql)).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/by-category")
def by_category():
    category = request.args["category"]
    sort = request.args.get("sort", "name")
    query = "SELECT id, name FROM products WHERE category = :category ORDER BY " + sort
    rows = db_session.execute(text(query), {"category": category}).all()  # expect: SQA301
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/tagged")
def tagged():
    tags = request.args.getlist("tag")
    in_list = ", ".join(f"'{t}'" for t in tags)
    rows = db_session.execute(
        text("SELECT product_id FROM product_tags WHERE tag IN (%s)" % in_list)  # expect: SQA301
    ).all()
    return jsonify([r.product_id for r in rows])


@bp.get("/tags")
def tags():
    wanted = request.args.getlist("tag")
    stmt = text("SELECT product_id FROM product_tags WHERE tag IN :tags").bindparams(
        bindparam("tags", expanding=True)
    )
    rows = db_session.execute(stmt, {"tags": wanted}).all()
    return jsonify([r.product_id for r in rows])


@bp.get("/cheapest")
def cheapest():
    limit = request.args.get("n", 5, type=int)
    stmt = select(Product).order_by(Product.price).limit(limit)
    return jsonify([p.to_dict() for p in db_session.scalars(stmt)])
