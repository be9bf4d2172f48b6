"""SQA108 against a real SQLite database (aiosqlite): the read the rule reports raises
`MissingGreenlet`, the fixed code (a refresh, or expire_on_commit=False) does not, and
code the rule accepts runs cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import MissingGreenlet, StatementError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules.async_lazy_load import AsyncLazyLoad

MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    addresses = relationship("Address")


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"))
    email = Column(String)


engine = create_async_engine(URL)
SessionLocal = async_sessionmaker(engine)


async def setup():
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        session.add(User(id=1, name="ada", addresses=[Address(email="ada@x")]))
        await session.commit()
"""

# name -> (code, fixed code); `main()` runs it and reads what the rule is about.
REPORTED = {
    "added, committed, returned (an endpoint's response)": (
        """
async def create(session: AsyncSession, name):
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user  # READ

async def main():
    async with SessionLocal() as session:
        user = await create(session, "grace")
        return user.id
""",
        """
async def create(session: AsyncSession, name):
    user = User(name=name)
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user

async def main():
    async with SessionLocal() as session:
        user = await create(session, "grace")
        return user.id
""",
    ),
    "a list read after the commit": (
        """
async def main():
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            user.name = user.name.title()
        await session.commit()
        return [u.name for u in users]  # READ
""",
        """
KeepLoaded = async_sessionmaker(engine, expire_on_commit=False)

async def main():
    async with KeepLoaded() as session:
        users = (await session.scalars(select(User))).all()
        for user in users:
            user.name = user.name.title()
        await session.commit()
        return [u.name for u in users]
""",
    ),
    "get(), commit, read": (
        """
async def main():
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = "ada lovelace"
        await session.commit()
        return user.name  # READ
""",
        """
async def main():
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = "ada lovelace"
        await session.commit()
        return await user.awaitable_attrs.name
""",
    ),
    "a lazy relationship read without a loader": (
        """
async def main():
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        return [a.email for u in users for a in u.addresses]  # READ
""",
        """
async def main():
    async with SessionLocal() as session:
        statement = select(User).options(selectinload(User.addresses))
        users = (await session.scalars(statement)).all()
        return [a.email for u in users for a in u.addresses]
""",
    ),
}

ACCEPTED = {
    "read before the commit": """
async def main():
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        name = user.name
        await session.commit()
        return name
""",
    "refreshed": """
async def main():
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.commit()
        await session.refresh(user)
        return user.name
""",
    # A deleted instance leaves the session at the flush, still loaded: the commit
    # does not expire it.
    "deleted, then committed": """
async def main():
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.delete(user)
        await session.commit()
        return user.name
""",
}


def _run(tmp_path: Path, code: str) -> Any:
    tmp_path.mkdir()
    source = MODELS + code
    if "awaitable_attrs" in code:  # the models need AsyncAttrs for it
        source = source.replace(
            "class Base(DeclarativeBase):", "class Base(AsyncAttrs, DeclarativeBase):"
        )
        source = "from sqlalchemy.ext.asyncio import AsyncAttrs\n" + source
    namespace: dict[str, Any] = {"URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<app>", "exec"), namespace)

    async def scenario() -> Any:
        await namespace["setup"]()
        try:
            return await namespace["main"]()
        finally:
            await namespace["engine"].dispose()

    return asyncio.run(scenario())


def _reported_lines(code: str) -> list[int]:
    result = check_source("URL = 'sqlite://'\n" + MODELS + code, rules=[AsyncLazyLoad])
    return [d.span.start.line - 1 for d in result.diagnostics]  # the URL line added above


def _marked_line(code: str) -> int:
    lines = (MODELS + code).splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# READ" in line)


@pytest.mark.parametrize("name", REPORTED)
def test_reported_read_raises_and_the_fixed_code_does_not(name: str, tmp_path: Path) -> None:
    code, fixed = REPORTED[name]
    assert _reported_lines(code) == [_marked_line(code)]
    # Raised as is, or wrapped in the StatementError of the load it interrupted.
    with pytest.raises((MissingGreenlet, StatementError)) as caught:
        _run(tmp_path / "broken", code)
    error = caught.value
    assert isinstance(error, MissingGreenlet) or isinstance(error.orig, MissingGreenlet)
    assert _reported_lines(fixed) == []
    assert _run(tmp_path / "fixed", fixed) is not None


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_code_runs(name: str, tmp_path: Path) -> None:
    code = ACCEPTED[name]
    assert _reported_lines(code) == []
    assert _run(tmp_path / "app", code) is not None


# name -> the line the rule's own (unsafe) fix adds, or None where it offers none.
FIXED_BY_THE_RULE = {
    "get(), commit, read": "        await session.refresh(user)\n",
    "a lazy relationship read without a loader": (
        "        users = (await session.scalars(select(User)"
        ".options(selectinload(User.addresses)))).all()\n"
    ),
    "a list read after the commit": None,  # a list: no refresh
    "added, committed, returned (an endpoint's response)": None,  # handed out
}


@pytest.mark.parametrize("name", FIXED_BY_THE_RULE)
def test_the_rules_fix_makes_the_read_work(name: str, tmp_path: Path) -> None:
    code, _ = REPORTED[name]
    source = "URL = 'sqlite://'\n" + MODELS + code
    outcome = fix_source(source, rules=[AsyncLazyLoad], unsafe=True)
    added = FIXED_BY_THE_RULE[name]
    if added is None:
        assert outcome.source == source
        return
    assert added in outcome.source and added not in source
    assert outcome.remaining.diagnostics == []
    assert _run(tmp_path / "fixed", outcome.source.split(MODELS, 1)[1]) is not None
    assert fix_source(source, rules=[AsyncLazyLoad]).source == source  # unsafe only
