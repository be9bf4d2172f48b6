from __future__ import annotations

from collections.abc import Iterable

from ..semantic import Analysis
from ..semantic.concurrency import concurrent_uses, thread_shared_uses
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
    factory or engine shared (each coroutine opens its own session), and a single
    task.

    The same holds for threads: a synchronous `Session` or `Connection` mapped over a
    thread pool's workers (`ThreadPoolExecutor.map()`, `ThreadPool.map()`, through
    `partial(fn, session)`, a lambda, or a function defined there that uses it),
    submitted to a pool, or given to `threading.Thread`s, in a loop or more than
    once. Not reported there: workers that open their own session, a factory, an
    engine or a `scoped_session` registry shared, a single thread, process pools.

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
        Valid(
            """
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy.orm import Session, scoped_session, sessionmaker

from .db import engine

SessionLocal = sessionmaker(bind=engine)
Registry = scoped_session(SessionLocal)

def import_one(factory, row):
    with factory() as session:
        session.add(row)
        session.commit()

def import_all(rows):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(partial(import_one, SessionLocal), rows))

def with_registry(rows):
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda row: Registry.merge(row), rows))

def single(session: Session, rows):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(import_one, SessionLocal, rows[0]).result()
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
        Invalid(
            """
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy.orm import Session

def save(session, row):
    session.merge(row)

def import_all(session: Session, rows):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(partial(save, session), rows))
    session.commit()
""",
            at="pool.map(",
        ),
        Invalid(
            """
import threading

from sqlalchemy.orm import Session

def refresh(session, key):
    session.execute(...)

def refresh_all(session: Session, keys):
    threads = [threading.Thread(target=refresh, args=(session, k)) for k in keys]
    for thread in threads:
        thread.start()
""",
            at="threading.Thread(",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        model, resolver, contexts = analysis.model, analysis.resolver, analysis.contexts
        for use in concurrent_uses(model, resolver, contexts):
            noun = "session" if use.kind.is_session else "connection"
            yield Finding(
                use.call,
                f"Coroutines that share the {noun} `{use.name}` {use.how}, so they use it "
                f"at the same time, which it does not allow; give each coroutine its own "
                f"{noun}, or await them one after the other.",
            )
        for use in thread_shared_uses(model, resolver, contexts):
            noun = "session" if use.kind.is_session else "connection"
            yield Finding(
                use.call,
                f"Calls that share the {noun} `{use.name}` {use.how}, so several threads "
                f"use it at once, and a {noun} is not thread-safe; let each worker open its "
                f"own (pass the factory or the engine), or use a `scoped_session`.",
            )
