from __future__ import annotations

from collections.abc import Iterable

from ..semantic import Analysis
from ..semantic.concurrency import concurrent_uses
from .base import Finding, Invalid, Rule, Valid


class ConcurrentSessionUse(Rule):
    """One `AsyncSession` or `AsyncConnection` used by coroutines that run at the same
    time.

    ## What it does
    Finds calls that run coroutines concurrently while two or more of them are given
    the same `AsyncSession` or `AsyncConnection`: `asyncio.gather()`,
    `asyncio.wait()` and `asyncio.as_completed()` over such coroutines (also a
    comprehension of them, `gather(*(load(session, i) for i in ids))`), and tasks
    started with `asyncio.create_task()`, `asyncio.ensure_future()` or a
    `TaskGroup`'s `create_task()` that share one, when a function starts two or more
    of them or starts one in a loop. The session or connection is known by what it
    is: an `AsyncSession` / `AsyncConnection` annotation, `async with
    factory() as session`, `async with engine.connect() as conn`, a call of an
    `async_sessionmaker`. Not reported: coroutines awaited one after another, a
    factory or engine shared (each coroutine opens its own session), a single task,
    and synchronous sessions.

    ## Why is this bad?
    A session runs one operation at a time on one connection. Two coroutines that
    use it at the same time interleave on that connection: SQLAlchemy raises
    "This session is provisioning a new connection; concurrent operations are not
    permitted" or `IllegalStateChangeError`, or, worse, one coroutine's flush or
    rollback lands in the middle of the other's work.

    ## Example
    ```python
    async def dashboard(session: AsyncSession, user_id: int):
        orders, invoices = await asyncio.gather(
            load_orders(session, user_id), load_invoices(session, user_id)
        )
    ```

    ## Use instead
    ```python
    async def dashboard(user_id: int):
        async def orders():
            async with SessionLocal() as session:
                return await load_orders(session, user_id)

        async def invoices():
            async with SessionLocal() as session:
                return await load_invoices(session, user_id)

        return await asyncio.gather(orders(), invoices())
    ```
    Or await them one after the other on the one session.

    ## Fix safety
    No automatic fix: whether each coroutine should get its own session (its own
    transaction) or the calls should run one after the other is a design decision.

    ## References
    - [Using AsyncSession with Concurrent Tasks](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html#using-asyncsession-with-concurrent-tasks)
    - [Is the Session thread-safe? Is AsyncSession safe to share in concurrent tasks?](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#is-the-session-thread-safe-is-asyncsession-safe-to-share-in-concurrent-tasks)
    """

    code = "SQA109"
    name = "concurrent-session-use"

    VALID = [
        Valid(
            """
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)

async def load(session, user_id):
    return await session.get(dict, user_id)

async def load_own(factory, user_id):
    async with factory() as session:
        return await session.get(dict, user_id)

async def sequential(session: AsyncSession, ids):
    first = await load(session, ids[0])
    second = await load(session, ids[1])
    return first, second

async def separate(ids):
    return await asyncio.gather(*(load_own(SessionLocal, i) for i in ids))

async def one_with_session(session: AsyncSession, client):
    return await asyncio.gather(load(session, 1), client.fetch("/status"))

async def background(session: AsyncSession):
    task = asyncio.create_task(load(session, 1))
    return await task

async def two_sessions():
    async with SessionLocal() as a, SessionLocal() as b:
        return await asyncio.gather(load(a, 1), load(b, 2))
"""
        ),
    ]
    INVALID = [
        Invalid(
            """
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

async def load(session, user_id):
    return await session.get(dict, user_id)

async def dashboard(session: AsyncSession, ids):
    return await asyncio.gather(*(load(session, i) for i in ids))
""",
            at="asyncio.gather(",
        ),
        Invalid(
            """
import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)

async def refresh(session, key):
    await session.execute(...)

async def refresh_all(keys):
    async with SessionLocal() as session:
        async with asyncio.TaskGroup() as tg:
            for key in keys:
                tg.create_task(refresh(session, key))
""",
            at="tg.create_task(",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for use in concurrent_uses(analysis.model, analysis.resolver, analysis.contexts):
            noun = "session" if use.kind.is_session else "connection"
            yield Finding(
                use.call,
                f"Coroutines that share the {noun} `{use.name}` {use.how}, so they use it "
                f"at the same time, which it does not allow; give each coroutine its own "
                f"{noun}, or await them one after the other.",
            )
