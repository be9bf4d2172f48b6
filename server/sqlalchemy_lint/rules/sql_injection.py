from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from ..semantic import Analysis, Kind
from ._sql_text import (
    STATEMENT_RECEIVERS,
    TEXT_CONSTRUCTORS,
    dynamic_construction,
    is_dbapi_cursor,
    receiver_kind,
    scope_of,
    statement_argument,
)
from .base import Finding, Invalid, Rule, Valid

_EXECUTE_METHODS = frozenset({"execute", "exec_driver_sql", "scalar", "scalars"})
_CURSOR_METHODS = frozenset({"execute", "executemany"})


class SqlInjection(Rule):
    """SQL text built from run-time values with string formatting.

    ## What it does
    Finds SQL strings built with an f-string, `%` formatting, `str.format()` or
    `+` concatenation from values that are not constants, when the string is
    passed to `text()`, to `execute()` / `exec_driver_sql()` on a SQLAlchemy
    connection or session, or to `cursor.execute()` on a DBAPI connection from
    `engine.raw_connection()`. The string may be built on an earlier line of the
    same function (`q = f"..."` then `conn.execute(text(q))`).

    Values that cannot carry SQL are not reported: literals, numbers, `int(...)`,
    names bound only to literals (`order = "ASC" if ascending else "DESC"`),
    module-level `UPPER_CASE` constants and loops over them, lists of constant
    clauses joined together (`" AND ".join(clauses)`) and placeholder lists
    (`", ".join(f":id{i}" for i in range(len(ids)))`). `sqlite3` and other libraries' cursors
    are not SQLAlchemy and are not reported.

    ## Why is this bad?
    A value formatted into SQL becomes part of the statement: a user name such as
    `x' OR '1'='1` changes what the query does, and can read or destroy any data
    the database account can reach. Quoting by hand is fragile. Bound parameters
    send the values separately from the SQL, so the database never parses them
    as SQL (and it can cache the statement's plan).

    ## Example
    ```python
    def find_user(conn, name):
        query = f"SELECT id FROM users WHERE name = '{name}'"
        return conn.execute(text(query)).first()
    ```

    ## Use instead
    ```python
    def find_user(conn, name):
        query = text("SELECT id FROM users WHERE name = :name")
        return conn.execute(query, {"name": name}).first()
    ```

    Identifiers (table or column names) cannot be bound parameters: choose them
    from a fixed set (`{"asc": "ASC", "desc": "DESC"}[direction]`) or use
    `select()` with `table.c[column_name]`.

    ## Fix safety
    No fix is offered: turning the formatted values into parameters needs a name
    for each, and a value that is an identifier cannot be a parameter at all.

    ## References
    - [Using Textual SQL with bound parameters](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#sending-parameters)
    - [`text()`](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
    - [OWASP: SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    """

    code = "SQA301"
    name = "sql-injection"

    VALID = [
        Valid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")
TABLE = "users"

def find(name, descending, limit):
    order = "DESC" if descending else "ASC"
    query = f"SELECT id FROM {TABLE} WHERE name = :name ORDER BY id {order} LIMIT {int(limit)}"
    with engine.connect() as conn:
        return conn.execute(text(query), {"name": name}).all()

def static(conn):
    return text("SELECT id " + "FROM users")
"""
        ),
        Valid(
            """
import sqlite3
import logging

def look_alikes(db: sqlite3.Connection, name, cursor):
    db.execute(f"SELECT id FROM users WHERE name = '{name}'")
    cursor.execute("SELECT id FROM users WHERE name = %s" % name)
    logging.info(f"looked up {name}")
    message = "SELECT %s" % name  # only a message, never executed
    return message
"""
        ),
        Valid(
            """
from sqlalchemy import text

def search(conn, name, ids):
    clauses, params = ["active"], {}
    if name:
        clauses.append("name = :name")
        params["name"] = name
    marks = ", ".join(f":id{i}" for i in range(len(ids)))
    params.update({f"id{i}": v for i, v in enumerate(ids)})
    sql = f"SELECT * FROM t WHERE id IN ({marks}) AND " + " AND ".join(clauses)
    return conn.execute(text(sql), params).all()
"""
        ),
        Valid(
            """
from sqlalchemy import text

def run(conn, statement):
    \"\"\"conn.execute(text(f"SELECT {statement}")) in a docstring is not code.\"\"\"
    return conn.execute(text(statement))
"""
        ),
    ]
    INVALID = [
        Invalid(
            """
from sqlalchemy import text

def find_user(conn, name):
    query = f"SELECT id FROM users WHERE name = '{name}'"
    return conn.execute(text(query)).first()
""",
            at="text(query)",
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def delete(table, ids):
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM %s WHERE id IN (%s)" % (table, ids))
""",
            at="conn.exec_driver_sql(",
        ),
        Invalid(
            """
import sqlalchemy as sa

def search(session, term):
    sql = "SELECT id FROM products WHERE name LIKE '%"
    sql += term + "%'"
    return session.execute(sa.text(sql)).all()
""",
            at="sa.text(sql)",
        ),
        Invalid(
            """
import contextlib
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def legacy(user_id):
    with contextlib.closing(engine.raw_connection()) as raw:
        cursor = raw.cursor()
        cursor.execute("SELECT * FROM users WHERE id = {}".format(user_id))
""",
            at="cursor.execute(",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        resolver = analysis.resolver
        for call in analysis.model.calls:
            func = call.func
            qualified = resolver.qualify(func)
            sink: str | None = None
            argument: cst.Arg | None = None
            scope = scope_of(analysis, call)
            if qualified in TEXT_CONSTRUCTORS:
                sink, argument = "text()", (call.args[0] if call.args else None)
            elif isinstance(func, cst.Attribute) and func.attr.value in _EXECUTE_METHODS:
                argument = statement_argument(call)
                if argument is None:
                    continue
                kind = receiver_kind(call, analysis, scope)
                if kind in STATEMENT_RECEIVERS or kind is Kind.ENGINE:
                    sink = f"`{func.attr.value}()`"
                elif func.attr.value in _CURSOR_METHODS and is_dbapi_cursor(
                    func.value, analysis, scope
                ):
                    sink = f"`cursor.{func.attr.value}()`"
            if sink is None or argument is None:
                continue
            how = dynamic_construction(argument.value, analysis, scope)
            if how is None:
                continue
            if sink == "text()":
                sink = "`text()`"
            yield Finding(
                call,
                f"SQL built with {how} from run-time values is passed to {sink}, which allows "
                f"SQL injection; pass the values as bound parameters instead, as in "
                f'`conn.execute(text("SELECT * FROM users WHERE id = :id"), {{"id": user_id}})`.',
            )
