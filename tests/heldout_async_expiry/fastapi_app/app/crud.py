import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal

from fastapi import HTTPException
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Coupon, Customer, Order, OrderLine, Product
from .schemas import CustomerIn, OrderIn, ProductIn

logger = logging.getLogger(__name__)


async def get_customer_or_404(session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    return customer


async def create_customer(session: AsyncSession, data: CustomerIn) -> Customer:
    customer = Customer(email=data.email.lower(), name=data.name)
    session.add(customer)
    await session.commit()
    await session.refresh(customer)
    return customer


async def rename_customer(session: AsyncSession, customer_id: int, name: str) -> str:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    customer.name = name.strip()
    await session.commit()
    return customer.name  # expect: SQA108


async def deactivate_customer(session: AsyncSession, customer_id: int) -> dict:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    summary = {"id": customer.id, "email": customer.email}
    customer.is_active = False
    await session.commit()
    logger.info("deactivated customer %s", summary["id"])
    return summary


async def upsert_customer(session: AsyncSession, customer_id: int, data: CustomerIn) -> Customer:
    incoming = Customer(id=customer_id, email=data.email.lower(), name=data.name)
    merged = await session.merge(incoming)
    await session.commit()
    logger.debug("upserted customer %s", incoming.email)
    return merged  # expect: SQA108


async def list_products(session: AsyncSession, only_active: bool = True) -> Sequence[Product]:
    stmt = select(Product).order_by(Product.sku)
    if only_active:
        stmt = stmt.where(Product.active.is_(True))
    return (await session.scalars(stmt)).all()


async def create_product(session: AsyncSession, data: ProductIn) -> Product:
    product = Product(sku=data.sku, name=data.name, price=data.price, stock=data.stock)
    session.add(product)
    await session.commit()
    return product  # expect: SQA108


async def import_products(session: AsyncSession, rows: Iterable[dict]) -> list[int]:
    created: list[int] = []
    for row in rows:
        item = Product(**row)
        session.add(item)
        await session.commit()
        created.append(item.id)  # expect: SQA108
    return created


async def bulk_create_products(session: AsyncSession, items: Sequence[ProductIn]) -> list[Product]:
    products = [Product(**item.model_dump()) for item in items]
    session.add_all(products)
    await session.commit()
    return products  # expect: SQA108


async def adjust_stock(session: AsyncSession, sku: str, delta: int) -> None:
    product = (await session.scalars(select(Product).where(Product.sku == sku))).one()
    if product.stock + delta < 0:
        raise HTTPException(status_code=409, detail="insufficient stock")
    product.stock += delta
    await session.commit()
    logger.info("stock for %s is now %d", sku, product.stock)  # expect: SQA108


async def mark_discontinued(session: AsyncSession, product_ids: list[int]) -> Sequence[str]:
    names = (
        await session.scalars(select(Product.name).where(Product.id.in_(product_ids)))
    ).all()
    await session.execute(
        update(Product).where(Product.id.in_(product_ids)).values(active=False)
    )
    await session.commit()
    return names


async def redeem_coupon(session: AsyncSession, code: str) -> int:
    coupon = await session.scalar(
        select(Coupon).where(Coupon.code == code, Coupon.used.is_(False))
    )
    if coupon is None:
        raise HTTPException(status_code=404, detail="coupon not found or already used")
    coupon.used = True
    await session.commit()
    return coupon.percent  # expect: SQA108


async def place_order(session: AsyncSession, data: OrderIn) -> int:
    order = Order(customer_id=data.customer_id, status="pending", total=Decimal("0"))
    session.add(order)
    await session.flush()
    order_id = order.id

    total = Decimal("0")
    for line in data.lines:
        product = await session.get(Product, line.product_id)
        if product is None:
            raise HTTPException(status_code=422, detail=f"unknown product {line.product_id}")
        total += product.price * line.quantity
        session.add(
            OrderLine(
                order_id=order_id,
                product_id=product.id,
                quantity=line.quantity,
                unit_price=product.price,
            )
        )
    order.total = total
    await session.commit()
    return order_id


async def update_order_status(session: AsyncSession, order_id: int, status: str) -> Order:
    order = (await session.execute(select(Order).where(Order.id == order_id))).scalar_one()
    order.status = status
    await session.commit()
    await session.refresh(order)
    return order


async def cancel_order(session: AsyncSession, order_id: int) -> str | None:
    result = await session.execute(
        select(Order).where(Order.id == order_id).with_for_update()
    )
    order = result.scalar_one_or_none()
    if order is None:
        return None
    if order.status not in ("pending", "paid"):
        raise HTTPException(status_code=409, detail=f"cannot cancel a {order.status} order")
    order.status = "cancelled"
    await session.commit()
    return order.status  # expect: SQA108
