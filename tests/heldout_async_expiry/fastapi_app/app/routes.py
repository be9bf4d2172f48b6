import logging
from datetime import datetime, timezone

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import crud
from .db import get_admin_session, get_session
from .models import Customer, Order, Product, QuoteRequest
from .schemas import (
    AccountIn,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    NameIn,
    OrderIn,
    OrderOut,
    PriceIn,
    ProductIn,
    ProductOut,
    QuickOrderIn,
    RestockIn,
)
from .tasks import send_welcome_email

logger = logging.getLogger(__name__)
router = APIRouter()


# --- customers ---------------------------------------------------------------


@router.post("/customers", status_code=201)
async def signup(
    payload: CustomerIn,
    session: AsyncSession = Depends(get_session),
) -> dict:
    existing = await session.scalar(
        select(Customer.id).where(Customer.email == payload.email.lower())
    )
    if existing is not None:
        raise HTTPException(status_code=409, detail="email already registered")
    customer = Customer(email=payload.email.lower(), name=payload.name)
    session.add(customer)
    await session.commit()
    logger.info("signup from %s", payload.email)
    return {"id": customer.id}  # expect: SQA108


@router.post("/v2/customers", response_model=CustomerOut, status_code=201)
async def signup_v2(
    payload: CustomerIn,
    background: BackgroundTasks,
    db: AsyncSession = Depends(get_session),
):
    customer = await crud.create_customer(db, payload)
    background.add_task(send_welcome_email, customer.id)
    return customer


@router.get("/customers/{customer_id}", response_model=CustomerOut)
async def read_customer(customer_id: int, db: AsyncSession = Depends(get_session)):
    return await crud.get_customer_or_404(db, customer_id)


@router.patch("/customers/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: int,
    payload: CustomerPatch,
    session: AsyncSession = Depends(get_session),
):
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(customer, field, value)
    await session.commit()
    await session.refresh(customer)
    return customer


@router.put("/customers/{customer_id}/name")
async def set_customer_name(
    customer_id: int,
    payload: NameIn,
    session: AsyncSession = Depends(get_session),
) -> dict:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    customer.name = payload.name
    await session.commit()
    name = await customer.awaitable_attrs.name
    return {"id": customer_id, "name": name}


@router.post("/customers/{customer_id}/reactivate", response_model=CustomerOut)
async def reactivate_customer(customer_id: int, session: AsyncSession = Depends(get_session)):
    customer = await crud.get_customer_or_404(session, customer_id)
    customer.is_active = True
    await session.commit()
    return customer  # bonus: SQA108


@router.delete("/customers/{customer_id}", status_code=200)
async def delete_customer(customer_id: int, session: AsyncSession = Depends(get_session)) -> dict:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    await session.delete(customer)
    await session.commit()
    return {"deleted": customer_id}


@router.post("/accounts", status_code=201)
async def open_account(payload: AccountIn, db: AsyncSession = Depends(get_session)) -> dict:
    owner = Customer(email=payload.owner_email.lower(), name=payload.owner_name)
    billing = Customer(email=payload.billing_email.lower(), name=payload.billing_name)
    db.add_all([owner, billing])
    await db.commit()
    logger.info("opened account for customer %s", owner.id)  # expect: SQA108
    return {"billing_contact": billing.email}  # expect: SQA108


# --- products ----------------------------------------------------------------


@router.get("/products", response_model=list[ProductOut])
async def products(s: AsyncSession = Depends(get_session)):
    return await crud.list_products(s)


@router.post("/products", response_model=ProductOut, status_code=201)
async def add_product(payload: ProductIn, admin_db: AsyncSession = Depends(get_admin_session)):
    product = Product(sku=payload.sku, name=payload.name, price=payload.price, stock=payload.stock)
    admin_db.add(product)
    await admin_db.commit()
    await admin_db.refresh(product)
    return product


@router.post("/products/{product_id}/price", response_model=ProductOut)
async def reprice(product_id: int, payload: PriceIn, session: AsyncSession = Depends(get_session)):
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    product.price = payload.price
    await session.commit()
    product = (await session.scalars(select(Product).where(Product.id == product_id))).one()
    return product


