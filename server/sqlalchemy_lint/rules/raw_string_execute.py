from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from ..diagnostics import Applicability, Fix, Position, Span, TextEdit
from ..fixes.edits import split_lines
from ..fixes.syntax import SourceTree
from ..semantic import Analysis, Kind
from ._messages import code_of
from ._sql_fix import text_callee, wrap_in_text
from ._sql_text import (
    constant_values,
    construction,
    dynamic_construction,
    file_text,
    is_string,
    scope_of,
    statement_argument,
    statement_receiver,
)
from .base import Finding, Invalid, Rule, Valid

# Driver-level placeholders (`%s`, `%(name)s`, `?`): what a 1.x `Connection` passed straight
# to the DBAPI; `text()` would not bind them.
_DRIVER_PLACEHOLDER = re.compile(r"%s|%\(\w+\)s|\?")


@dataclass
class StringStatement(Finding):
    receiver: Kind | None = None
    values: list[str] = field(default_factory=list)
    built: bool = False  # built from run-time values: wrapping it in text() is no fix


_RECEIVER_NOUNS = {
    Kind.CONNECTION: "Connection",
    Kind.ASYNC_CONNECTION: "AsyncConnection",
    Kind.SESSION: "Session",
    Kind.ASYNC_SESSION: "AsyncSession",
    Kind.SCOPED_SESSION: "Session",
}


