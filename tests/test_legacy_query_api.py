"""SQA203 legacy-query-api: what it reports, and that its fixes compute the same
results as the legacy `Query` on a real database."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import InvalidRequestError, LegacyAPIWarning
from sqlalchemy.orm import Session

from sqlalchemy_lint.checker import CheckResult, check_source
from sqlalchemy_lint.diagnostics import Applicability, Position, Severity
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.lsp.hover import HoverBuilder
from sqlalchemy_lint.rules.legacy_query_api import LegacyQueryApi
from sqlalchemy_lint.semantic import ProjectIndex
from sqlalchemy_lint.semantic.positions import StatementPositions

RULES = [LegacyQueryApi]


def _check(source: str) -> CheckResult:
    return check_source(textwrap.dedent(source), Path("legacy.py"), rules=RULES)


def _fix(source: str) -> str:
    return fix_source(source, Path("legacy.py"), rules=RULES, unsafe=True).source


# -- the fixes compute what the legacy Query computed ------------------------------------

LEGACY = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team: Mapped[str]
    active: Mapped[bool]


def seed(engine):
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                User(id=1, name="ada", team="red", active=True),
                User(id=2, name="bob", team="blue", active=False),
                User(id=3, name="cy", team="red", active=True),
                User(id=4, name="dee", team="red", active=False),
                User(id=5, name="eve", team="blue", active=True),
            ]
        )
        session.commit()


def by_name(session: Session, name):
    return session.query(User).filter_by(name=name).first()


def everyone(session: Session):
    return session.query(User).all()


def active_in(session: Session, team):
    return (
        session.query(User)
        .filter(User.active)
        .filter_by(team=team)
        .order_by(User.name.desc())
        .all()
    )


def page(session: Session):
    return session.query(User).order_by(User.id).offset(1).limit(2).all()


def first_of_team(session: Session, team):
    return session.query(User).where(User.team == team).order_by(User.id.desc()).first()


def exactly(session: Session, name):
    return session.query(User).filter_by(name=name).one()


def maybe(session: Session, name):
    return session.query(User).filter(User.name == name, User.active).one_or_none()


def by_pk(session: Session, pk):
    return session.query(User).get(pk)


def through_factory(engine, team):
    with sessionmaker(bind=engine)() as session:
        return session.query(User).filter_by(team=team, active=True).all()
"""

CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("by_name", ("cy",)),
    ("by_name", ("nobody",)),
    ("everyone", ()),
    ("active_in", ("red",)),
    ("active_in", ("green",)),
    ("page", ()),
    ("first_of_team", ("red",)),
    ("first_of_team", ("green",)),
    ("exactly", ("bob",)),
    ("exactly", ("nobody",)),  # NoResultFound
    ("maybe", ("ada",)),
    ("maybe", ("bob",)),  # inactive: None
    ("by_pk", (4,)),
    ("by_pk", (99,)),
]


