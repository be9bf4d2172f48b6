from fastapi import APIRouter
from sqlalchemy import text

from ..database import engine, sync_engine

router = APIRouter(tags=["health"])

HEALTH_SQL = "SELECT 1"


@router.get("/healthz")
async def healthz():
    async with engine.connect() as conn:
        await conn.execute(text(HEALTH_SQL))
    return {"ok": True}


@router.get("/readyz")
async def readyz():
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
        version = (await conn.execute("SELECT version()")).scalar()  # expect: SQA202
    return {"db": version}


@router.get("/livez")
def livez():
    with sync_engine.connect() as conn:
        conn.execute(HEALTH_SQL)  # expect: SQA202
    return {"ok": True}


@router.get("/tables/{name}/count")
def table_count(name: str, status: str = "open"):
    with sync_engine.connect() as conn:
        n = conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()  # expect: SQA301
        open_n = conn.exec_driver_sql(
            "SELECT count(*) FROM tickets WHERE status = %(s)s", {"s": status}
        ).scalar()
    return {"rows": n, "open": open_n}
