from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from ..diagnostics import Applicability, Fix, Span, TextEdit
from ..fixes.edits import split_lines
from ..fixes.syntax import SourceTree, compiles, fresh_name, names_used
from ..semantic import Analysis, Kind
from ._messages import code_of
from ._sql_fix import text_callee
from ._sql_text import constant_values, is_read, is_write, scope_of
from .base import Finding, Invalid, Rule, Valid

_LEGACY_METHODS = frozenset({"execute", "scalar"})
# Result methods that read everything the statement returns before the statement ends.
_CONSUMERS = frozenset(
    {
        "fetchall",
        "fetchone",
        "fetchmany",
        "all",
        "first",
        "one",
        "one_or_none",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
    }
)
_RESULT_VIEWS = frozenset({"scalars", "mappings", "tuples", "unique"})


@dataclass
class LegacyExecute(Finding):
    statement_values: list[str] | None = None  # the SQL, when it is a constant string


class LegacyEngineExecute(Rule):
    """`Engine.execute()` or `Engine.scalar()`, removed in SQLAlchemy 2.0.

    ## What it does
    Finds `engine.execute(...)` and `engine.scalar(...)` where `engine` is a
    SQLAlchemy `Engine` (from `create_engine()`, an `Engine` annotation, an
    untyped `engine` parameter in a module that uses SQLAlchemy, or that reads or
    writes pandas frames over SQL (pandas does so through SQLAlchemy), an unannotated
    parameter of a module-level function that every call of it in the project passes
    an engine, or an engine imported from another module of the project). `execute()`
    on connections and sessions, and look-alikes such as `sqlite3` connections, are
    not reported; nor is a name annotated `Union[Engine, Connection]` (`Engine | Connection`), which
    may hold either: the code tells them apart.

    ## Why is this bad?
    The "connectionless" execution of SQLAlchemy 1.x was deprecated in 1.4 and
    removed in 2.0: `Engine` has no `execute()` or `scalar()` any more, so the
    call raises `AttributeError` after the upgrade. It also hid two things that
    2.0 makes explicit: which connection runs the statement, and when the
    transaction commits (1.x "autocommit" guessed from the SQL text).

    ## Example
    ```python
    rows = engine.execute("SELECT id, name FROM users").fetchall()
    engine.execute(users.delete().where(users.c.active == False))
    ```

    ## Use instead
    ```python
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM users")).fetchall()
    with engine.begin() as conn:  # commits at the end of the block
        conn.execute(users.delete().where(users.c.active == False))
    ```

    ## Fix safety
    The fix puts the statement in a `with` block on a connection and wraps a
    plain SQL string in `text(...)`. It is offered for an expression statement,
    a simple assignment or a `return` whose result is read in the same
    statement (`.fetchall()`, `.all()`, `.scalar()`, `.first()`, `.one()`, ...);
    otherwise the result would be read after the connection is closed, and no
    fix is offered.

    The block is `engine.begin()`, which commits like 1.x autocommit did, when the
    SQL is a literal write (`INSERT`, `UPDATE`, `DELETE`, `CREATE`, `DROP`,
    `ALTER`, ...) or its result is discarded, and `engine.connect()` when it is a
    literal read. The fix is safe in those cases. A statement that is neither
    visibly a read nor discarded gets `engine.connect()` as an unsafe fix: if it
    writes (say `INSERT ... RETURNING`), `connect()` rolls it back; use
    `engine.begin()` then.

    ## References
    - [Migrating to SQLAlchemy 2.0: library-level "connectionless" execution removed](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#implicit-and-connectionless-execution-bound-metadata-removed)
    ## By SQLAlchemy version
    Where the project requires SQLAlchemy 2.x (its requirement files, or
    `sqlalchemy-version` in its configuration), this fails at run time and is
    reported as an error; where every version it allows is a 1.x, where this still
    works, it is a hint for the migration to 2.0, and the message says so. A
    `severity` the project or the editor sets for the rule wins.

    - [Working with Engines and Connections](https://docs.sqlalchemy.org/en/20/core/connections.html)
    """

    code = "SQA201"
    breaks_in_2_0 = True
    name = "legacy-engine-execute"

    VALID = [
        # `Union[Engine, Connection]`: the code tells them apart; `conn` is a connection
        # in the branch that runs `execute()` on it.
        Valid(
            """
from typing import Union

from sqlalchemy import Connection, Engine, text

def populate(engine_or_connection: Union[Engine, Connection]) -> None:
    if isinstance(engine_or_connection, Connection):
        conn = engine_or_connection
        conn.execute(text("UPDATE traces SET session_id = NULL"))
        conn.commit()
    else:
        with engine_or_connection.begin() as conn:
            conn.execute(text("UPDATE traces SET session_id = NULL"))
"""
        ),
        Valid(
            """
import sqlite3
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def ok():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM t"))
    db = sqlite3.connect("app.db")
    db.execute("SELECT 1")
"""
        ),
        Valid(
            """
from sqlalchemy.ext.asyncio import create_async_engine

class Runner:
    def execute(self, statement):
        return statement

engine = create_async_engine("sqlite+aiosqlite://")
runner = Runner()
runner.execute("SELECT 1")
"""
        ),
    ]
    VALID += [
        # Every call passes a connection: `Connection.execute()` stays.
        Valid(
            """
from sqlalchemy import create_engine, text

def purge(con):
    con.execute(text("DELETE FROM sessions"))

def main(url):
    with create_engine(url).begin() as conn:
        purge(conn)
"""
        ),
    ]
    # An attribute declared as an engine or another library's database: which one it
    # holds depends on who made the object (maubot's plugins get either).
    _PLUGIN = """
from mautrix.util.async_db import Database
from sqlalchemy.engine import Engine

class Plugin:
    def __init__(self, database: Engine | {other}None):
        self.database = database

class StorageBot(Plugin):
    def put(self, key, value):
        self.database.execute("INSERT INTO stored (key, value) VALUES ($1, $2)", key, value)
"""
    VALID += [Valid(_PLUGIN.format(other="Database | "))]
    # A parameter named `engine` that its only caller fills with a connection: what
    # the callers pass outweighs the name.
    _FIX_SEQUENCE = """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def fix_autoincrement(engine, table):
    engine.execute(text(f"SELECT setval('{{table}}_id_seq', 1)"))

def ingest(table):
    with engine.begin() as {handle}:
        fix_autoincrement({handle}, table)
"""
    VALID += [Valid(_FIX_SEQUENCE.format(handle="conn"))]
    INVALID = [
        Invalid(
            _FIX_SEQUENCE.format(handle="conn").replace(
                "with engine.begin() as conn:\n        fix_autoincrement(conn, table)",
                "fix_autoincrement(engine, table)",
            ),
            at="engine.execute(",
        ),
        Invalid(_PLUGIN.format(other=""), at="self.database.execute("),
        # Every call of `purge` passes an engine.
        Invalid(
            """
from sqlalchemy import create_engine, text

def purge(con):
    con.execute(text("DELETE FROM sessions"))

def main(url):
    engine = create_engine(url)
    purge(engine)
""",
            at="con.execute(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def names():
    rows = engine.execute("SELECT name FROM users").fetchall()
    return [r.name for r in rows]
""",
            at="engine.execute(",
            expected_fix="""
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def names():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name FROM users")).fetchall()
    return [r.name for r in rows]
""",
        ),
        Invalid(
            """
import sqlalchemy as sa

def purge(engine, events):
    # old rows only
    engine.execute(events.delete().where(events.c.expired))
""",
            at="engine.execute(",
            expected_fix="""
import sqlalchemy as sa

def purge(engine, events):
    # old rows only
    with engine.begin() as conn:
        conn.execute(events.delete().where(events.c.expired))
""",
        ),
        Invalid(
            """
from sqlalchemy import Engine

def total(engine: Engine, conn):
    return engine.scalar("SELECT count(*) FROM orders")
""",
            at="engine.scalar(",
            expected_fix="""
from sqlalchemy import Engine, text

def total(engine: Engine, conn):
    with engine.connect() as conn_1:
        return conn_1.scalar(text("SELECT count(*) FROM orders"))
""",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")
result = engine.execute("SELECT 1")
""",
            at="engine.execute(",
        ),
    ]

    # A helper's parameter named `engine`, whose only caller hands on its own
    # `session` parameter: a Session, whose `execute()` 2.0 keeps.
    _BATCHES = """
from sqlalchemy import update

def query_batches(engine, query, rows):
    for start in range(0, len(rows), 1000):
        engine.execute(query, rows[start : start + 1000])

def connect_wordforms(session, rows):
    query_batches({handle}, update(Wordform.__table__), rows)
"""
    VALID += [Valid(_BATCHES.format(handle="session"))]
    INVALID += [Invalid(_BATCHES.format(handle="session.get_bind()"), at="engine.execute(")]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for call in analysis.model.calls:
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in _LEGACY_METHODS:
                continue
            scope = scope_of(analysis, call)
            if analysis.contexts.handle_kind(func.value, scope) is not Kind.ENGINE:
                continue
            values = None
            if call.args and call.args[0].keyword is None:
                values = constant_values(call.args[0].value, analysis, scope)
            block = (
                "engine.begin()" if values is not None and is_write(values) else "engine.connect()"
            )
            block = block.replace("engine", code_of(func.value), 1)
            yield LegacyExecute(
                call,
                f"`Engine.{func.attr.value}()` was removed in SQLAlchemy 2.0; run the "
                f"statement on a connection: `with {block} as conn: "
                f"conn.{func.attr.value}(...)`.",
                statement_values=values,
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        values = finding.statement_values if isinstance(finding, LegacyExecute) else None
        tree = SourceTree.parse(source)
        call = tree.find_call(span) if tree is not None else None
        if tree is None or call is None or not isinstance(call.func, cst.Attribute):
            return None
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) != len(call.args) or not 1 <= len(positional) <= 2:
            return None
        if values is not None and len(positional) != 1:
            return None  # DBAPI-style positional parameters have no `text()` equivalent
        statement = tree.statement_of(call)
        located = tree.block_of(statement) if statement is not None else None
        if (
            statement is None
            or located is None
            or not isinstance(statement, cst.SimpleStatementLine)
        ):
            return None
        if len(statement.body) != 1:
            return None
        consumed = _consumed(statement.body[0], call)
        if consumed is None:
            return None
        method = call.func.attr.value
        discarded = isinstance(statement.body[0], cst.Expr) and method == "execute"
        if values is not None and is_write(values):
            opener, applicability = "begin", Applicability.SAFE
        elif values is not None and is_read(values):
            opener, applicability = "connect", Applicability.SAFE
        elif discarded:
            opener, applicability = "begin", Applicability.SAFE
        else:
            opener, applicability = "connect", Applicability.UNSAFE
        import_edits: tuple[TextEdit, ...] = ()
        first = call.args[0]
        if values is not None:
            callee = text_callee(tree, len(split_lines(source)))
            if callee is None:
                return None
            name, import_edits = callee
            first = first.with_changes(
                value=cst.Call(func=cst.parse_expression(name), args=[cst.Arg(first.value)])
            )
        function = tree.scope_of(statement)
        taken = names_used(function) if function is not None else frozenset()
        conn = fresh_name("conn", taken)
        new_call = call.with_changes(
            func=cst.Attribute(value=cst.Name(conn), attr=call.func.attr),
            args=[first, *call.args[1:]],
        )
        inner = statement.deep_replace(call, new_call)
        assert isinstance(inner, cst.SimpleStatementLine)
        opened = cst.Call(func=call.func.with_changes(attr=cst.Name(opener)))
        block = cst.With(
            items=[cst.WithItem(item=opened, asname=cst.AsName(name=cst.Name(conn)))],
            body=cst.IndentedBlock(body=[inner.with_changes(leading_lines=[])]),
            leading_lines=statement.leading_lines,
        )
        # Only the top-level statement holding the call is rebuilt and rendered: a
        # fix costs in proportion to what it rewrites, not to the module.
        container, index = located
        rewrite = tree.replace_in_block(container, index, index + 1, [block])
        if rewrite is None or not compiles(rewrite.new):
            return None
        lines = tree.range_of(statement)
        edit = rewrite.edit_covering(lines.start.line, lines.end.line)
        if edit is None:
            return None
        return Fix(
            f"Run the statement in `with {code_of(call.func.value)}.{opener}() as {conn}:`",
            applicability,
            (*import_edits, edit),
        )


def _consumed(small: cst.BaseSmallStatement, call: cst.Call) -> bool | None:
    """Whether the statement reads the whole result of `call` itself; None when the
    result outlives the statement (the connection would be closed under it)."""
    value: cst.BaseExpression | None
    if isinstance(small, (cst.Expr, cst.Return)) or (
        isinstance(small, cst.Assign) and len(small.targets) == 1
    ):
        value = small.value
    else:
        return None
    if value is call:
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
        return True if isinstance(small, cst.Expr) or method == "scalar" else None
    if isinstance(value, cst.Await):
        return None
    current = value
    terminal = True
    while isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
        method = current.func.attr.value
        if terminal and method not in _CONSUMERS:
            return None
        if not terminal and method not in _RESULT_VIEWS:
            return None
        terminal = False
        if current.func.value is call:
            return True
        current = current.func.value
    return None
