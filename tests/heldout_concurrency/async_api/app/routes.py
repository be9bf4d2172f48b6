import asyncio
from datetime import datetime, timedelta, timezone

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository as repo
from .db import Order, SessionLocal, User, engine, get_session

router = APIRouter()


class BulkCancel(BaseModel):
    order_ids: list[int]


@router.get("/users/{user_id}/dashboard")
async def user_dashboard(user_id: int, session: AsyncSession = Depends(get_session)):
    user, orders, total = await asyncio.gather(  # expect: SQA109
        repo.get_user(session, user_id),
        repo.list_orders(session, user_id, limit=5),
        repo.count_orders(session, user_id),
    )
    if user is None:
        raise HTTPException(404, "user not found")
    return {"user": user.email, "recent": [o.id for o in orders], "total_orders": total}


@router.get("/users/{user_id}/summary")
async def user_summary(user_id: int, session: AsyncSession = Depends(get_session)):
    user = await repo.get_user(session, user_id)
    if user is None:
        raise HTTPException(404, "user not found")
    orders = await repo.list_orders(session, user_id, limit=5)
    total = await repo.count_orders(session, user_id)
    return {"user": user.email, "recent": [o.id for o in orders], "total_orders": total}


@router.get("/users/{user_id}/price-in")
async def user_total_in_currency(user_id: int, currency: str, session: AsyncSession = Depends(get_session)):
    async with httpx.AsyncClient(timeout=5) as client:
        orders, rate = await asyncio.gather(
            repo.list_orders(session, user_id, limit=100),
            repo.fetch_exchange_rate(client, currency),
        )
    return {"total": str(sum(o.total for o in orders) * rate), "currency": currency}


@router.get("/products")
async def products_by_ids(ids: list[int] = Query(...), session: AsyncSession = Depends(get_session)):
    products = await asyncio.gather(*(repo.get_product(session, pid) for pid in ids))  # expect: SQA109
    return [{"id": p.id, "sku": p.sku} for p in products if p is not None]


@router.get("/products/fast")
async def products_by_ids_fast(ids: list[int] = Query(...)):
    products = await asyncio.gather(*(repo.get_product_isolated(SessionLocal, pid) for pid in ids))
    return [{"id": p.id, "sku": p.sku} for p in products if p is not None]


@router.get("/admin/stats")
async def admin_stats(days: int = 30, session: AsyncSession = Depends(get_session)):
    since = datetime.now(timezone.utc) - timedelta(days=days)
    users, revenue = await asyncio.gather(  # expect: SQA109
        repo.count_users(session=session),
        repo.sum_revenue(session=session, since=since),
    )
    return {"users": users, "revenue": str(revenue)}


@router.get("/admin/stats/raw")
async def admin_stats_raw(session: AsyncSession = Depends(get_session)):
    n_users, n_orders = await asyncio.gather(  # bonus: SQA109
        session.scalar(select(func.count(User.id))),
        session.scalar(select(func.count(Order.id))),
    )
    return {"users": n_users, "orders": n_orders}


@router.post("/orders/bulk-cancel")
async def bulk_cancel(payload: BulkCancel, session: AsyncSession = Depends(get_session)):
    async with asyncio.TaskGroup() as tg:
        for order_id in payload.order_ids:
            tg.create_task(repo.cancel_order(session, order_id))  # expect: SQA109
    await session.commit()
    return {"cancelled": len(payload.order_ids)}


@router.post("/orders/bulk-cancel-serial")
async def bulk_cancel_serial(payload: BulkCancel, session: AsyncSession = Depends(get_session)):
    for order_id in payload.order_ids:
        await repo.cancel_order(session, order_id)
    async with asyncio.TaskGroup() as tg:
        for order_id in payload.order_ids:
            tg.create_task(repo.record_audit_isolated(SessionLocal, "cancel", str(order_id)))
    await session.commit()
    return {"cancelled": len(payload.order_ids)}


@router.post("/orders/{order_id}/ship")
async def ship_order(order_id: int, session: AsyncSession = Depends(get_session)):
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(404, "order not found")
    order.status = "shipped"
    audit = asyncio.create_task(repo.record_audit(session, "ship", str(order_id)))
    await audit
    await session.commit()
    return {"id": order.id, "status": order.status}


async def warm_caches(session: AsyncSession) -> dict[str, object]:
    since = datetime.now(timezone.utc) - timedelta(days=1)
    users_task = asyncio.ensure_future(repo.count_users(session))  # expect: SQA109
    revenue_task = asyncio.ensure_future(repo.sum_revenue(session, since))  # expect: SQA109
    return {"users": await users_task, "revenue": await revenue_task}


async def nightly_report(user_ids: list[int]) -> list[dict[str, object]]:
    async with AsyncSession(engine) as report_session:
        counts = await asyncio.gather(*[repo.count_orders(report_session, uid) for uid in user_ids])  # expect: SQA109
    return [{"user_id": uid, "orders": n} for uid, n in zip(user_ids, counts)]


async def audit_pair(order_id: int) -> None:
    async with SessionLocal() as read_session, SessionLocal() as write_session:
        await asyncio.gather(
            repo.list_orders(read_session, order_id),
            repo.record_audit(write_session, "inspect", str(order_id)),
        )
        await write_session.commit()


async def ping_everything(client: httpx.AsyncClient) -> list[int]:
    responses = await asyncio.gather(
        client.get("https://payments.example.com/health"),
        client.get("https://search.example.com/health"),
        asyncio.sleep(0),
    )
    return [r.status_code for r in responses if r is not None]
