"""SQA107 against a real SQLite database: the read the rule reports raises
`DetachedInstanceError`, the same code with the read moved inside the block (or a
`refresh()`) does not, and code the rule accepts runs cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm.exc import DetachedInstanceError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules.detached_instance_access import DetachedInstanceAccess

MODELS = """
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload, sessionmaker


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    active = Column(Boolean, default=True)
    addresses = relationship("Address")


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"))


engine = create_engine(URL)
Base.metadata.create_all(engine)
SessionLocal = sessionmaker(bind=engine)
KeepLoaded = sessionmaker(bind=engine, expire_on_commit=False)
with SessionLocal() as seed:
    seed.add(User(id=1, name="ada"))
    seed.commit()
"""

# name -> (code, code with the fix); `run()` reads what the rule is about.
REPORTED = {
    "added, committed, read after the block": (
        """
def run():
    with SessionLocal() as session:
        user = User(name="grace")
        session.add(user)
        session.commit()
    return user.id  # READ
""",
        """
def run():
    with SessionLocal() as session:
        user = User(name="grace")
        session.add(user)
        session.commit()
        session.refresh(user)
    return user.id
""",
    ),
    "loaded, committed, list read in a comprehension": (
        """
def run():
    with Session(engine) as session:
        users = session.scalars(select(User).where(User.active)).all()
        session.commit()
    return [u.name for u in users]  # READ
""",
        """
def run():
    with Session(engine) as session:
        users = session.scalars(select(User).where(User.active)).all()
        session.commit()
        return [u.name for u in users]
""",
    ),
    "explicit close()": (
        """
def run():
    session = SessionLocal()
    user = session.get(User, 1)
    user.name = "ada lovelace"
    session.commit()
    session.close()
    return user.name  # READ
""",
        """
def run():
    session = SessionLocal()
    user = session.get(User, 1)
    user.name = "ada lovelace"
    session.commit()
    name = user.name
    session.close()
    return name
""",
    ),
    "returned from a begin() block": (
        """
def load():
    with SessionLocal.begin() as session:
        user = session.get(User, 1)
        user.active = False
        return user  # READ

def run():
    return load().name
""",
        """
def load():
    with KeepLoaded.begin() as session:
        user = session.get(User, 1)
        user.active = False
        return user

def run():
    return load().name
""",
    ),
    "a lazy relationship read after the block, no commit": (
        """
def run():
    with SessionLocal() as session:
        users = session.scalars(select(User)).all()
    return [len(u.addresses) for u in users]  # READ
""",
        """
def run():
    with SessionLocal() as session:
        users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    return [len(u.addresses) for u in users]
""",
    ),
    "a legacy query()'s lazy relationship read after the block": (
        """
def run():
    with SessionLocal() as session:
        users = session.query(User).filter(User.active).all()
    return [len(u.addresses) for u in users]  # READ
""",
        """
def run():
    with SessionLocal() as session:
        users = session.query(User).options(selectinload(User.addresses)).filter(User.active).all()
    return [len(u.addresses) for u in users]
""",
    ),
}

ACCEPTED = {
    "no commit": """
def run():
    with SessionLocal() as session:
        user = session.get(User, 1)
    return user.name
""",
    "expire_on_commit=False": """
def run():
    with KeepLoaded() as session:
        user = User(name="linus")
        session.add(user)
        session.commit()
    return user.name
""",
    "loaded after the commit": """
def run():
    with SessionLocal() as session:
        session.add(User(name="guido"))
        session.commit()
        user = session.get(User, 1)
    return user.name
""",
    "expunged before the commit, read after the block": """
def run():
    with SessionLocal() as session:
        user = session.get(User, 1)
        session.expunge(user)
        session.add(User(name="barbara"))
        session.commit()
    return user.name
""",
    "added, flushed, expunged, the block commits": """
def run():
    with SessionLocal.begin() as session:
        user = User(name="edsger")
        session.add(user)
        session.flush()
        session.expunge(user)
    return user.id
""",
    "deleted, committed, read after the block": """
def run():
    with SessionLocal() as session:
        user = session.get(User, 1)
        session.delete(user)
        session.commit()
    return user.name
""",
}


def _module(tmp_path: Path, code: str) -> dict[str, Any]:
    tmp_path.mkdir()
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(MODELS + code, "<app>", "exec"), namespace)
    return namespace


def _reported_lines(code: str) -> list[int]:
    result = check_source("URL = 'sqlite://'\n" + MODELS + code, rules=[DetachedInstanceAccess])
    return [d.span.start.line - 1 for d in result.diagnostics]  # the URL line added above


def _marked_line(code: str) -> int:
    lines = (MODELS + code).splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# READ" in line)


@pytest.mark.parametrize("name", REPORTED)
def test_reported_read_raises_and_the_fixed_code_does_not(name: str, tmp_path: Path) -> None:
    code, fixed = REPORTED[name]
    assert _reported_lines(code) == [_marked_line(code)]
    with pytest.raises(DetachedInstanceError):
        _module(tmp_path / "broken", code)["run"]()
    assert _reported_lines(fixed) == []
    _module(tmp_path / "fixed", fixed)["run"]()


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_code_runs(name: str, tmp_path: Path) -> None:
    code = ACCEPTED[name]
    assert _reported_lines(code) == []
    assert _module(tmp_path / "app", code)["run"]() is not None


# name -> the line the rule's own (unsafe) fix adds, or None where it offers none.
FIXED_BY_THE_RULE = {
    "added, committed, read after the block": "        session.refresh(user)\n",
    "explicit close()": "    session.refresh(user)\n",
    "a lazy relationship read after the block, no commit": (
        "        users = session.scalars(select(User)"
        ".options(selectinload(User.addresses))).all()\n"
    ),
    "a legacy query()'s lazy relationship read after the block": (
        "        users = session.query(User).options(selectinload(User.addresses))"
        ".filter(User.active).all()\n"
    ),
    "loaded, committed, list read in a comprehension": None,  # a list: no refresh
    "returned from a begin() block": None,  # handed to a caller: no refresh
}


@pytest.mark.parametrize("name", FIXED_BY_THE_RULE)
def test_the_rules_fix_makes_the_read_work(name: str, tmp_path: Path) -> None:
    code, _ = REPORTED[name]
    source = "URL = 'sqlite://'\n" + MODELS + code
    outcome = fix_source(source, rules=[DetachedInstanceAccess], unsafe=True)
    added = FIXED_BY_THE_RULE[name]
    if added is None:
        assert outcome.source == source
        return
    assert added in outcome.source and added not in source
    assert outcome.remaining.diagnostics == []
    fixed = outcome.source.split(MODELS, 1)[1]
    broken = _module(tmp_path / "broken", code)
    with pytest.raises(DetachedInstanceError):
        broken["run"]()
    assert _module(tmp_path / "fixed", fixed)["run"]() is not None
    # Without --unsafe-fixes nothing is applied: both fixes change the queries issued.
    assert fix_source(source, rules=[DetachedInstanceAccess]).source == source