class RawStringExecute(Rule):
    """Plain SQL string passed to `execute()`, which SQLAlchemy 2.0 no longer accepts.

    ## What it does
    Finds `execute()` calls on a `Connection`, `Session`, `AsyncConnection`,
    `AsyncSession` or `scoped_session` whose statement is a plain string: a
    literal, a string computed from constants only (`"..." + TABLE`,
    `"DELETE FROM %s" % TABLE`, `f"... {SCHEMA}.orders"`), a local name bound only
    to such strings, or a string built from run-time values (an f-string, `%`,
    `str.format()` or `+`; SQA301 reports the injection risk of those as well), or
    the text of a file (`open(path).read()`, `path.read_text()`).
    Receivers are recognised by what they are (`with engine.connect() as conn`,
    `Session(engine)`, parameters annotated `conn: Connection`, Alembic's
    `op.get_bind()`, or a `with x.begin() as conn:` block, or an unannotated
    parameter, whose `conn` also runs `execute(text(...))` or
    `exec_driver_sql()`, or of a module-level function that every call of it in
    the project passes a connection or session, or `conn = session.bind.connect()`:
    what a session is bound to), never by their name; `sqlite3`
    connections and cursors are not SQLAlchemy and are not reported, and neither
    is Alembic's own `op.execute("...")`, nor a call in an `except AttributeError:`
    (or `ImportError`) handler, the fallback for a version without the API the
    `try` used (`exec_driver_sql()` before 1.4). `conn.exec_driver_sql("...")` is the
    supported way to run a string and is not reported either.

    ## Why is this bad?
    SQLAlchemy 1.x coerced strings to SQL text (with a deprecation warning under
    `SQLALCHEMY_WARN_20`). In 2.0, `execute()` only takes executable objects:
    at run time `Connection.execute("...")` raises `ObjectNotExecutableError: Not
    an executable object` and `Session.execute("...")` raises `ArgumentError:
    Textual SQL expression ... should be explicitly declared as text(...)`, so
    code that passed its 1.4 tests fails after the upgrade.

    ## Example
    ```python
    with engine.connect() as conn:
        rows = conn.execute("SELECT id, name FROM users").all()
    ```

    ## Use instead
    ```python
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM users")).all()
    ```

    Values belong in bound parameters: `text("... WHERE id = :id")` with
    `{"id": user_id}` as the second argument.

    ## Fix safety
    The fix wraps the string in `text(...)`, reusing `text` or `sa.text` when the
    module already imports it and otherwise adding `from sqlalchemy import text`.
    It is safe: a `Session` coerced strings to `text()` in 1.x, and a string run on
    a `Connection` without parameters means the same as text. Inside `text()`,
    `:name` is a bound parameter, so a literal colon followed by a word needs
    escaping (`\\:`).

    When parameters are passed with driver placeholders (`%s`, `%(name)s`, `?`),
    1.x handed the string to the driver unchanged: on a connection the fix
    renames the call to `exec_driver_sql()`, which still does that, and on a
    session no fix is offered. No fix is offered either when a variable called
    `text` already exists in the module, or when the string is built from run-time
    values: those values belong in bound parameters (`text("... :name")` with
    `{"name": value}`), which needs a name for each.

    ## References
    - [Migrating to SQLAlchemy 2.0: execute() no longer accepts strings](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#execute-method-more-strict-execution-options-are-more-prominent)
    ## By SQLAlchemy version
    Where the project requires SQLAlchemy 2.x (its requirement files, or
    `sqlalchemy-version` in its configuration), this fails at run time and is
    reported as an error; where every version it allows is a 1.x, where this still
    works, it is a hint for the migration to 2.0, and the message says so. A
    `severity` the project or the editor sets for the rule wins.

    - [Using Textual SQL](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#getting-a-connection)
    """

    code = "SQA202"
    breaks_in_2_0 = True
    name = "raw-string-execute"

    VALID = [
        Valid(
            """
from sqlalchemy import create_engine, select, text

engine = create_engine("sqlite://")

def ok(users, user_id):
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(select(users).where(users.c.id == user_id))
        conn.exec_driver_sql("SELECT 1")
"""
        ),
        Valid(
            """
import sqlite3
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def look_alikes(db: sqlite3.Connection, statement):
    db.execute("SELECT 1")
    sqlite3.connect("app.db").execute("SELECT 1")
    cursor = db.cursor()
    cursor.execute("SELECT 1")
    with engine.connect() as conn:
        conn.execute(statement)  # not visibly a string
    \"\"\"conn.execute("SELECT 1") in a docstring is not code\"\"\"
"""
        ),
        Valid(
            """
from alembic import op

def upgrade(pool):
    op.execute("UPDATE tickets SET priority = 1 WHERE priority IS NULL")
    with pool.begin() as conn:
        conn.execute("SELECT 1")  # nothing shows that `pool` is SQLAlchemy's
"""
        ),
    ]
    VALID += [
        # The fallback for a SQLAlchemy that has no `exec_driver_sql()` (1.3): never
        # reached on 2.0.
        Valid(
            """
def do_begin(conn):
    try:
        conn.exec_driver_sql("BEGIN")
    except AttributeError:
        conn.execute("BEGIN")
"""
        ),
        # A parameter given only strings shows nothing of what it is (a DBAPI cursor?).
        Valid(
            """
def drop_schema(db, schema):
    db.execute("drop schema if exists " + schema + " cascade")
"""
        ),
    ]
    # A parameter without an annotation is what the project's calls pass for it.
    _COUNT_ROWS = """
import sqlite3

from sqlalchemy import create_engine

def count_rows(con):
    return con.execute("SELECT count(*) FROM users").scalar()

def main(url):
    with {opened} as con:
        print(count_rows(con))
"""
    VALID += [Valid(_COUNT_ROWS.format(opened="sqlite3.connect(url)"))]
    # A name that is a DBAPI cursor in one branch and a session in the other: in the
    # branch, the cursor is the only binding that reaches; after it, either may be.
    _SETUP_SCRIPT = """
import sqlite3

from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

if input("local? ") == "y":
    c = sqlite3.connect("local.db").cursor()
    c.execute("create table department (id integer primary key, name text)")
    {after}
else:
    c = scoped_session(sessionmaker(create_engine("postgresql:///hr")))
"""
    VALID += [Valid(_SETUP_SCRIPT.format(after=""))]
    INVALID = [
        Invalid(
            _SETUP_SCRIPT.format(after="")
            + "c.execute(\"insert into department (name) values ('Food')\")\n",
            at='c.execute("insert',
        ),
        # Bound again in a loop around the use: the next turn reaches it as a session.
        Invalid(
            _SETUP_SCRIPT.format(
                after='for name in ("Food", "Care"):\n'
                '        c.execute("insert into department (name) values (1)")\n'
                '        c = scoped_session(sessionmaker(create_engine("sqlite://")))'
            ),
            at='c.execute("insert',
        ),
        Invalid(_COUNT_ROWS.format(opened="create_engine(url).connect()"), at="con.execute("),
        # A connection from an unknown engine, which the function also gives
        # `text(...)`: SQLAlchemy's.
        Invalid(
            """
from sqlalchemy import text

def analyze(session):
    engine = session.bind
    conn = engine.connect()
    for schema, table in conn.execute(text("SELECT schemaname, relname FROM pg_stat_user_tables")):
        conn.execute("analyze {}.{};".format(schema, table))
    conn.close()
""",
            at='conn.execute("analyze',
        ),
        # The text of a SQL file is a plain string too (a file opened in binary
        # mode gives bytes, which are another matter).
        Invalid(
            """
from sqlalchemy.orm import Session

def load_views(session: Session, files):
    for fn in files:
        session.execute(open(fn).read())
    with open("init.sql", "rb") as raw:
        session.execute(raw.read())
    session.commit()
""",
            at="session.execute(open",
        ),
        # A connection from what a session is bound to (`session.bind`,
        # `session.get_bind()`): no driver's connection has a `bind`.
        Invalid(
            """
class SetDefaultGeometries:
    def __init__(self, session_target):
        self.session_target = session_target

    def migrate(self):
        engine = self.session_target.bind
        conn = engine.connect()
        conn.execute("vacuum analyze guidebook.documents_geometries;")
        conn.close()
""",
            at='conn.execute("vacuum',
        ),
        # An unannotated parameter that the function also gives `text(...)`: only
        # SQLAlchemy's connections and sessions take that.
        Invalid(
            """
from sqlalchemy import text

def drop_schema(session, schema):
    session.execute(text("set search_path = public"))
    session.execute("drop schema if exists " + schema + " cascade")
    session.commit()
""",
            at='session.execute("drop',
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def count():
    with engine.connect() as conn:
        return conn.execute("SELECT count(*) FROM users").scalar()
""",
            at='conn.execute("SELECT',
            expected_fix="""
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def count():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM users")).scalar()
""",
        ),
        Invalid(
            """
import sqlalchemy as sa
from sqlalchemy.orm import Session

QUERY = "SELECT id " "FROM users"

def ids(session: Session):
    return session.execute(QUERY).all()
""",
            at="session.execute(QUERY)",
            expected_fix="""
import sqlalchemy as sa
from sqlalchemy.orm import Session

QUERY = "SELECT id " "FROM users"

def ids(session: Session):
    return session.execute(sa.text(QUERY)).all()
""",
        ),
        Invalid(
            """
from sqlalchemy.ext.asyncio import AsyncConnection

async def purge(conn: AsyncConnection):
    statement = "DELETE FROM events " + "WHERE expired"
    await conn.execute(statement)
""",
            at="conn.execute(statement)",
            expected_fix="""
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy import text

async def purge(conn: AsyncConnection):
    statement = "DELETE FROM events " + "WHERE expired"
    await conn.execute(text(statement))
""",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def name_of(item_id):
    with engine.connect() as conn:
        return conn.execute("SELECT name FROM items WHERE id = ?", (item_id,)).scalar()
""",
            at="conn.execute(",
            expected_fix="""
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def name_of(item_id):
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT name FROM items WHERE id = ?", (item_id,)).scalar()
""",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")
REPORT_TABLE = "monthly_report"

def clear_report():
    with engine.begin() as conn:
        conn.execute("DELETE FROM %s" % REPORT_TABLE)
""",
            at="conn.execute(",
            expected_fix="""
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")
REPORT_TABLE = "monthly_report"

def clear_report():
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM %s" % REPORT_TABLE))
""",
        ),
        Invalid(
            """
import sqlalchemy as sa
from alembic import op

def upgrade():
    conn = op.get_bind()
    conn.execute("UPDATE tickets SET status = 'open' WHERE status IS NULL")
""",
            at="conn.execute(",
            expected_fix="""
import sqlalchemy as sa
from alembic import op

def upgrade():
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE tickets SET status = 'open' WHERE status IS NULL"))
""",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session

def drop_team_cache(db: Session, team: str):
    db.execute(f"DELETE FROM report_cache WHERE team = '{team}'")
""",
            at="db.execute(",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for call in analysis.model.calls:
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value != "execute":
                continue
            argument = statement_argument(call)
            if argument is None:
                continue
            scope = scope_of(analysis, call)
            values = constant_values(argument.value, analysis, scope)
            if values is None and not is_string(argument.value, analysis, scope):
                continue
            receiver = statement_receiver(call, analysis, scope)
            if receiver is None or _old_version_fallback(analysis, call):
                continue
            method = (
                f"`{_RECEIVER_NOUNS[receiver.kind]}.execute()`"
                if receiver.kind is not None
                else "SQLAlchemy's `execute()`"
            )
            if values is not None and _driver_parameters(call, values):
                # `execute("... %s", (a, b))`: `text()` would not take those parameters.
                instead = (
                    "run it with `exec_driver_sql()`, which passes it to the driver as 1.x did"
                    if receiver.kind in (Kind.CONNECTION, Kind.ASYNC_CONNECTION)
                    else "use `text()` with `:name` parameters and a dict of values"
                )
                message = (
                    f"{method} does not accept the plain string "
                    f"`{code_of(argument.value)}` with driver placeholders in SQLAlchemy "
                    f"2.0; {instead}."
                )
            elif values is not None:
                message = (
                    f"{method} does not accept the plain string "
                    f"`{code_of(argument.value)}` in SQLAlchemy 2.0; wrap it in `text(...)`."
                )
            else:
                how = dynamic_construction(argument.value, analysis, scope)
                if how is not None:
                    message = (
                        f"{method} does not accept a plain string in SQLAlchemy 2.0, and this "
                        f"one is built with {how} from run-time values; pass `text()` with "
                        f"bound parameters instead."
                    )
                elif file_text(argument.value, scope):
                    message = (
                        f"{method} does not accept the text of a file as a plain string in "
                        f"SQLAlchemy 2.0; wrap it in `text(...)`."
                    )
                else:  # built from values that cannot carry SQL, such as `int(limit)`
                    message = (
                        f"{method} does not accept the plain string built with "
                        f"{construction(argument.value)} in SQLAlchemy 2.0; wrap it in `text(...)`."
                    )
            yield StringStatement(
                call, message, receiver=receiver.kind, values=values or [], built=values is None
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        tree = SourceTree.parse(source)
        call = tree.find_call(span) if tree is not None else None
        if tree is None or call is None:
            return None
        argument = statement_argument(call)
        if argument is None or not isinstance(call.func, cst.Attribute):
            return None
        if isinstance(finding, StringStatement) and finding.built:
            return None  # the values must become bound parameters: no mechanical fix
        if isinstance(finding, StringStatement) and _driver_parameters(call, finding.values):
            # 1.x sent a string with driver placeholders to the DBAPI as it was.
            if finding.receiver not in (Kind.CONNECTION, Kind.ASYNC_CONNECTION):
                return None
            method = tree.range_of(call.func.attr)
            span = Span(
                Position(method.start.line, method.start.column),
                Position(method.end.line, method.end.column),
            )
            return Fix(
                "Run the string as driver SQL with `exec_driver_sql()`",
                Applicability.SAFE,
                (TextEdit(span, "exec_driver_sql"),),
            )
        callee = text_callee(tree, len(split_lines(source)))
        if callee is None:
            return None
        name, import_edits = callee
        return Fix(
            f"Wrap the SQL string in `{name}(...)`",
            Applicability.SAFE,
            (*import_edits, *wrap_in_text(tree, argument.value, name)),
        )


def _driver_parameters(call: cst.Call, values: list[str]) -> bool:
    """Parameters passed for driver placeholders (`%s`, `%(name)s`, `?`) in the SQL."""
    return len(call.args) > 1 and any(_DRIVER_PLACEHOLDER.search(v) for v in values)


def _old_version_fallback(analysis: Analysis, call: cst.Call) -> bool:
    """In an `except AttributeError:` (or `ImportError`) handler: what runs where the
    API the `try` reached for is missing, an older SQLAlchemy (`try:
    conn.exec_driver_sql("BEGIN")` / `except AttributeError: conn.execute("BEGIN")`)."""
    for ancestor in analysis.model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.ExceptHandler) and ancestor.type is not None:
            caught = ancestor.type
            names = caught.elements if isinstance(caught, cst.Tuple) else [caught]
            for name in names:
                expr = name.value if isinstance(name, cst.Element) else name
                if isinstance(expr, cst.Name) and expr.value in _MISSING_API_ERRORS:
                    return True
    return False


_MISSING_API_ERRORS = frozenset({"AttributeError", "ImportError", "ModuleNotFoundError"})
