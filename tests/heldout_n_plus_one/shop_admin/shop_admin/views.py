from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from .extensions import db
from .models import (
    Category,
    Customer,
    Order,
    OrderAudit,
    OrderItem,
    Product,
    Shipment,
    Supplier,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


@bp.get("/orders")
def order_list():
    status = request.args.get("status")
    stmt = select(Order).order_by(Order.placed_at.desc()).limit(PAGE_SIZE)
    if status:
        stmt = stmt.where(Order.status == status)
    orders = db.session.scalars(stmt).all()
    rows = [
        {
            "id": o.id,
            "status": o.status,
            "customer": o.customer.name,  # expect: SQA401
            "units": sum(i.quantity for i in o.items),
            "total": str(o.total),
        }
        for o in orders
    ]
    return render_template("admin/orders.html", rows=rows, status=status)


@bp.get("/orders/pending.json")
def pending_order_lines():
    stmt = select(Order).options(lazyload(Order.items)).where(Order.status == "pending")
    return jsonify(
        [
            {"id": o.id, "lines": len(o.items)}  # bonus: SQA401
            for o in db.session.scalars(stmt)
        ]
    )


@bp.get("/orders/<int:order_id>")
def order_detail(order_id: int):
    order = db.session.execute(
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.items).joinedload(OrderItem.product))
    ).scalar_one_or_none()
    if order is None:
        abort(404)
    lines = [(i.product.sku, i.product.name, i.quantity, i.unit_price) for i in order.items]
    return render_template(
        "admin/order_detail.html",
        order=order,
        customer=order.customer,
        shipments=order.shipments,
        lines=lines,
    )


@bp.post("/orders/<int:order_id>/cancel")
def cancel_order(order_id: int):
    order = db.session.get(Order, order_id) or abort(404)
    order.status = "cancelled"
    order.audit_entries.append(OrderAudit(action="cancel", actor=request.headers.get("X-Admin")))
    db.session.commit()
    return jsonify({"id": order.id, "status": order.status})


@bp.post("/orders/bulk-close")
def bulk_close():
    ids = request.get_json(force=True).get("ids", [])
    orders = db.session.scalars(select(Order).where(Order.id.in_(ids))).all()
    for order in orders:
        order.status = "closed"
        order.audit_entries.append(OrderAudit(action="close", actor=request.headers.get("X-Admin")))
    db.session.commit()
    return jsonify({"closed": [o.id for o in orders]})


@bp.get("/orders/dashboard")
def order_dashboard():
    result = db.session.execute(
        select(Order).where(Order.status.in_(["paid", "shipped"])).order_by(Order.placed_at.desc())
    ).scalars()
    in_transit, awaiting = [], []
    for order in result:
        if order.shipments:  # expect: SQA401
            last = order.shipments[-1]
            in_transit.append((order.id, last.carrier, last.tracking_number))
        else:
            awaiting.append(order.id)
    latest = db.session.scalars(select(Order).order_by(Order.placed_at.desc())).first()
    return render_template(
        "admin/dashboard.html",
        in_transit=in_transit,
        awaiting=awaiting,
        latest_customer=latest.customer.name if latest else None,
    )


@bp.get("/orders/refunded")
def refunded_orders():
    orders = db.session.scalars(
        select(Order).where(Order.status == "refunded").options(selectinload(Order.refunds))
    ).all()
    return jsonify(
        [{"id": o.id, "refunded": str(sum((r.amount for r in o.refunds), Decimal(0)))} for o in orders]
    )


@bp.get("/customers")
def customer_list():
    q = request.args.get("q", "")
    customers = (
        db.session.query(Customer)
        .filter(Customer.email.ilike(f"%{q}%"))
        .order_by(Customer.name)
        .all()
    )
    data = []
    for c in customers:
        data.append(
            {
                "id": c.id,
                "name": c.name,
                "city": c.addresses[0].city if c.addresses else None,
                "points": c.loyalty_account.points if c.loyalty_account else 0,
                "orders": len(c.orders),  # expect: SQA401
            }
        )
    return render_template("admin/customers.html", customers=data, q=q)


@bp.get("/customers/vip")
def vip_customers():
    customers = db.session.scalars(
        select(Customer)
        .where(Customer.is_vip.is_(True))
        .options(selectinload(Customer.orders).selectinload(Order.shipments))
    ).all()
    return jsonify(
        [
            {
                "name": c.name,
                "orders": [{"id": o.id, "shipments": len(o.shipments)} for o in c.orders],
            }
            for c in customers
        ]
    )


@bp.get("/customers/top")
def top_customers():
    stmt = (
        select(Customer.name, Customer.email, func.sum(Order.total).label("spent"))
        .join(Customer.orders)
        .group_by(Customer.id)
        .order_by(func.sum(Order.total).desc())
        .limit(20)
    )
    return jsonify([{"name": row.name, "email": row.email, "spent": str(row.spent)} for row in db.session.execute(stmt)])


@bp.get("/products")
def product_list():
    category = request.args.get("category")
    stmt = select(Product).join(Product.category).order_by(Product.name)
    if category:
        stmt = stmt.where(Category.name == category)
    products = []
    for p in db.session.scalars(stmt):
        products.append(
            {
                "sku": p.sku,
                "name": p.name,
                "category": p.category.name,  # expect: SQA401
                "supplier": p.supplier.name if p.supplier else None,
                "thumb": p.images[0].url if p.images else None,
            }
        )
    return render_template("admin/products.html", products=products)


@bp.get("/products/low-stock")
def low_stock():
    threshold = request.args.get("below", 5, type=int)
    products = db.session.scalars(
        select(Product).options(joinedload(Product.category)).where(Product.stock < threshold)
    ).all()
    return render_template(
        "admin/low_stock.html",
        rows=[(p.sku, p.name, p.category.name if p.category else "-", p.supplier.name) for p in products],
    )


@bp.get("/suppliers")
def supplier_list():
    suppliers = db.session.scalars(select(Supplier).options(selectinload(Supplier.products))).all()
    return jsonify([{"name": s.name, "products": len(s.products)} for s in suppliers])


@bp.get("/shipping/queue")
def shipping_queue():
    rows = []
    for sh in db.session.query(Shipment).filter(Shipment.shipped_at.is_(None)).order_by(Shipment.id):
        rows.append((sh.id, sh.carrier, sh.order.customer.email))  # expect: SQA401
    return render_template("admin/shipping.html", rows=rows)