def _plain(value: Any) -> Any:
    """Results as plain data, comparable across the two modules' own classes."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None:
        return None
    return (type(value).__name__, value.id, value.name, value.team, value.active)


def _outcome(function: Callable[..., Any], *args: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LegacyAPIWarning)  # Query.get() warns in 2.0
            return ("value", _plain(function(*args)))
    except Exception as exc:
        return ("raises", type(exc).__name__)


def _load(source: str) -> tuple[dict[str, Any], Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<module>", "exec", dont_inherit=True), namespace)
    engine = create_engine("sqlite://")
    namespace["seed"](engine)
    return namespace, engine


def test_fixed_module_gives_the_same_results_on_sqlite() -> None:
    fixed = _fix(LEGACY)
    assert ".query(" not in fixed, fixed
    assert fixed.startswith("from sqlalchemy import create_engine, select\n")
    compile(fixed, "fixed.py", "exec")
    assert _check(fixed).diagnostics == []

    legacy_ns, legacy_engine = _load(LEGACY)
    fixed_ns, fixed_engine = _load(fixed)
    for name, args in CALLS:
        with Session(legacy_engine) as legacy_session, Session(fixed_engine) as fixed_session:
            expected = _outcome(legacy_ns[name], legacy_session, *args)
            actual = _outcome(fixed_ns[name], fixed_session, *args)
        assert actual == expected, (name, args)
    for team in ("red", "blue", "green"):
        expected = _outcome(legacy_ns["through_factory"], legacy_engine, team)
        actual = _outcome(fixed_ns["through_factory"], fixed_engine, team)
        assert actual == expected, team
    # The calls really returned objects and raised where expected, not all None.
    with Session(fixed_engine) as session:
        assert _outcome(fixed_ns["exactly"], session, "nobody") == (
            "raises",
            "NoResultFound",
        )
        assert [u[1] for u in _outcome(fixed_ns["page"], session)[1]] == [2, 3]


def test_fix_is_unsafe_and_applying_it_twice_changes_nothing() -> None:
    result = _check(LEGACY)
    assert len(result.diagnostics) == 9
    assert all(d.fix is not None for d in result.diagnostics)
    assert {d.fix.applicability for d in result.diagnostics if d.fix} == {Applicability.UNSAFE}
    assert {d.severity for d in result.diagnostics} == {Severity.INFORMATION}
    safe_only = fix_source(LEGACY, Path("legacy.py"), rules=RULES, unsafe=False)
    assert safe_only.source == LEGACY and safe_only.applied == 0
    once = _fix(LEGACY)
    again = fix_source(once, Path("legacy.py"), rules=RULES, unsafe=True)
    assert again.source == once and again.applied == 0


JOINED_EAGER = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    members: Mapped[list["Member"]] = relationship(lazy="joined")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


def seed(engine):
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Team(id=1, members=[Member(id=1), Member(id=2)]))
        session.commit()


def teams(session: Session):
    return session.query(Team).all()
"""


def test_why_the_fix_is_unsafe_joined_eager_collections() -> None:
    """The documented exception: `Query` uniques joined-eager rows, `ScalarResult`
    refuses to run without `.unique()`, so the fixed code raises instead of
    returning other values."""
    legacy_ns, legacy_engine = _load(JOINED_EAGER)
    fixed_ns, fixed_engine = _load(_fix(JOINED_EAGER))
    with Session(legacy_engine) as session:
        assert [team.id for team in legacy_ns["teams"](session)] == [1]
    with Session(fixed_engine) as session, pytest.raises(InvalidRequestError, match="unique"):
        fixed_ns["teams"](session)


# -- the rewrites, exactly ---------------------------------------------------------------

HEADER = "from sqlalchemy.orm import Session\n\nfrom .models import User\n"


@pytest.mark.parametrize(
    ("body", "expected_body", "expected_header"),
    [
        (
            "session.query(User).get(7)",
            "session.get(User, 7)",
            HEADER,
        ),
        (
            "session.query(User).all()",
            "session.scalars(select(User)).all()",
            HEADER + "from sqlalchemy import select\n",
        ),
        (
            "session.query(User).filter_by(a=1, b=x).first()",
            "session.scalars(select(User).filter_by(a=1, b=x).limit(1)).first()",
            HEADER + "from sqlalchemy import select\n",
        ),
        (
            "session.query(User).filter(User.a == 1).filter(User.b).one()",
            "session.scalars(select(User).where(User.a == 1).where(User.b)).one()",
            HEADER + "from sqlalchemy import select\n",
        ),
        (
            "session.query(User).filter_by(**criteria).one_or_none()",
            "session.scalars(select(User).filter_by(**criteria)).one_or_none()",
            HEADER + "from sqlalchemy import select\n",
        ),
    ],
    ids=["get", "all", "filter_by-first", "filter-one", "kwargs-one_or_none"],
)
def test_rewrite(body: str, expected_body: str, expected_header: str) -> None:
    source = f"{HEADER}\ndef f(session: Session, x, criteria):\n    return {body}\n"
    expected = (
        f"{expected_header}\ndef f(session: Session, x, criteria):\n    return {expected_body}\n"
    )
    assert _fix(source) == expected


