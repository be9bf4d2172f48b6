"""The SQL rules (SQA2xx migration, SQA3xx security): their fixes give exactly the
expected module, and the fixed code runs on SQLAlchemy 2.0 where the original fails."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ArgumentError, ObjectNotExecutableError

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules import Invalid, all_rules
from sqlalchemy_lint.rules._sql_text import constant_values
from sqlalchemy_lint.semantic import Analysis, ProjectIndex
from sqlalchemy_lint.testing import check_example

SQL_RULES = [r for r in all_rules() if r.code[3] in "23"]
FIX_CASES = [
    (rule, example, f"{rule.code}-invalid-{number}")
    for rule in SQL_RULES
    for number, example in enumerate(rule.INVALID, start=1)
    if example.expected_fix is not None
]


@pytest.mark.parametrize(
    ("rule", "example"), [c[:2] for c in FIX_CASES], ids=[c[2] for c in FIX_CASES]
)
def test_fix_gives_the_expected_module(rule: Any, example: Invalid, tmp_path: Path) -> None:
    source, result = check_example(rule, example, tmp_path)
    assert [d.code for d in result.diagnostics] == [rule.code]
    outcome = fix_source(
        source, tmp_path / "main.py", rules=[rule], project=ProjectIndex(), unsafe=True
    )
    assert outcome.source == textwrap.dedent(example.expected_fix or "").lstrip("\n")
    assert outcome.remaining.diagnostics == []


def _run(source: str, engine: Any) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace["names"](engine)


CONNECTION_QUERY = """\
from sqlalchemy import create_engine

def names(engine):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM items ORDER BY id").all()
"""
SESSION_QUERY = """\
from sqlalchemy.orm import Session

QUERY = "SELECT name FROM items " "ORDER BY id"

def names(engine):
    with Session(engine) as session:
        return session.execute(QUERY).all()
"""


DRIVER_PLACEHOLDERS = """\
from sqlalchemy import create_engine

def names(engine):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM items WHERE id > ? ORDER BY id", (0,)).all()
"""


CONSTANT_FORMATTING = """\
from sqlalchemy import create_engine

TABLE = "items"

def names(engine):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM %s ORDER BY id" % TABLE).all()
"""


@pytest.mark.parametrize(
    ("legacy", "error"),
    [
        (CONNECTION_QUERY, ObjectNotExecutableError),
        (SESSION_QUERY, ArgumentError),
        (DRIVER_PLACEHOLDERS, ArgumentError),
        (CONSTANT_FORMATTING, ObjectNotExecutableError),
    ],
    ids=["connection", "session", "driver-placeholders", "constant-formatting"],
)
def test_raw_string_fix_runs_on_sqlalchemy_2(legacy: str, error: type[Exception]) -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO items (name) VALUES ('apple'), ('pear')"))
    with pytest.raises(error):
        _run(legacy, engine)
    fixed = fix_source(legacy, Path("legacy.py"), project=ProjectIndex()).source
    assert fixed != legacy
    assert [tuple(row) for row in _run(fixed, engine)] == [("apple",), ("pear",)]


LEGACY_ENGINE = """\
from sqlalchemy import create_engine

def names(engine):
    engine.execute("INSERT INTO items (name) VALUES ('quince')")
    rows = engine.execute("SELECT name FROM items ORDER BY id").fetchall()
    return rows
