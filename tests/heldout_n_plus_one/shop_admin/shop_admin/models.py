from __future__ import annotations

from datetime import datetime, timezone

from .extensions import db


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Customer(db.Model):
    __tablename__ = "customers"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    is_vip = db.Column(db.Boolean, default=False, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), default=_now)

    orders = db.relationship("Order", back_populates="customer", order_by="Order.placed_at")
    addresses = db.relationship("Address", back_populates="customer", lazy="subquery")
    loyalty_account = db.relationship("LoyaltyAccount", uselist=False, lazy="immediate")
    notes = db.relationship("CustomerNote", backref="customer", cascade="all, delete-orphan")


class Address(db.Model):
    __tablename__ = "addresses"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    line1 = db.Column(db.String(200), nullable=False)
    city = db.Column(db.String(100), nullable=False)
    postcode = db.Column(db.String(20), nullable=False)
    country = db.Column(db.String(2), nullable=False, default="GB")

    customer = db.relationship("Customer", back_populates="addresses")


class LoyaltyAccount(db.Model):
    __tablename__ = "loyalty_accounts"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), unique=True)
    points = db.Column(db.Integer, default=0, nullable=False)


class CustomerNote(db.Model):
    __tablename__ = "customer_notes"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    body = db.Column(db.Text, nullable=False)
    written_by = db.Column(db.String(80))
    created_at = db.Column(db.DateTime(timezone=True), default=_now)


class Category(db.Model):
    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)

    products = db.relationship("Product", back_populates="category")


class Supplier(db.Model):
    __tablename__ = "suppliers"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    contact_email = db.Column(db.String(255))

    products = db.relationship("Product", back_populates="supplier", lazy="raise")


class Product(db.Model):
    __tablename__ = "products"

    id = db.Column(db.Integer, primary_key=True)
    sku = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    price = db.Column(db.Numeric(10, 2), nullable=False)
    stock = db.Column(db.Integer, default=0, nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"))
    supplier_id = db.Column(db.Integer, db.ForeignKey("suppliers.id"))

    category = db.relationship("Category", back_populates="products")
    supplier = db.relationship("Supplier", back_populates="products", lazy="joined")
    images = db.relationship("ProductImage", lazy="selectin", order_by="ProductImage.position")


class ProductImage(db.Model):
    __tablename__ = "product_images"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    url = db.Column(db.String(500), nullable=False)
    position = db.Column(db.Integer, default=0)


class Order(db.Model):
    __tablename__ = "orders"

    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.id"), nullable=False)
    status = db.Column(db.String(20), default="pending", nullable=False)
    placed_at = db.Column(db.DateTime(timezone=True), default=_now)
    total = db.Column(db.Numeric(10, 2), nullable=False, default=0)

    customer = db.relationship("Customer", back_populates="orders")
    items = db.relationship("OrderItem", back_populates="order", lazy="selectin")
    shipments = db.relationship("Shipment", back_populates="order", order_by="Shipment.id")
    refunds = db.relationship("Refund", lazy="raise")
    audit_entries = db.relationship("OrderAudit", lazy="noload")


class OrderItem(db.Model):
    __tablename__ = "order_items"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    unit_price = db.Column(db.Numeric(10, 2), nullable=False)

    order = db.relationship("Order", back_populates="items")
    product = db.relationship("Product")


class Shipment(db.Model):
    __tablename__ = "shipments"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    carrier = db.Column(db.String(40))
    tracking_number = db.Column(db.String(80))
    shipped_at = db.Column(db.DateTime(timezone=True))

    order = db.relationship("Order", back_populates="shipments")


class Refund(db.Model):
    __tablename__ = "refunds"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    amount = db.Column(db.Numeric(10, 2), nullable=False)
    reason = db.Column(db.String(200))


class OrderAudit(db.Model):
    __tablename__ = "order_audit"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    action = db.Column(db.String(40), nullable=False)
    actor = db.Column(db.String(80))
    at = db.Column(db.DateTime(timezone=True), default=_now)