@pytest.mark.parametrize(
    ("imports", "callee"),
    [
        ("from sqlalchemy import select\n", "select"),
        ("from sqlalchemy.future import select as new_select\n", "new_select"),
        ("import sqlalchemy as sa\n", "sa.select"),
    ],
    ids=["imported", "aliased", "module-alias"],
)
def test_rewrite_reuses_an_existing_select(imports: str, callee: str) -> None:
    source = f"{imports}{HEADER}\ndef f(session: Session):\n    return session.query(User).all()\n"
    fixed = _fix(source)
    assert fixed.startswith(imports + HEADER)
    assert f"return session.scalars({callee}(User)).all()\n" in fixed


@pytest.mark.parametrize(
    "body",
    [
        "session.query(User, Address).all()",  # rows of two entities
        "session.query(User.id).all()",  # a column: rows, not scalars
        "session.query(users_table).all()",  # a Table: rows
        "session.query(User).count()",
        "session.query(User).join(User.addresses).all()",
        "session.query(User).options(selectinload(User.addresses)).all()",
        "session.query(User).distinct().all()",
        "session.query(User).filter_by(a=1)",  # run later, somewhere else
        "list(session.query(User))",
        "session.query(User).limit(3).filter_by(a=1).all()",  # Query refuses this
        "session.query(User).order_by(False).all()",
        "session.query(User).filter_by(a=1).get(7)",  # get() ignores no criteria
        "session.query(User).get(ident=7)",
        "session.query(User).first(3)",
        "(session.query(User)).all()",
        "session.query(User)  # who\n        .all()",  # the comment would be lost
    ],
)
def test_no_fix_for_other_shapes(body: str) -> None:
    source = (
        "from sqlalchemy import Table, select\nfrom sqlalchemy.orm import Session, selectinload\n"
        "from .models import Address, User, users_table\n\n"
        f"def f(session: Session):\n    return (\n        {body}\n    )\n"
    )
    result = _check(source)
    assert [d.code for d in result.diagnostics] == ["SQA203"], body
    assert result.diagnostics[0].fix is None, body


def test_no_fix_when_select_means_something_else() -> None:
    source = (
        "from select import select\nfrom sqlalchemy.orm import Session\n"
        "from .models import User\n\n"
        "def f(session: Session):\n    return session.query(User).all()\n"
    )
    (diagnostic,) = _check(source).diagnostics
    assert diagnostic.fix is None


def test_no_fix_for_a_rebound_entity_name() -> None:
    source = (
        "from sqlalchemy.orm import Session, aliased\nfrom .models import User\n\n"
        "def f(session: Session, model):\n    User = model\n    return session.query(User).all()\n"
    )
    (diagnostic,) = _check(source).diagnostics
    assert diagnostic.fix is None


# -- what is reported, and where -----------------------------------------------------------


def test_chain_is_reported_once_where_it_starts() -> None:
    source = """\
        from sqlalchemy.orm import Session
        from .models import User

        def report(session: Session):
            return (
                session.query(User)
                .filter(User.active)
                .order_by(User.name)
                .all()
            ), session.query(User.id).count()
        """
    result = _check(source)
    assert [(d.span.start, d.code) for d in result.diagnostics] == [
        (Position(6, 8), "SQA203"),
        (Position(10, 7), "SQA203"),
    ]
    first, second = result.diagnostics
    assert first.span.end == Position(6, 27)  # the `session.query(User)` call itself
    assert first.message == (
        "`Session.query()` is the legacy 1.x Query API; "
        "use `session.scalars(select(User))` in SQLAlchemy 2.0 style."
    )
    assert "`session.execute(select(User.id))`" in second.message


@pytest.mark.parametrize(
    "receiver_setup",
    [
        "session = Session(engine)",
        "session = SessionLocal()",
        "session = registry",
        "session = db.session",
        "session = self.session",
    ],
)
def test_sessions_are_recognised_by_what_they_are(receiver_setup: str) -> None:
    source = f"""\
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session, scoped_session, sessionmaker
        from .models import User

        engine = create_engine("sqlite://")
        SessionLocal = sessionmaker(bind=engine)
        registry = scoped_session(SessionLocal)
        db = SQLAlchemy()

        class Repository:
            def __init__(self, session: Session):
                self.session = session

            def names(self):
                {receiver_setup}
                return session.query(User).all()
        """
    (diagnostic,) = _check(source).diagnostics
    assert diagnostic.code == "SQA203"


