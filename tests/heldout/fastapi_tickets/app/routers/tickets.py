from typing import List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy import bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ..database import get_session
from ..models import Ticket

router = APIRouter(prefix="/tickets", tags=["tickets"])

ORDERABLE = {"created": "created_at", "priority": "priority", "title": "title"}


@router.get("/")
async def list_tickets(
    status: Optional[str] = None,
    order: str = "created",
    desc: bool = True,
    session: AsyncSession = Depends(get_session),
):
    # Both pieces come from literals: a whitelist lookup and a two-way choice.
    column = ORDERABLE.get(order, "created_at")
    direction = "DESC" if desc else "ASC"
    sql = f"SELECT id, title, status FROM tickets ORDER BY {column} {direction} LIMIT 50"
    result = await session.execute(text(sql))
    return [dict(r._mapping) for r in result]


@router.get("/search")
async def search_tickets(q: str, session: AsyncSession = Depends(get_session)):
    result = await session.execute(
        text("SELECT id, title FROM tickets WHERE title ILIKE '%" + q + "%'")  # expect: SQA301
    )
    return result.mappings().all()


@router.get("/by-label")
async def by_label(label: str, session: AsyncSession = Depends(get_session)):
    stmt = text(
        "SELECT t.id FROM tickets t JOIN labels l ON l.ticket_id = t.id WHERE l.name = :label"
    )
    result = await session.execute(stmt, {"label": label})
    return result.scalars().all()


@router.get("/assigned/{user_id}")
async def assigned(user_id: int, session: AsyncSession = Depends(get_session)):
    result = await session.execute(  # expect: SQA202
        "SELECT id, title FROM tickets WHERE assignee_id = :uid", {"uid": user_id}
    )
    return result.mappings().all()


@router.get("/stats")
async def stats(group_by: str = Query("status"), session: AsyncSession = Depends(get_session)):
    query = "SELECT {col}, count(*) AS n FROM tickets GROUP BY {col}".format(col=group_by)
    result = await session.execute(text(query))  # expect: SQA301
    return result.mappings().all()


@router.post("/bulk-close")
async def bulk_close(ids: List[int], session: AsyncSession = Depends(get_session)):
    stmt = text("UPDATE tickets SET status = 'closed' WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    await session.execute(stmt, {"ids": ids})
    await session.commit()
    return {"closed": len(ids)}


@router.get("/summary")
async def summary(session: AsyncSession = Depends(get_session)):
    stmt = select(Ticket.status, literal_column("count(*)").label("n")).group_by(Ticket.status)
    result = await session.execute(stmt)
    return result.mappings().all()


@router.get("/export")
async def export(field: str = "title", session: AsyncSession = Depends(get_session)):
    # literal_column() is not one of the spec's sinks: allowed, not required.
    column = literal_column(f"tickets.{field}")  # bonus: SQA301
    result = await session.execute(select(Ticket.id, column))
    return result.all()


@router.get("/count")
async def count(session: AsyncSession = Depends(get_session)):
    total = await session.scalar(select(func.count()).select_from(Ticket))
    return {"count": total}
