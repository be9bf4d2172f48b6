from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..models import AuditLog, Coupon, Order, OrderEvent, Product, ProductTag, User, UserRole
from .extensions import db

bp = Blueprint("admin", __name__, template_folder="templates")


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:
        current_app.logger.exception("rollback failed")


def _actor() -> str:
    return request.headers.get("X-Admin-User", "unknown")


@bp.get("/coupons")
def coupons():
    rows = db.session.scalars(select(Coupon).order_by(Coupon.code)).all()
    return render_template("admin/coupons.html", coupons=rows)


@bp.post("/coupons")
def create_coupon():
    form = request.form
    coupon = Coupon(code=form["code"].strip().upper(), percent_off=int(form["percent_off"]))
    try:
        db.session.add(coupon)
        db.session.commit()
    except IntegrityError:
        flash("Coupon code already exists", "error")
        return render_template("admin/coupon_form.html", form=form), 400
    return redirect(url_for("admin.coupons"))


@bp.post("/products/<int:product_id>/tags")
def add_product_tags(product_id: int):
    product = db.get_or_404(Product, product_id)
    for name in request.form.getlist("tag"):
        try:
            db.session.add(ProductTag(product_id=product.id, name=name.strip().lower()))
            db.session.commit()
        except IntegrityError:  # expect: SQA110
            current_app.logger.info("tag %s already on product %s", name, product_id)
    flash("Tags updated")
    return redirect(url_for("admin.coupons"))


@bp.post("/users/<int:user_id>/roles")
def set_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    for role_name in request.form.getlist("role"):
        try:
            db.session.add(UserRole(user_id=user.id, role=role_name))
            db.session.commit()
        except IntegrityError:  # bonus: SQA110
            _rollback_quietly()
    return redirect(url_for("admin.coupons"))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    user.active = False
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        flash("Could not deactivate user", "error")
    else:
        flash("User deactivated")
    db.session.add(AuditLog(actor=_actor(), action="deactivate", target=f"user:{user_id}"))
    db.session.commit()
    return redirect(url_for("admin.coupons"))


@bp.post("/orders/<int:order_id>/refund")
def refund_order(order_id: int):
    order = db.get_or_404(Order, order_id)
    order.status = "refunded"
    db.session.add(OrderEvent(order_id=order.id, kind="refund", note=request.form.get("reason", "")))
    try:
        db.session.flush()
    except Exception:  # expect: SQA110
        current_app.logger.exception("refund failed for order %s", order_id)
        flash("Refund failed", "error")
    events = db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.created_at)
    ).all()
    return render_template("admin/order.html", order=order, events=events)


@bp.post("/products/import")
def import_products():
    upload = request.files["file"]
    reader = csv.DictReader(io.TextIOWrapper(upload.stream, encoding="utf-8"))
    skipped = 0
    for row in reader:
        try:
            price = Decimal(row["price"])
        except (KeyError, InvalidOperation):
            skipped += 1
            continue
        db.session.add(Product(sku=row["sku"], name=row.get("name", row["sku"]), price=price))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash("Import aborted: duplicate SKU in file", "error")
        return redirect(url_for("admin.coupons"))
    flash(f"Imported products ({skipped} rows skipped)")
    return redirect(url_for("admin.coupons"))