def test_with_block_session_is_reported() -> None:
    source = """\
        from sqlalchemy.orm import Session
        from .models import User

        def names(engine):
            with Session(engine) as s:
                return s.query(User).all()
        """
    assert [d.code for d in _check(source).diagnostics] == ["SQA203"]


def test_look_alikes_are_not_reported() -> None:
    source = """\
        import sqlite3

        import pandas as pd
        import requests
        from django.db import models
        from elasticsearch import Elasticsearch
        from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session, async_sessionmaker
        from sqlalchemy.orm import Session

        from .models import User

        registry = async_scoped_session(async_sessionmaker(), scopefunc=lambda: 1)


        class Catalogue:
            def query(self, term):
                return [term]


        class Product(models.Model):
            pass


        def look_alikes(frame: pd.DataFrame, session, conn: sqlite3.Connection):
            frame.query("price > 10")
            pd.read_csv("x.csv").query("price > 10")
            Catalogue().query("lamp")
            requests.Session().query("x")
            Elasticsearch().query(index="products")
            Product.objects.query("x")
            conn.query("x")
            session.query(User).all()  # untyped: not known to be a Session
            User.query.filter_by(name="ada").first()  # Flask-SQLAlchemy's Model.query


        async def on_async(session: AsyncSession):
            registry.query(User)
            return await session.execute(session.query)
        """
    assert _check(source).diagnostics == []


def test_hover_on_the_query_shows_the_rule_and_the_select_form() -> None:
    source = (
        "from sqlalchemy.orm import Session\nfrom .models import User\n\n"
        "def f(session: Session):\n    return session.query(User).all()\n"
    )
    result = check_source(source, Path("legacy.py"), rules=RULES)
    assert result.analysis is not None
    positions = StatementPositions(result.analysis.module, source)
    hover = HoverBuilder(result.analysis, positions, result.diagnostics).hover(Position(5, 20))
    assert hover is not None
    assert "**SQA203 legacy-query-api**" in hover
    assert "**Session.query() (legacy Query API)**" in hover
    assert "session.scalars(select(User)" in hover
    assert "session.get(User, user_id)" in hover


# -- end to end ------------------------------------------------------------------------------


def test_cli_applies_the_fix_only_with_unsafe_fixes(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    source = (
        "from sqlalchemy.orm import Session\nfrom .models import User\n\n"
        "def find(session: Session, name):\n"
        "    return session.query(User).filter_by(name=name).first()\n"
    )
    target.write_text(source)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sqlalchemy_lint", "check", "--select", "SQA203", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
            timeout=120,
        )

    safe_only = run("--fix", str(target))
    assert safe_only.returncode == 1, safe_only.stdout + safe_only.stderr
    assert target.read_text() == source
    unsafe = run("--fix", "--unsafe-fixes", str(target))
    assert "Fixed 1 problem." in unsafe.stdout, unsafe.stdout + unsafe.stderr
    assert target.read_text() == (
        "from sqlalchemy.orm import Session\nfrom .models import User\n"
        "from sqlalchemy import select\n\n"
        "def find(session: Session, name):\n"
        "    return session.scalars(select(User).filter_by(name=name).limit(1)).first()\n"
    )
    assert run(str(target)).returncode == 0


def test_session_factory_imported_from_another_module(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n"
        "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n"
    )
    source = (
        "from .db import SessionLocal\nfrom .models import User\n\n"
        "def f():\n    with SessionLocal() as s:\n        return s.query(User).all()\n"
    )
    main = tmp_path / "main.py"
    main.write_text(source)
    result = check_source(source, main, rules=RULES, project=ProjectIndex())
    assert [(d.line, d.code) for d in result.diagnostics] == [(6, "SQA203")]
