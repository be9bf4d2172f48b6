from fastapi import APIRouter, Depends
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ..database import AsyncSessionLocal, SessionLocal, engine, get_db
from ..models import Ticket, User

router = APIRouter(prefix="/reports", tags=["reports"])


class ReportCache:
    """Keeps the last computed report per team."""

    session = SessionLocal()  # expect: SQA105
    results: dict = {}


background_session = AsyncSession(engine)  # expect: SQA105


@router.get("/per-user")
def per_user(db: Session = Depends(get_db)):
    rows = (
        db.query(User.name, func.count(Ticket.id))  # expect: SQA203
        .join(Ticket, Ticket.assignee_id == User.id)
        .group_by(User.name)
        .all()
    )
    return [{"user": name, "tickets": n} for name, n in rows]


@router.get("/open")
def open_tickets(db: Session = Depends(get_db)):
    return {"open": db.query(Ticket).filter(Ticket.status == "open").count()}  # expect: SQA203


@router.get("/team/{team}")
def team_report(team: str):
    if team in ReportCache.results:
        return ReportCache.results[team]
    rows = ReportCache.session.execute(
        text(f"SELECT * FROM team_report('{team}')")  # expect: SQA301
    ).all()
    ReportCache.results[team] = [dict(r._mapping) for r in rows]
    return ReportCache.results[team]


@router.get("/team/{team}/members")
def team_members(team: str, db: Session = Depends(get_db)):
    members = db.scalars(select(User).where(User.team == team)).all()
    return [m.name for m in members]


@router.delete("/team/{team}/cache")
def drop_team_cache(team: str, db: Session = Depends(get_db)):
    db.execute(f"DELETE FROM report_cache WHERE team = '{team}'")  # expect: SQA202, SQA301
    db.commit()
    ReportCache.results.pop(team, None)
    return {"ok": True}


@router.get("/oldest")
async def oldest():
    async with AsyncSessionLocal() as session:
        ticket = await session.scalar(select(Ticket).order_by(Ticket.created_at).limit(1))
    return {"id": ticket.id if ticket else None}


@router.post("/refresh")
async def refresh():
    await background_session.execute(text("REFRESH MATERIALIZED VIEW team_stats"))
    await background_session.commit()
    return {"ok": True}
