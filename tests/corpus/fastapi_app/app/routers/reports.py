from contextlib import closing
from datetime import date, timedelta
from typing import Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..database import engine, get_reporting_connection, get_reporting_engine
from ..dependencies import require_admin

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_admin)])

DAILY_SQL = text(
    """
    SELECT date_trunc('day', created_at)::date AS day,
           count(*)                            AS orders,
           sum(total_cents)                    AS revenue_cents
    FROM orders
    WHERE created_at >= :start AND created_at < :end
    GROUP BY 1
    ORDER BY 1
    """
)


@router.get("/daily")
def daily_sales(
    start: Optional[date] = None,
    end: Optional[date] = None,
    conn: Connection = Depends(get_reporting_connection),
):
    end = end or date.today()
    start = start or end - timedelta(days=30)
    rows = conn.execute(DAILY_SQL, {"start": start, "end": end}).mappings().all()
    return [dict(r) for r in rows]


@router.get("/monthly")
def monthly_sales(year: int = Query(..., ge=2015)):
    reporting = get_reporting_engine()
    with reporting.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT extract(month FROM created_at) AS month, sum(total_cents) AS revenue "
                "FROM orders WHERE extract(year FROM created_at) = :year GROUP BY 1 ORDER BY 1"
            ),
            {"year": year},
        ).all()
    return {int(m): int(r or 0) for m, r in rows}


@router.post("/refresh")
def refresh_materialized_views():
    with engine.begin() as conn:
        conn.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_daily_sales"))
        conn.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY mv_top_items"))
    return {"status": "refreshed"}


@router.get("/table-sizes")
def table_sizes():
    # psycopg cursor directly: pg_size_pretty is easier to read than the ORM result
    with closing(engine.raw_connection()) as raw:
        cur = raw.cursor()
        cur.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) "
            "FROM pg_catalog.pg_statio_user_tables ORDER BY pg_total_relation_size(relid) DESC"
        )
        sizes = cur.fetchall()
        cur.close()
    return [{"table": name, "size": size} for name, size in sizes]


@router.get("/vacuum-status")
def vacuum_status():
    dbapi_conn = engine.raw_connection()  # expect: SQA101
    cursor = dbapi_conn.cursor()
    cursor.execute("SELECT relname, last_autovacuum, n_dead_tup FROM pg_stat_user_tables")
    rows = cursor.fetchall()
    cursor.close()
    return [
        {"table": name, "last_autovacuum": last and last.isoformat(), "dead_tuples": dead}
        for name, last, dead in rows
    ]