"""


def test_legacy_engine_execute_fix_runs_on_sqlalchemy_2(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'items.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO items (name) VALUES ('apple')"))
    with pytest.raises(AttributeError):
        _run(LEGACY_ENGINE, engine)
    fixed = fix_source(LEGACY_ENGINE, Path("legacy.py"), project=ProjectIndex()).source
    assert "engine.begin() as conn" in fixed and "engine.connect() as conn" in fixed
    assert [tuple(row) for row in _run(fixed, engine)] == [("apple",), ("quince",)]
    # The write was committed, as 1.x autocommit did: a new connection sees it.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == 2
    engine.dispose()


def _codes(source: str, tmp_path: Path) -> list[tuple[int, str]]:
    """(line, code) of every finding of every rule, on one module."""
    main = tmp_path / "main.py"
    source = textwrap.dedent(source).lstrip("\n")
    main.write_text(source)
    result = check_source(source, main, project=ProjectIndex())
    return sorted((d.line, d.code) for d in result.diagnostics)


def test_alembic_bind_is_a_connection_the_migration_does_not_own(tmp_path: Path) -> None:
    source = """
        import sys

        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            conn = op.get_bind()
            conn.execute("UPDATE tickets SET status = 'open' WHERE status IS NULL")
            conn.execute(sa.text("UPDATE tickets SET title = trim(title)"))
            op.get_bind().execute(f"DELETE FROM {sys.argv[1]}")
    """
    # SQA202 on both strings, SQA301 on the built one; no lifetime finding (SQA101-SQA104).
    assert _codes(source, tmp_path) == [(8, "SQA202"), (10, "SQA202"), (10, "SQA301")]


def test_dbapi_drivers_are_sinks_but_not_resources(tmp_path: Path) -> None:
    source = """
        import sqlite3

        import psycopg2

        def stage(db_path, batch_id):
            con = sqlite3.connect(db_path)
            cur = con.cursor()
            cur.execute(f"DELETE FROM staging WHERE batch_id = '{batch_id}'")
            con.executescript("VACUUM; " + batch_id)
            cur.execute("SELECT count(*) FROM staging WHERE batch_id = ?", (batch_id,))

        def latest(dsn, prefix):
            pg = psycopg2.connect(dsn)
            cur = pg.cursor()
            cur.execute(f"SELECT max(tablename) FROM pg_tables WHERE tablename LIKE '{prefix}%'")
            pg.execute(f"SELECT {prefix}")  # psycopg2 connections have no execute()
    """
    assert _codes(source, tmp_path) == [(8, "SQA301"), (9, "SQA301"), (15, "SQA301")]


def test_a_string_built_at_run_time_gets_sqa202_without_a_fix(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        from sqlalchemy.orm import Session

        def drop(db: Session, team: str):
            db.execute(f"DELETE FROM report_cache WHERE team = '{team}'")
        """
    )
    result = check_source(source, tmp_path / "main.py", project=ProjectIndex())
    (sqa202,) = [d for d in result.diagnostics if d.code == "SQA202"]
    assert "built with an f-string" in sqa202.message and "bound parameters" in sqa202.message
    assert sqa202.fix is None
    assert fix_source(source, tmp_path / "main.py", project=ProjectIndex()).source == source


def test_quoted_identifiers_are_followed_through_several_names(tmp_path: Path) -> None:
    # SQLAlchemy's SQLite dialect, get_view_definition(): the schema is quoted by the
    # dialect, then formatted twice on its way to the driver. Only `owner` can inject.
    source = """
    from sqlalchemy import text

    class Dialect:
        def view_sql(self, connection, view_name, schema):
            qschema = self.identifier_preparer.quote_identifier(schema)
            master = f"{qschema}.sqlite_master"
            s = ("SELECT sql FROM %s WHERE name = ? AND type='view'") % (master,)
            return connection.exec_driver_sql(s, (view_name,))

        def chown(self, connection, schema, owner):
            qschema = self.identifier_preparer.quote_identifier(schema)
            master = f"{qschema}.sqlite_master"
            s = "ALTER TABLE %s OWNER TO %s" % (master, owner)
            return connection.exec_driver_sql(s)
    """
    assert _codes(source, tmp_path) == [(14, "SQA301")]