@router.post("/products/{sku}/restock", response_model=ProductOut)
async def restock(
    sku: str,
    payload: RestockIn,
    session: AsyncSession = Depends(get_admin_session),
):
    product = (await session.scalars(select(Product).where(Product.sku == sku))).one()
    product.stock += payload.quantity
    await session.commit()
    return product  # bonus: SQA108


@router.post("/products/low-stock/flag")
async def flag_low_stock(threshold: int = 5, session: AsyncSession = Depends(get_session)) -> list[dict]:
    rows = (
        await session.execute(
            select(Product.id, Product.sku, Product.stock).where(Product.stock < threshold)
        )
    ).all()
    await session.execute(
        update(Product).where(Product.stock < threshold).values(low_stock=True)
    )
    await session.commit()
    return [{"sku": row.sku, "stock": row.stock} for row in rows]


# --- orders ------------------------------------------------------------------


@router.post("/orders", response_model=OrderOut, status_code=201)
async def create_order(payload: OrderIn, session: AsyncSession = Depends(get_session)):
    order_id = await crud.place_order(session, payload)
    order = await session.get(Order, order_id)
    return order


@router.post("/orders/quick", response_model=OrderOut, status_code=201)
async def quick_order(payload: QuickOrderIn, session: AsyncSession = Depends(get_session)):
    product = await session.get(Product, payload.product_id)
    if product is None or product.stock < payload.quantity:
        raise HTTPException(status_code=409, detail="not enough stock")
    product.stock -= payload.quantity
    order = Order(
        customer_id=payload.customer_id,
        status="pending",
        total=product.price * payload.quantity,
    )
    session.add(order)
    await session.commit()
    return order  # expect: SQA108


@router.post("/quotes")
async def request_quote(payload: QuickOrderIn, session: AsyncSession = Depends(get_session)) -> dict:
    product = await session.get(Product, payload.product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    draft = Order(
        customer_id=payload.customer_id,
        status="quote",
        total=product.price * payload.quantity,
    )
    session.add(
        QuoteRequest(
            customer_id=payload.customer_id,
            product_id=payload.product_id,
            quantity=payload.quantity,
        )
    )
    await session.commit()
    return {"status": draft.status, "total": str(draft.total)}


@router.post("/orders/{order_id}/pay")
async def pay_order(order_id: int, session: AsyncSession = Depends(get_session)) -> dict:
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    if order.status == "pending":
        order.status = "paid"
        order.paid_at = datetime.now(timezone.utc)
        await session.commit()
        return {"order_id": order_id, "status": "paid"}
    return {"order_id": order_id, "status": order.status}


@router.post("/orders/{order_id}/ship")
async def ship_order(order_id: int, carrier: str, s: AsyncSession = Depends(get_session)) -> dict:
    order = (await s.scalars(select(Order).where(Order.id == order_id))).one_or_none()
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    order.status = "shipped"
    order.carrier = carrier
    await s.commit()
    logger.info(f"order {order.id} handed to {carrier}")  # expect: SQA108
    return {"ok": True}


@router.post("/orders/{order_id}/refund")
async def refund_order(order_id: int, session: AsyncSession = Depends(get_session)) -> dict:
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    order.status = "refunded"
    await session.commit()
    await session.refresh(order, attribute_names=["status"])
    status = order.status
    refunded = order.total  # bonus: SQA108
    return {"order_id": order_id, "status": status, "refunded": str(refunded)}


@router.post("/orders/{order_id}/cancel")
async def cancel(order_id: int, session: AsyncSession = Depends(get_session)) -> dict:
    status = await crud.cancel_order(session, order_id)
    if status is None:
        raise HTTPException(status_code=404, detail="order not found")
    return {"order_id": order_id, "status": status}


@router.post("/coupons/{code}/redeem")
async def redeem(code: str, session: AsyncSession = Depends(get_session)) -> dict:
    percent = await crud.redeem_coupon(session, code)
    return {"code": code, "percent": percent}
