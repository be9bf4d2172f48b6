import asyncio
import logging
import os

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

DSN = os.environ.get("MAINT_DSN", "postgresql+asyncpg://maint@localhost/warehouse")
engine = create_async_engine(DSN, pool_size=5, isolation_level="AUTOCOMMIT")


async def table_size(conn: AsyncConnection, table: str) -> int:
    result = await conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": table})
    return result.scalar_one()


async def size_isolated(eng: AsyncEngine, table: str) -> int:
    async with eng.connect() as conn:
        return await table_size(conn, table)


async def refresh_view(conn: AsyncConnection, view: str) -> None:
    await conn.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))


async def vacuum_table(conn: AsyncConnection, table: str) -> None:
    await conn.execute(text(f"VACUUM (ANALYZE) {table}"))


async def analyze_table(eng: AsyncEngine, table: str) -> None:
    async with eng.connect() as conn:
        await conn.execute(text(f"ANALYZE {table}"))


async def collect_sizes(tables: list[str]) -> dict[str, int]:
    async with engine.connect() as conn:
        sizes = await asyncio.gather(*(table_size(conn, t) for t in tables))  # expect: SQA109
    return dict(zip(tables, sizes))


async def collect_sizes_isolated(tables: list[str]) -> dict[str, int]:
    sizes = await asyncio.gather(*(size_isolated(engine, t) for t in tables))
    return dict(zip(tables, sizes))


async def refresh_views(views: list[str]) -> None:
    async with engine.connect() as conn:
        done, pending = await asyncio.wait([refresh_view(conn, v) for v in views], timeout=600)  # expect: SQA109
    if pending:
        log.warning("%d views did not refresh in time", len(pending))


async def refresh_views_serial(views: list[str]) -> None:
    async with engine.connect() as conn:
        for view in views:
            await refresh_view(conn, view)


async def analyze_all(tables: list[str]) -> None:
    async with asyncio.TaskGroup() as tg:
        for table in tables:
            tg.create_task(analyze_table(engine, table))


async def vacuum_pair(conn: AsyncConnection) -> None:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(vacuum_table(conn, "orders"))  # expect: SQA109
        tg.create_task(vacuum_table(conn, "order_items"))  # expect: SQA109


async def size_tasks(conn: AsyncConnection, tables: list[str]) -> list[int]:
    tasks = []
    for table in tables:
        tasks.append(asyncio.create_task(table_size(conn=conn, table=table)))  # expect: SQA109
    return [await t for t in tasks]


async def compare_replicas(replica_dsn: str, table: str) -> tuple[int, int]:
    replica = create_async_engine(replica_dsn)
    try:
        async with engine.connect() as primary_conn, replica.connect() as replica_conn:
            return await asyncio.gather(table_size(primary_conn, table), table_size(replica_conn, table))
    finally:
        await replica.dispose()


async def background_size(conn: AsyncConnection, table: str) -> int:
    task = asyncio.create_task(table_size(conn, table))
    await asyncio.sleep(0.1)
    return await task


async def vacuum_in_tx() -> None:
    async with engine.begin() as conn:
        await asyncio.gather(vacuum_table(conn, "events"), vacuum_table(conn, "sessions"))  # bonus: SQA109


async def wait_for_timers(delays: list[float]) -> None:
    done, _ = await asyncio.wait([asyncio.ensure_future(asyncio.sleep(d)) for d in delays])
    log.info("%d timers finished", len(done))