def test_sql_compiled_by_sqlalchemy_is_not_injected(tmp_path: Path) -> None:
    # Celery's database backend adds missing columns with their compiled types.
    source = """
    from sqlalchemy import text

    def add_missing(engine, table, default):
        for col in table.columns:
            col_type = col.type.compile(engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE t ADD COLUMN c {col_type}"))
                conn.execute(text(f"ALTER TABLE t ADD COLUMN d {col_type} DEFAULT {default}"))

    def explain(conn, stmt):
        sql = str(stmt.compile(compile_kwargs={"literal_binds": True}))
        return conn.execute(text(f"EXPLAIN {sql}")).all()
    """
    assert _codes(source, tmp_path) == [(8, "SQA301")]


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ('"DELETE FROM %s" % TABLE', ["DELETE FROM items"]),
        ('"SELECT %s FROM %s" % (COLUMN, TABLE)', ["SELECT name FROM items"]),
        ('"SELECT * FROM {}".format(TABLE)', ["SELECT * FROM items"]),
        ('"SELECT * FROM {t} LIMIT {n}".format(t=TABLE, n=5)', ["SELECT * FROM items LIMIT 5"]),
        ('f"SELECT {{x}} FROM {TABLE}"', ["SELECT {x} FROM items"]),
        ('"SELECT * FROM " + CHOICES[key]', ["SELECT * FROM a", "SELECT * FROM b"]),
        ('"%*s" % (10, TABLE)', None),  # widths are never evaluated
        ('"{:>99999}".format(TABLE)', None),
        ('"{0.__class__}".format(TABLE)', None),
        ('"DELETE FROM %s" % table', None),
        ('"SELECT * FROM " + MUTABLE[key]', None),
    ],
)
def test_constant_strings_computed_from_constants(
    expression: str, values: list[str] | None
) -> None:
    source = textwrap.dedent(
        f"""\
        TABLE = "items"
        COLUMN = "name"
        CHOICES = {{"x": "a", "y": "b"}}
        MUTABLE = {{"x": "a"}}

        def f(table, key):
            MUTABLE[key] = table
            return {expression}
        """
    )
    analysis = Analysis(cst.parse_module(source))
    (ret,) = analysis.model.functions["f"].returns
    assert ret.value is not None
    scope = analysis.model.functions["f"]
    assert constant_values(ret.value, analysis, scope) == values


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        (  # implicit concatenation: the piece where the password starts
            """
            from sqlalchemy import create_engine

            engine = create_engine(
                "postgresql://app:"
                "s3cret@db/app"
            )
            """,
            [5],
        ),
        (  # a settings constant used by create_engine() in the same module: reported once
            """
            import os
            from sqlalchemy import create_engine

            URL = os.environ.get("DATABASE_URL", "postgresql://app:s3cret@db.example.com/app")
            engine = create_engine(URL)
            """,
            [4],
        ),
        (  # SQLALCHEMY_BINDS and config.update()
            """
            def configure(app):
                app.config["SQLALCHEMY_BINDS"] = {"users": "mysql://u:pw1@db/users"}
                app.config.update(SQLALCHEMY_DATABASE_URI="postgresql://app:pw2@db/app")
            """,
            [2, 3],
        ),
        (  # never: no password, no default, not a database, a placeholder
            """
            import os

            DATABASE_URL = os.environ["DATABASE_URL"]
            REPLICA_URL = "postgresql://reader@replica/app"
            CACHE_URL = "redis://:cachepw@cache:6379/0"
            TEMPLATE = "postgresql://app:%(password)s@db/app"

            class Config:
                SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
            """,
            [],
        ),
    ],
    ids=["concatenation", "once", "flask-keys", "quiet"],
)
def test_hardcoded_database_urls(source: str, lines: list[int], tmp_path: Path) -> None:
    assert _codes(source, tmp_path) == [(line, "SQA302") for line in lines]


def test_driver_placeholders_are_told_to_use_exec_driver_sql(tmp_path: Path) -> None:
    """`text()` takes `:name` parameters and a dict, not `%s` and a tuple: the message
    for a string with driver placeholders and parameters names what its fix does."""
    source = textwrap.dedent(
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        engine = create_engine("sqlite://")

        def rename(user_id, name):
            with engine.connect() as conn:
                conn.execute("UPDATE users SET name = %s WHERE id = %s", (name, user_id))

        def count(session: Session):
            return session.execute("SELECT count(*) FROM users").scalar()
        """
    )
    result = check_source(source, tmp_path / "main.py", project=ProjectIndex())
    messages = {d.line: d.message for d in result.diagnostics if d.code == "SQA202"}
    assert "exec_driver_sql()" in messages[9] and "text(" not in messages[9]
    assert "wrap it in `text(...)`" in messages[12]


COMPARED_TO_TEXT = """
from sqlalchemy import Column, Integer, String, text
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class League(Base):
    __tablename__ = "league"
    id = Column(Integer, primary_key=True)
    name = Column(String)


def view_league_info(update, context):
    league_name = update.message.text.split("about ")[1]
    return get_league_info(context.bot_data["session"], league_name)


def get_league_info(session, league):
    return session.query(League.name).filter(League.name == {value}).all()
"""


@pytest.mark.parametrize(("value", "reported"), [("text(league)", True), ("league", False)])
def test_a_message_compared_as_text_is_injected_and_as_a_value_is_bound(
    value: str, reported: bool, tmp_path: Path
) -> None:
    """`League.name == text(league)` puts the bot message's text into the SQL: a
    message ending in `x' OR '1'='1` reads every league. Compared as a value, the
    same text is a bound parameter and matches nothing."""
    from types import SimpleNamespace

    from sqlalchemy.orm import Session

    from sqlalchemy_lint.rules.sql_injection import SqlInjection

    source = COMPARED_TO_TEXT.format(value=value)
    found = [d.code for d in check_source(source, rules=[SqlInjection]).diagnostics]
    assert found == (["SQA301"] if reported else [])
    namespace: dict[str, Any] = {}
    exec(compile(source, "<bot>", "exec"), namespace)
    engine = create_engine(f"sqlite:///{tmp_path / 'leagues.db'}")
    namespace["Base"].metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([namespace["League"](name="TI"), namespace["League"](name="DPC")])
        session.commit()
        update = SimpleNamespace(message=SimpleNamespace(text="about 'x' OR '1'='1'"))
        context = SimpleNamespace(bot_data={"session": session})
        rows = namespace["view_league_info"](update, context)
    assert len(rows) == (2 if reported else 0)
