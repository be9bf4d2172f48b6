from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import libcst as cst

from ..semantic import Analysis, Kind, Scope
from ..semantic.model import binding_scope
from ..semantic.sql_runners import FRAME_READERS, LITERAL_CONSTRUCTORS, TEXT_CONSTRUCTORS
from ..semantic.values import RefKind
from ._sql_text import (
    HANDLE_NAMES,
    QUERY_STRING_METHODS,
    augmented_values,
    clause_fragment,
    dbapi_sink,
    dynamic_construction,
    passed_through,
    scope_of,
    starts_as_a_name,
    statement_argument,
    statement_receiver,
    string_literal,
)
from .base import Finding, Invalid, Rule, Valid

# Metric classes whose `path` is a class constant, for the examples of `self.path`
# passed to a function of the checked module (`main`).
# Models whose `name` is text in one class (and a number in another), and a
# decorator that passes a row in, for the examples of attributes of unseen origin.
_NAMED_MODELS = """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.Text)

class Team(db.Model):
    name = db.Column(db.Integer)
"""
# A Flask-WTF form's data formatted into SQL; its `days` field is {days}.
_HARVEST_VIEW = """
from flask import Flask
from sqlalchemy import text

from db import session
from forms import HarvestForm

app = Flask(__name__)

@app.route("/harvest", methods=["POST"])
def harvest():
    form = HarvestForm()
    if form.validate_on_submit():
        sql = f"SELECT * FROM usage WHERE source = {form.source.data} AND age < {form.days.data}"
        rows = session.execute(text(sql)).all()
        return {"rows": len(rows)}
    return {"rows": 0}
"""
_HARVEST_FORM = """
from flask_wtf import FlaskForm
from wtforms import {days}, SelectField

class HarvestForm(FlaskForm):
    source = SelectField("Source", coerce=int)
    days = {days}("Days")
"""

# A term's references, selected by its language's id, and the models behind it.
_TERM_REFERENCES = """
from sqlalchemy import text

def references(session, term):
    return session.execute(
        text(f"SELECT TxID FROM texts WHERE LgID = {term.language.id} AND TxText LIKE :p"),
        {"p": f"%{term.text}%"},
    ).all()
"""
_TERM_MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

class Language(Base):
    __tablename__ = "languages"
    id = Column("LgID", SmallInteger, primary_key=True)

class DbTerm(Base):
    __tablename__ = "terms"
    id = Column("WoID", Integer, primary_key=True)
    language_id = Column(ForeignKey("languages.LgID"))
    language = relationship(Language)
    text = Column(String)

class Term:
    def __init__(self, term_id=None):
        self.id = {init}
        self.language = None
        self.text = ""
"""
# Sentences of the languages the code picks, by id.
_LANGUAGE_KEYS = """
{imports}from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from models import Language

engine = create_engine("sqlite://")

def {function}:
    with Session(engine) as session:
        picked = {{lang.id: lang for lang in {loop}}}
        ids = [f"{{k}}" for k in list(picked.keys())]
        sql = f"SELECT * FROM sentences WHERE LgID IN ({{','.join(ids)}})"
        return session.execute(text(sql)).all()
"""
_LOAD_USER = """
def load_user(view):
    return view
"""
_TASK_SERVICE = """
from sqlalchemy import text

class TaskService:
    @staticmethod
    def invalidated(
        session, username, closed=None, project=None, page=1, size=10,
        sort_by="updated_date", sort_direction="desc",
    ):
        order = sort_by + " " + sort_direction
        return session.execute(text("SELECT * FROM tasks ORDER BY " + order))
"""
_TASK_VIEW = """
from flask import request

from main import TaskService

SORT_COLUMNS = {{"updatedDate": {{"name": "updated_date"}}, "projectId": {{"name": "project_id"}}}}

def invalidated(session, username):
    sort_column = {{"updatedDate": "updated_date", "projectId": "project_id"}}
    if request.args.get("sortBy", "updatedDate") in sort_column:
        sort_column = {column}
    else:
        sort_column = sort_column["updatedDate"]
    if request.args.get("sortDirection") in ["asc", "desc"]:
        sort_direction = {direction}
    else:
        sort_direction = "desc"
    return TaskService.invalidated(
        session, username, None, None, 1, 10, sort_column, sort_direction
    )
"""
_METRICS = """
from main import feature

class LowLevelMetric:
    path = ""

    def data(self, conn, id):
        return feature(conn, id, self.path)

class MfccsMetric(LowLevelMetric):
    path = "data->'lowlevel'->'mfcc'->'mean'"
"""

# A view that hands a request's JSON to the checked module's `insert`.
_SAVE_REQUEST_JSON = """
from flask import request

from main import insert

def save(conn):
    insert(conn, request.get_json())
"""

# A project module whose helpers run the SQL they are given (and one that does not).
_SQL_RUNNERS = """
import logging

from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def exec_sql(sql):
    with engine.connect() as conn:
        return conn.execute(text(sql))

def log_sql(sql):
    logging.info(sql)

class Repository:
    def do_query(self, sql_string):
        return exec_sql(sql_string).fetchall()
"""

# A generic insert helper that formats in the table and the dict's keys.
_INSERT_HELPER = """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def insert(table: str, data: dict):
    columns = ", ".join(data.keys())
    placeholders = ", ".join([f":{k}" for k in data.keys()])
    sql = text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})")
    with engine.begin() as conn:
        conn.execute(sql, data)
"""


# A mapped class whose method loads a user, and a service that gets one through it
# and formats one of its columns into SQL (`{column}`).
_USER_SERVICE = """
from sqlalchemy import BigInteger, Column, String, text
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class User(Base):
    __tablename__ = "users"
    id = Column(BigInteger, primary_key=True)
    username = Column(String)

    def get_by_username(self, session, username):
        return session.query(User).filter_by(username=username).one_or_none()

class UserService:
    @staticmethod
    def get_user(session, username):
        user = User().get_by_username(session, username)
        if user is None:
            raise LookupError(username)
        return user

    @staticmethod
    def stats(session, username):
        user = UserService.get_user(session, username)
        sql = "SELECT count(*) FROM task_history WHERE user_id = '{{0}}'".format(user.{column})
        return session.execute(text(sql)).scalar()
"""

_EXECUTE_METHODS = frozenset({"execute", "scalar", "scalars"})
# Only SQLAlchemy's Connection has this method: its receiver needs no further evidence.
_DRIVER_SQL_METHOD = "exec_driver_sql"


# A station class whose methods pass the data kind through a check of their own
# before formatting it in as a column name.
_STATION = """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

class Station:
    _valid_kinds = {{"raw", "qc", "filled"}}

    def __init__(self, id):
        self.id = int(id)

    @classmethod
    def _check_kind(cls, kind, valids=None):
        if valids is None:
            valids = cls._valid_kinds
        if kind not in valids:
            {refuse}
        return kind
{method}"""
_KIND_REPLACED = """
    def filled_period(self, kind):
        kind = self._check_kind(kind)
        sql = 'SELECT min(ts) FROM "{stid}" WHERE "{kind}" IS NOT NULL'.format(
            stid=self.id, kind=kind
        )
        with engine.connect() as conn:
            return conn.execute(text(sql)).first()
"""
_KIND_CHECKED = """
    def mean(self, kind):
        self._check_kind(kind, valids={"raw", "qc"})
        with engine.connect() as conn:
            return conn.execute(text(f'SELECT avg("{kind}") FROM "{self.id}"')).scalar()
"""
_RAISES = 'raise ValueError(f"unknown kind {kind}")'
_LOGS = 'print("unknown kind", kind)'


# A Flask view on a raw DBAPI connection that puts the request's name into its SQL.
_ESCAPED_NAME = """
import html

from flask import Flask, request
from sqlalchemy import create_engine

app = Flask(__name__)
engine = create_engine("mysql+pymysql://app@db/oncall")
COLUMNS = {{"id": "`user`.`id`", "name": "`user`.`name`"}}

@app.get("/users")
def users():
    cols = ", ".join(map(COLUMNS.__getitem__, request.args.getlist("fields")))
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT %s FROM user WHERE name = %s" % (cols, {escape}(request.args["name"]))
        )
        return cursor.fetchall()
    finally:
        connection.close()
"""


_REPOSITORY_CORE = """
import re

from sqlalchemy import text

class RepositoryCore:
    @staticmethod
    def _validate_table_name(table_name: str):
        if not re.match(r"^[a-zA-Z0-9_]+$", table_name):
            raise ValueError(table_name)
        return True

    def _exists_clause(self, table_name: str):
        sql = f"SELECT 1 FROM information_schema.tables WHERE table_name = '{table_name}'"
        return text(sql)
"""
_REPOSITORY = """
from main import RepositoryCore

class Repository(RepositoryCore):
    def __init__(self, session):
        self.session = session

    def table_exists(self, table_name: str):
{check}        return self.session.execute(self._exists_clause(table_name)).scalar_one()
"""
_CHECK = "        self._validate_table_name(table_name)\n"


class SqlInjection(Rule):
    """SQL text built from run-time values with string formatting.

    ## What it does
    Finds SQL strings built with an f-string, `%` formatting, `str.format()` or
    `+` concatenation from values that are not constants, when the string is
    passed to `text()` or `literal_column()`, to `execute()` / `exec_driver_sql()` on
    a SQLAlchemy connection or session, to a legacy `Query`'s `filter()`,
    `order_by()`, `group_by()`, `having()` or `distinct()` (which took SQL strings in
    1.x), to `pandas.read_sql()` / `read_sql_query()` (and GeoPandas'
    `read_postgis()` / `GeoDataFrame.from_postgis()`) with a SQLAlchemy engine,
    connection or session, or to a DBAPI cursor (`execute()`, psycopg2's
    `copy_expert()`). The string may be built on an earlier line of the same
    function (`q = f"..."` then `conn.execute(text(q))`). Also `text()` or
    `literal_column()` given a value as it is, with no formatting, as a fragment of a
    query's `order_by()`, `where()`, `filter()`, `group_by()`, `having()` or
    `distinct()`, when the value is a request's or the command line's content
    (`order = request.args.get("order")`, or what a project function makes of it:
    `convert_sort(sort)` returning `",".join(sort.split("-"))`) or the function's
    parameter (or that trimmed, `order_by.removeprefix("-")`) that its callers are
    not known to give only the program's own values. A `read_sql()` string that
    starts with a literal word no statement begins with, and no space
    (`"symbol-" + ticker`), is a table's name: nothing appended makes it run a statement.

    Sinks are recognised by what they are, not by their names:

    - SQLAlchemy's functions, also as Flask-SQLAlchemy's extension hands them out
      (`db.text(...)`, `db.literal_column(...)`);
    - SQLAlchemy connections and sessions (from `engine.connect()`,
      `Session(engine)`, annotations, ...), Alembic's `op.get_bind()`, and a
      `with x.begin() as conn:` / `x.connect()` block on an unknown `x`, or an
      unannotated parameter, whose `conn` also runs `exec_driver_sql()` or
      `execute(text(...))` (only SQLAlchemy takes those), or an unannotated
      parameter of a module-level function that every call of it in the project
      passes an engine, connection or session (`push_rows(con, rows)` called as
      `push_rows(engine, rows)`). `exec_driver_sql()` exists only in SQLAlchemy, so it is a sink
      whatever its receiver.
    - An untyped parameter named as a database handle is (`session`, `conn`,
      `connection`, `db`, `cursor`, `cur`, ...) whose `execute()` is given text that
      visibly starts as a statement does (`f"DROP DATABASE {target}"`): whatever
      the handle turns out to be, it runs the text as SQL.
    - DBAPI cursors: `cursor()` of `engine.raw_connection()` or of a driver's
      `connect()` (`sqlite3`, `psycopg2`, `psycopg`, `pymysql`, `MySQLdb`,
      `mysql.connector`, `mariadb`, `cx_Oracle`, `oracledb`, `pyodbc`, `pymssql`),
      including `with conn.cursor() as cur`, and the `execute()` /
      `executemany()` / `executescript()` shortcuts of `sqlite3` (and `psycopg`)
      connections. DuckDB's Python API is not a DBAPI sink here: it is not used
      through SQLAlchemy and mostly queries local files.
    - The project's own helpers that run a parameter as SQL text (`def
      exec_sql(sql): ... conn.execute(text(sql))`, in any module, methods too, and
      helpers that hand it to such a helper, a few calls down): the call that
      formats run-time values into the argument (`exec_sql(f"... '{srnumber}'")`)
      is reported, since that is where the values enter the SQL. A session the
      helper takes with `with app.session_scope() as session:` from an object the
      checker does not know (a framework's app class) counts as a session:
      `session_scope()` is SQLAlchemy's documented name for that context manager.

    A statement given whole, as a SQL console runs what its user typed, is the code's
    to run, not a value put into SQL of its own: an f-string whose first field is
    followed only by a `LIMIT`, `OFFSET` or `FETCH` clause (`f"{query} LIMIT
    {limit}"`), or preceded only by `EXPLAIN` (`f"EXPLAIN ANALYZE {query}"`), is
    judged by its other fields alone.

    Values that cannot carry SQL are not reported: literals, numbers, `int(...)`, loop
    counters (`for i in range(n)`, the index of `enumerate()`), a parameter annotated as
    a number, a date or a UUID (also `Optional[int]`, `int | None`), as a SQLAlchemy
    column type (`TypeEngine`: it formats as its DDL name) or as one of the project's
    enumerations (`sort_col: SortColumn`, and its `.value` or `.name`: FastAPI and the
    like validate it against the members), arithmetic with a number written in the code
    (`motor_id % SHARDS`, `page - 1`), names bound only to literals (`order = "ASC" if
    ascending else "DESC"`, or either side of `or`: `" AND ".join(clauses) or "1"`),
    module-level `UPPER_CASE` constants and loops over them, lists of constant clauses
    joined together (`" AND ".join(clauses)`, also when the function adds only literals
    to the list, `conditions.append("m.study_id = :study_id")`), text that every
    `return` of a project function or method builds so, whatever it is given (`where,
    params = self._where(filters)`), what a project helper returns of the literals its
    caller gives it (`pick_first(cols, ["created_at", "ts"])`, which returns one of the
    candidates or `None`), placeholder lists (`", ".join(f":id{i}" for i in
    range(len(ids)))`), the keys of a dict the code keys by such values over what is not
    input (`{lang.id: lang for lang in session.query(Language)}`, also copied,
    `list(langs.keys())`), and lookups in a fixed table: `ORDERABLE[key]`,
    `ORDERABLE.get(key, "created_at")` or `map(ORDERABLE.__getitem__, keys)` where
    `ORDERABLE` is a dict (or tuple) literal of constants, bound once and never changed
    in the module, values the function checks against allowed ones first (`if order not
    in ("ASC", "DESC"): raise ...`, also after a call that says why,
    `logger.critical(...); sys.exit(2)`, or a replacement by a constant, or a call of a
    function of the module, or of a method of the class on `self`, that raises on any
    other value: `self._check_kind(kind)`, or `kind = self._check_kind(kind)` where it
    returns the checked value, or a lookup of it as a key of a dict the module binds, on
    every path, `models[f"model{station}"]`, which raises `KeyError` on any other) or
    that a test around the use compares with a number (`if size > 1:`: a text raises
    `TypeError` there), or an argparse option declared with `choices=` among literals
    (also recased, `args.pos.lower()`), or a Flask-WTF form's field declared a number,
    date or boolean field, or a choice field with `coerce=int` (`form.source.data`: the
    form refuses what does not convert), or whose characters it checks first (`if not
    name.isidentifier(): raise ...`, `if not re.fullmatch(r"[a-z0-9_]+", name): raise
    ...`) or strips of all but word characters (`re.sub(r"[^a-z0-9_]", "", name)`, then
    cut, stripped or recased, or a project function that returns that, as
    `sanitize(key)`; not with `count=`, nor a replacement that puts the match back),
    text escaped as a SQL literal (`name.replace("'", "''")`, a DBAPI connection's
    `connection.escape(name)`, or a project function every `return` of which is that,
    alone or between quotes: `literal_string(name)`), a mapped class's `__tablename__`,
    the name a schema object of the models declares (`table.name`, `column.name`,
    `constraint.name`, `index.name`). psycopg's
    `sql.SQL("...").format(sql.Identifier(name))` is the driver's safe composition and
    is not `str.format()`; names quoted by the dialect
    (`conn.dialect.identifier_preparer.quote(name)`, SQLAlchemy-Utils' `quote(conn,
    name)`) are escaped identifiers, a geometry's text is WKT (a shapely geometry, a
    GeoPandas geometry column's element, `.wkt`, `shapely.wkt.dumps(...)`, known by the
    frame's annotation or how it was read) and a CRS's `to_epsg()` an integer, and SQL
    that SQLAlchemy compiled from its own constructs (`column.type.compile(dialect)`,
    `str(stmt.compile())`, `dialect.type_compiler.process(type_)`) has its values bound
    or escaped.

    A function's parameter is what the project's calls give it (the calls outside its
    tests, when there are any: the suite passes its own data): a parameter that every
    call in the project (in any module) passes a literal, a literal container (`{"repo":
    "endpoint"}`, `["users"]`), literals joined to constants (`"varchar(" + PATH_LENGTH
    + ")"`), a class of the project or an attribute of one (`User.mfa`, a mapped column:
    the program's own schema), an enum member's value, or leaves at a literal default is
    not input; nor is one that every call gives a value the caller made itself: a number
    (`int(x)`, `len(rows)`), one of the caller's own parameters that is not input by the
    same test (followed up to four calls, across modules) or that the caller checks
    first as above (`if not re.match(r"^\\w+$", name): raise`, or a statement
    `self._validate_table_name(name)` calling a project function or method, in any
    module, that refuses any other value so), or a column that is not text (a number,
    boolean, date or UUID) of a row the program loaded (`repo.repo_id`, where `repo`
    came from `session.get(Repo, ...)`, `session.query(Repo)...one()`, `select(Repo)`,
    or a project function or method returning one, or the `target` of an
    `after_insert`/`after_update`/`after_delete` mapper event's listener, and
    `Repo.repo_id = Column(BigInteger, ...)` or `Mapped[int]`; where the object comes
    from is not seen, a relationship's target or what a decorator passes in,
    `term.language.id`, when every mapped class of the project maps that attribute so
    and no other class gives it more than a placeholder, `self.id = None`), or the
    values of such a column that a query selects alone
    (`set(session.scalars(select(User.id)).all())`, `(await db.execute(q)).scalars()` of
    `q = select(User.id).where(...)`), or a class constant (`self.path`, where the class
    and each subclass that sets `path` set it to a literal, and no method assigns it on
    an instance), or an item of a literal list the caller loops over (`for table in
    ["users", "roles"]`, `for table, column in COLUMNS` of literal pairs), or a pytest
    test's or fixture's own parameter, or an Airflow task's (the DAG's `op_kwargs`), or
    an item of one (`table_names["taxi"]` passed on to a conftest helper: pytest fills
    them with the suite's data), or a parameter of a test module's helper only tests
    call (the suite's own data), or an item of a tuple a project function or method
    returns (`unit, count = self.parse(period)`) that the program made, arithmetic of
    such values (`count * 7`), or an item of a dict of literals another module binds. A
    parameter of a function nothing in the project calls (a library's API, a handler the
    framework calls), or only its tests call, is input. A parameter rebound on every
    path before its use (`offset = int(offset)`) is what the rebinding gives it, and a
    project function whose every `return` gives a string literal gives constants.

    A value in an identifier's place (`FROM {table}`, `TRUNCATE TABLE
    staging_{name}`, `{schema}.{table}`, `ORDER BY {column}`, `INSERT INTO t
    ({columns})`, a trigger's or an index's
    `ON {table}`, MERGE's `INSERT ({columns})`, `SET ROLE {role}`,
    `search_path = {schema}`, `:{key}`, `{column} = :value`,
    `{column} = tmp.{column}`) cannot be a bound parameter: the
    program picks its tables and columns, often several calls away
    (`self.table_for(kind)`), so there only evident input is reported: a request's
    or the command line's content (Flask's `request` also when `from flask import *`
    brings it; also the arguments of a subcommand's action,
    `run(args)` of a class that declares them in `add_arguments`), a parameter of a
    function nothing in the project calls (an API's, a handler's; not one a table holds, `{"users":
    self.load_users}`, or that `getattr` may fetch) or that a call fills with such input
    (`insert(conn, request.get_json())`, followed up to four calls; not a value the
    caller first checks against allowed ones, leaving when it is not one of them:
    `if info not in LEADERBOARDS: abort(404)`), text built from
    one, or a project function's result that returns the input it was given. A value
    in a literal's place (`WHERE name = '{name}'`, `id = {id}`) is held to the tests
    above. A framework's own way of calling a function (`load.override(...)(name=job)`
    of an Airflow task, `send.delay(...)`, `flow.submit(...)`) hides its arguments,
    as a table does. Of a local's assignments, those in another branch of an `if`
    than the use (and no loop around) are not its value there.

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
    from a fixed set (`{"asc": "ASC", "desc": "DESC"}[direction]`), quote them
    with the dialect's `identifier_preparer.quote(name)`, or use `select()` with
    `table.c[column_name]`.

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
        # The only caller checks the name first, through a method of this class
        # (from a subclass in another module) that refuses anything but word characters.
        Valid(_REPOSITORY_CORE, files={"repository.py": _REPOSITORY.format(check=_CHECK)}),
        # Every call gives the limit a literal or `None` (or leaves its default).
        Valid(
            """
import pandas as pd

from app.db import engine

def audit_log(limit=100):
    if limit is None:
        query = "SELECT * FROM audit_log ORDER BY ts DESC"
    else:
        query = f"SELECT * FROM audit_log ORDER BY ts DESC LIMIT {limit}"
    return pd.read_sql(query, engine)

def dashboard():
    return audit_log(limit=100), len(audit_log(limit=None)), audit_log()
""",
            files={
                "app/__init__.py": "",
                "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
            },
        ),
        # A statement extended with constant clauses: `str()` of a `text()` is its
        # text, and the filters' values are bound.
        Valid(
            """
from flask import request
from sqlalchemy import text

def campaigns(db, user_id):
    query = text("SELECT id, name FROM campaigns WHERE user_id = :user_id")
    params = {"user_id": user_id}
    status = request.args.get("status")
    if status:
        query = text(str(query) + " AND status = :status")
        params["status"] = status
    brand_id = request.args.get("brand_id")
    if brand_id:
        query = text(str(query) + " AND brand_id = :brand_id")
        params["brand_id"] = brand_id
    query = text(str(query) + " ORDER BY created_at DESC")
    return db.execute(query, params).all()
"""
        ),
        # The route's converter makes `kiosk_id` an int before the view runs: a request
        # for `/chartdata/x.js` never reaches it.
        Valid(
            """
from flask import Flask
from sqlalchemy import text

from db import session

app = Flask(__name__)

@app.route("/chartdata/<int:kiosk_id>.js")
def chart_data(kiosk_id=None):
    sql = f"SELECT added, bikes FROM stations WHERE kiosk_id = {kiosk_id}"
    return session.execute(text(sql)).all()
"""
        ),
        # ... also in the helper the view hands it to.
        Valid(
            """
from flask import Flask
from sqlalchemy import text

from db import session

app = Flask(__name__)

def fetch_chart_data(kiosk_id=None):
    return session.execute(text(f"SELECT added FROM stations WHERE kiosk = '{kiosk_id}'")).all()

@app.route("/chartdata/<int:kiosk_id>.js")
def chart_data(kiosk_id=None):
    return fetch_chart_data(kiosk_id=kiosk_id)
"""
        ),
        # Only in the branch where the search is letters and digits: it can close no
        # quote and start no clause.
        Valid(
            """
from flask import request
from sqlalchemy import or_, text

def station_filter():
    search = request.args["q"]
    if search.isalnum():
        return or_(
            text(f"station->'properties'->>'name' ILIKE '%%{search}%%'"),
            text(f"station->'properties'->>'street' ILIKE '%%{search}%%'"),
        )
    return None
"""
        ),
        # Every call passes a column of a mapped class: the program's own schema.
        Valid(
            """
from sqlalchemy import Column, Integer, String, text
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    mfa = Column(String)

def column_exists(conn, column):
    table_name = column.table.fullname
    sql = "SELECT 1 FROM information_schema.columns WHERE table_name='%s' AND column_name='%s'" % (
        table_name,
        column.name,
    )
    return conn.execute(text(sql)).first() is not None

def update_schema(conn):
    return column_exists(conn, User.mfa)
"""
        ),
        # Every call gives literals, or an enum member's value: the program's own text.
        Valid(
            """
import enum

from sqlalchemy import text

class Language(enum.Enum):
    SQL = "SQL"
    PLPGSQL = "plpgsql"

def create_function(name, args, body, language):
    template = "CREATE FUNCTION {name} ({args}) AS $${body}$$ LANGUAGE {language}"
    return text(template.format(name=name, args=args, body=body, language=language))

length = create_function(
    name="LEN", args="s VARCHAR", body="SELECT LENGTH(s)", language=Language.SQL.value
)
"""
        ),
        # A mapper event's target after the insert: the database took `user_id` as an
        # integer (another class's text `user_id` does not make this one text).
        Valid(
            """
from sqlalchemy import Column, Integer, String, event
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class TaskRun(Base):
    __tablename__ = "task_run"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer)

class Invitation(Base):
    __tablename__ = "invitation"
    id = Column(Integer, primary_key=True)
    user_id = Column(String)

@event.listens_for(TaskRun, "after_insert")
def on_submit(mapper, conn, target):
    conn.execute(f'UPDATE "user" SET notified_at = NULL WHERE id = {target.user_id}')
"""
        ),
        # An Airflow task's arguments are the DAG's `op_kwargs`, not input.
        Valid(
            """
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine

engine = create_engine("postgresql://etl@db/dw")

def add_primary_key(table_name):
    with engine.connect() as connection:
        connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD PRIMARY KEY (id)")

task = PythonOperator(
    task_id="pk", python_callable=add_primary_key, op_kwargs={"table_name": "scooters_new"}
)
"""
        ),
        # A handle's `execute()` given text that is no statement (a shell command).
        Valid(
            """
from app.db import Session

def list_files(session, path):
    session.execute(f"ls -l {path}")
"""
        ),
        Valid(
            """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("sqlite:///prices.db")

def load(symbols):
    frames = {}
    for symbol in symbols:
        name = "symbol-" + symbol  # a table's name: no statement starts that way
        frames[symbol] = pd.read_sql(name, engine)
    return frames
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine, text

class Crawler:
    def __init__(self, url):
        self.engine = create_engine(url)

    def pull(self, indicators):
        for indicator in indicators:
            table = indicator.lower().replace(" ", "_")
            with self.engine.begin() as conn:
                conn.execute(text(f"SELECT create_hypertable('{table}', 'ts')"))

def main():
    # The only call passes a list of the program's own names.
    indicators = ["Physical Flow", "Allocation"]
    Crawler("postgresql://etl@db/energy").pull(indicators)
"""
        ),
        # A shard number: arithmetic on the task's argument gives a number.
        Valid(
            """
from celery import Celery
from sqlalchemy import create_engine, text

SHARDS = 3
app = Celery("tasks")
engine = create_engine("postgresql://app@db/app")

@app.task
def pending(motor_id):
    shard = motor_id % SHARDS
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM readings_{} LIMIT 10".format(shard))).all()
"""
        ),
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
import logging

import duckdb
from psycopg2 import connect, sql

def look_alikes(dsn, name, table, cursor):
    cursor.execute("SELECT id FROM users WHERE name = %s" % name)  # not visibly a cursor
    logging.info(f"looked up {name}")
    message = "SELECT %s" % name  # only a message, never executed
    duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{table}')")
    with connect(dsn) as pg, pg.cursor() as cur:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        cur.execute("SELECT id FROM users WHERE name = %s", (name,))
    return message
"""
        ),
        Valid(
            """
from sqlalchemy import text

ORDERABLE = {"created": "created_at", "title": "title"}

def listing(conn, order, direction):
    column = ORDERABLE.get(order, "created_at")
    way = {"asc": "ASC", "desc": "DESC"}[direction]
    return conn.execute(text(f"SELECT id FROM tickets ORDER BY {column} {way}")).all()
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
        Valid(
            """
from sqlalchemy import text
from sqlalchemy_utils import quote

def drop(conn, table, database):
    preparer = conn.dialect.identifier_preparer
    conn.execute(text(f"DROP TABLE {preparer.quote(table)}"))
    conn.execute(text(f"DROP DATABASE {quote(conn, database)}"))
"""
        ),
    ]
    VALID += [
        # The view takes the request's value only when it is one of the table's keys
        # (`.get(k)` tested, `[k]` taken: the same item).
        Valid(
            """
from flask import Flask, request
from sqlalchemy import text

from app.db import db

app = Flask(__name__)
RESOURCE_TYPES = {"OGC:WMS": "Web Map Service", "OGC:WFS": "Web Feature Service"}

def health_summary(resource_type=None):
    filters = ()
    if resource_type is not None:
        filters = filters + (text("resource_type = '%s'" % resource_type),)
    return db.session.query(db.Resource).filter(*filters).count()

@app.route("/resources")
def resources():
    resource_type = None
    if request.args.get("resource_type") in RESOURCE_TYPES.keys():
        resource_type = request.args["resource_type"]
    return str(health_summary(resource_type))
""",
            files={"app/__init__.py": "", "app/db.py": "db = None\n"},
        ),
        # The view that passes the request's value checks it against the allowed ones
        # first and leaves when it is not one of them: the helper's name is the
        # program's choice.
        Valid(
            """
from flask import Flask, abort, current_app
from sqlalchemy import text

from app.db import db

app = Flask(__name__)

def get_leaderboard(top_users, info=None):
    view = "users_rank_%s" % info if info else "users_rank"
    sql = text('SELECT * FROM "{}" WHERE rank <= :top'.format(view))
    return db.session.execute(sql, {"top": top_users}).all()

@app.route("/leaderboard/<info>")
def leaderboard(info):
    leaderboards = current_app.config.get("LEADERBOARDS")
    if leaderboards is None or info not in leaderboards:
        return abort(404)
    return str(get_leaderboard(20, info=info))
""",
            files={"app/__init__.py": "", "app/db.py": "db = None\n"},
        ),
    ]
    VALID += [
        # Parameters typed with the program's own enumerations (FastAPI validates
        # them): the column and direction are one of the enum's members.
        Valid(
            """
from enum import Enum

from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI()

class SortColumn(str, Enum):
    timestamp = "created_at"
    price = "line_item_total"

class SortOrder(str, Enum):
    asc = "ASC"
    desc = "DESC"

@app.get("/orders")
def search_orders(
    conn,
    name: str = "",
    sort_col: SortColumn = SortColumn.timestamp,
    sort_order: SortOrder = SortOrder.desc,
):
    query = "SELECT * FROM orders WHERE name ILIKE :name ORDER BY {col} {order}".format(
        col=sort_col.value, order=sort_order
    )
    return conn.execute(text(query), {"name": f"%{name}%"}).all()
"""
        ),
    ]
    VALID += [
        Valid(
            """
import sqlalchemy as sa
from alembic import op

def upgrade():
    # Values the program reads from its own database are not outside input
    # (second-order injection is not followed).
    bind = op.get_bind()
    for (role,) in bind.execute(sa.text("SELECT name FROM roles")):
        bind.execute(sa.text(f"GRANT SELECT ON reports TO {role}"))

async def default_queues(session):
    pool = (await session.execute(sa.text("SELECT id FROM pools WHERE name = 'default'"))).scalar()
    return await session.execute(sa.text(f"SELECT id FROM queues WHERE pool_id = '{pool}'"))
"""
        ),
        Valid(
            """
import enum
import sqlite3

import pandas as pd
from slugify import slugify
from sqlalchemy import create_engine, text


class Status(enum.Enum):
    DONE = "done"

engine = create_engine("sqlite://")

def listing(conn, order, sort_order="ASC"):
    if order not in ("created_at", "title"):
        order = "created_at"
    if sort_order.upper() not in ("ASC", "DESC"):
        raise ValueError("sort_order must be ASC or DESC")
    return conn.execute(text(f"SELECT id FROM tickets ORDER BY {order} {sort_order}")).all()

def frame(table):
    return pd.read_sql(f"SELECT * FROM {table}", sqlite3.connect("local.db"))

def _update_sequence(conn, table, sequence):
    conn.execute(text(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))"))

def resync(conn):
    _update_sequence(conn, "users", "users_id_seq")
    _update_sequence(conn, "posts", sequence="posts_id_seq")

def attach(conn, path, window):
    conn.execute(text("ATTACH DATABASE '{}' AS app".format(path.replace("'", "''"))))
    conn.execute(text("SELECT avg(x) OVER (ROWS %d PRECEDING) FROM t" % window))
    where = str()
    return conn.execute(text("SELECT 1" + where))

def year_table(conn, year: int, status, sort, order):
    table = "year_in_music_" + str(year)
    conn.execute(text(f"SELECT data FROM {table} WHERE status = '{Status.DONE.name}'"))
    if sort in ["title", "created_at"] and order in ("asc", "desc"):
        return conn.execute(text(sort + " " + order)).all()

def by_slug(conn, name):
    slug = slugify(name)
    return conn.execute(text(f"SELECT id FROM orgs WHERE slug = '{slug}'")).all()

def filtered(conn, user_id):
    where = ""
    if user_id:
        where = " WHERE user_id = :user_id"
    where = " AND archived IS FALSE" + where
    return conn.execute(text("SELECT id FROM tickets" + where), {"user_id": user_id}).all()

def to_entity_column(entity):
    if entity not in {"recording", "release"}:
        raise ValueError(f"unsupported entity: {entity}")
    return f"{entity}_mbid"

def top_entities(conn, entity, artist):
    column = to_entity_column(entity)
    query = "SELECT " + column + " FROM top_" + entity + " WHERE artist = :artist"
    return conn.execute(text(query), {"artist": artist}).all()

def top_entities_long(conn, entity, artist, limit: int):
    column = to_entity_column(entity)
    query = (
        "SELECT " + column + ", count(*) AS n FROM top_" + entity + " AS t"
        + " JOIN " + entity + " AS e ON e.id = t." + column + " WHERE artist = :artist"
        + " GROUP BY " + column + " ORDER BY n DESC, " + column + " LIMIT " + str(limit)
    )
    return conn.execute(text(query), {"artist": artist}).all()

def page(conn, offset, limit=20):
    # The caller's value never reaches the SQL: both names are rebound first.
    offset = int(offset)
    limit = min(int(limit), 100)
    return conn.execute(text(f"SELECT id FROM tickets LIMIT {limit} OFFSET {offset}")).all()
"""
        ),
    ]
    VALID += [
        Valid(
            """
from sqlalchemy import text

def restart_sequence(conn, table_name, column="id"):
    # Public, but every call in the project gives it literals (or its default).
    sequence = f"{table_name}_{column}_seq"
    conn.execute(text(f"SELECT setval('{sequence}', (SELECT max({column}) FROM {table_name}))"))

def filter_duplicates(conn, columns, tables):
    for table in tables:
        for name, column in columns.items():
            conn.execute(text(f"DELETE FROM {table} WHERE {name} IS NULL OR {column} IS NULL"))

def upgrade(conn):
    restart_sequence(conn, "usersetting")
    restart_sequence(conn, "token", column="token_id")
    filter_duplicates(conn, {"cm_api_endpoint_repo": "endpoint"}, ["chaoss_metric_status"])
"""
        ),
        Valid(
            """
import pandas as pd
import streamlit as st
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def load_table(table_name, engine):
    # A public function, but of a Streamlit page: nothing imports a page, and the
    # page's only call passes a literal.
    return pd.read_sql(f"SELECT * FROM {table_name}", engine)

st.dataframe(load_table("finances", engine))
"""
        ),
        Valid(
            """
from sqlalchemy import text

from tables import rain_table

def rainfall(conn, idf, site):
    # rain_table() returns one of two literals, whatever it is given.
    table = rain_table(idf)
    return conn.execute(text(f"SELECT * FROM {table} WHERE site = :site"), {"site": site})
""",
            files={
                "tables.py": """
def rain_table(idf: bool) -> str:
    name = "rainfall_depth" if idf is False else "rainfall_intensity"
    return name
"""
            },
        ),
        Valid(
            """
from sqlalchemy import inspect, text

from columns import column_or

def copy_locks(decl_base, engine, backup: str, cols: list):
    # column_or() returns one of the two literals it is given, whichever it picks.
    side = column_or(cols, "side", "'*'")
    decl_base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                f'''insert into pairlocks (id, side)
        select id, {side} side
        from {backup}
        '''
            )
        )

def check_migrate(engine, decl_base):
    inspector = inspect(engine)
    copy_locks(decl_base, engine, "locks_bak", inspector.get_columns("pairlocks"))
""",
            files={
                "columns.py": """
def has_column(columns: list, name: str) -> bool:
    return len(list(filter(lambda x: x["name"] == name, columns))) == 1

def column_or(columns: list, column: str, default: str) -> str:
    return default if not has_column(columns, column) else column
"""
            },
        ),
        Valid(
            """
from sqlalchemy import text
from sqlalchemy.orm import Session

from models import Repo

def run_query(query, how="one"):
    return query.one() if how == "one" else query.all()

def get_repo(conn, git_url):
    session = Session(bind=conn)
    query = session.query(Repo).filter(Repo.repo_git == git_url)
    return run_query(query, "one")

def refresh_counts(conn, repo_id):
    # Every call passes on `repo.repo_id` (through a method of another module): an
    # integer column of a row the program loaded.
    conn.execute(text(f"UPDATE counts SET n = n + 1 WHERE repo_id = {repo_id}"))
""",
            files={
                "models.py": """
from sqlalchemy import BigInteger, Column, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class Repo(Base):
    __tablename__ = "repo"
    repo_id = Column(BigInteger, primary_key=True)
    repo_git = Column(String)
""",
                "collect.py": """
from sqlalchemy import text

from main import get_repo, refresh_counts

class Collector:
    def collect(self, conn, git_url):
        repo = get_repo(conn, git_url)
        self._process(conn, repo.repo_id)
        conn.execute(text(f"UPDATE repo SET seen = true WHERE repo_id = {repo.repo_id}"))

    def _process(self, conn, repo_id):
        refresh_counts(conn, repo_id)

    def collect_default(self, conn):
        self._process(conn, DEFAULT_REPO_ID)  # a module constant, one call further up

DEFAULT_REPO_ID = 1
""",
            },
        ),
        Valid(
            """
from sqlalchemy import text

def send_insight(conn, insight):
    # Every call passes a dict literal whose "repo_id" is a number.
    sql = "SELECT repo_git FROM repo WHERE repo_id = {}".format(insight["repo_id"])
    return conn.execute(text(sql)).first()

def classify(conn, rows):
    for row in rows:
        record = {"repo_id": int(row[0]), "metric": row[1]}
        send_insight(conn, record)
    send_insight(conn, {"repo_id": 0, "metric": "all"})  # a literal dict
"""
        ),
        Valid(
            """
from sqlalchemy import text

def feature(conn, id, path):
    # Every call passes `self.path`: a class constant of each metric class.
    query = text("SELECT %(path)s AS data FROM lowlevel_json WHERE id = :id" % {"path": path})
    return conn.execute(query, {"id": int(id)}).first()
""",
            files={
                "metrics.py": _METRICS
                + """
class BpmMetric(LowLevelMetric):
    path = "data->'rhythm'->'bpm'"
"""
            },
        ),
        Valid(
            """
import geopandas as gpd
import shapely.wkt
from sqlalchemy.engine import Engine

def roads(engine: Engine, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # A geometry's text is WKT (numbers and keywords), an EPSG code an integer.
    polygon = area["geometry"][0]
    crs = area.crs.to_epsg()
    buffered = area.to_crs(2193).buffer(100).iloc[0]
    wkt = shapely.wkt.dumps(buffered, rounding_precision=6)
    query = (
        f"SELECT * FROM roads WHERE ST_Intersects(geometry, ST_GeomFromText('{polygon}', {crs}))"
        f" OR ST_Intersects(geometry, ST_GeomFromText('{wkt}', 2193))"
    )
    return gpd.GeoDataFrame.from_postgis(query, engine, geom_col="geometry")
"""
        ),
    ]
    VALID += [
        # What a schema object is called in the program's model: a `Table`'s name,
        # reached as `table.name` or as a column's `.table.fullname`; a column's.
        Valid(
            """
from sqlalchemy import text

def table_exists(conn, table):
    sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name = '%s'" % table.name
    return conn.execute(text(sql)).first() is not None

def column_exists(conn, column):
    table_name = column.table.fullname
    sql = "SELECT 1 FROM information_schema.columns WHERE table_name = '%s'" % table_name
    sql += " AND column_name = '%s'" % column.name
    return conn.execute(text(sql)).first() is not None
"""
        ),
        # `**flags` that every call fills with literals; a query the driver rendered
        # with its values escaped (psycopg's `mogrify()`).
        Valid(
            """
def format_flags(flags):
    return ", ".join(f"{key.upper()} {value}" for key, value in flags.items())

def copy_to(source, dest, engine, **flags):
    compiled = source.compile(dialect=engine.dialect)
    conn = engine.raw_connection()
    try:
        with conn.cursor() as cursor:
            query = cursor.mogrify(compiled.string, compiled.params).decode()
            formatted_flags = f"({format_flags(flags)})" if flags else ""
            cursor.copy_expert(f"COPY ({query}) TO STDOUT {formatted_flags}", dest)
    finally:
        conn.close()

def export(query, path, engine):
    with open(path, "w") as dest:
        copy_to(query, dest, engine, format="csv", header=True)
"""
        ),
        # A parameter declared as a SQLAlchemy schema type: its name is the model's.
        Valid(
            """
import sqlalchemy as sa

def drop_enum_copy(conn, original_enum: sa.Enum):
    conn.execute(sa.text(f"DROP TYPE IF EXISTS {original_enum.name}_old"))
    conn.execute(sa.text(f"ALTER TYPE {original_enum.name} RENAME TO {original_enum.name}_old"))
"""
        ),
    ]

    # Parameters declared as numbers or None.
    _OPTIONAL_LIMIT = """
from typing import Optional

from sqlalchemy import text

def recent(conn, limit: Optional[{type}] = None, offset: {type} | None = None):
    return conn.execute(text(f"SELECT * FROM logs LIMIT {{limit}} OFFSET {{offset}}")).all()
"""
    VALID += [Valid(_OPTIONAL_LIMIT.format(type="int"))]

    # A project function that quotes a literal as SQL does: doubles each quote.
    _QUOTING = """
from sqlalchemy import text

from quoting import literal_string

def trigger_exists(connection, table_name):
    sql = "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
    return connection.execute(text(sql + "WHERE relname = {}".format(literal_string(table_name))))
"""
    _LITERAL_STRING = """
def literal_string(s):
    return "'" + s.replace("'", "''").replace("\\0", "") + "'"
"""
    VALID += [
        Valid(_QUOTING, files={"quoting.py": _LITERAL_STRING}),
        # What a method returns, unpacked: a unit looked up in another module's dict
        # of literals, and a number (`count * 7` too).
        Valid(
            """
import re

from sqlalchemy import text

from timeframes import timeframes

class Balance:
    def __init__(self, db):
        self.db = db

    def parse(self, period):
        match = re.match(r"(\\D+)(\\d+)", period)
        unit = timeframes[match.group(1).upper()]
        count = int(match.group(2))
        if unit == "WEEK":
            unit = "DAY"
            count = count * 7
        return unit, count

    def since(self, period):
        unit, count = self.parse(period)
        query = f"SELECT * FROM snapshots WHERE dt > CURRENT_DATE - INTERVAL '{count}' {unit}"
        return self.db.execute(text(query)).all()
""",
            files={"timeframes.py": 'timeframes = {"D": "DAY", "W": "WEEK", "M": "MONTH"}\n'},
        ),
    ]
    # A query's ORDER BY as the caller gives it, no formatting in sight.
    _SORTED = """
from flask import Flask, request
from sqlalchemy import create_engine, select, table, text

app = Flask(__name__)
engine = create_engine("sqlite://")

def listing(sort):
    with engine.connect() as conn:
        return conn.execute(select(table("items")).order_by(text(sort))).all()

@app.get("/items")
def items():
    return listing({sort})
"""
    # The same, read from the request in the handler: checked against the columns it
    # may name, and not.
    _CHECKED_SORT = """
from flask import Flask, abort, request
from sqlalchemy import create_engine, select, table, text

app = Flask(__name__)
engine = create_engine("sqlite://")

@app.get("/items")
def items():
    sort = request.args.get("sort", "name")
    if sort not in ("name", "price"):
        abort(400)
    with engine.connect() as conn:
        return conn.execute(select(table("items")).order_by(text(sort))).all()
"""
    VALID += [Valid(_SORTED.format(sort='"name"')), Valid(_CHECKED_SORT)]
    # A method of the class that raises unless the kind is an allowed one, whether its
    # result replaces the parameter or it is called for the check alone; one that only
    # logs lets any kind through.
    VALID += [
        Valid(_STATION.format(refuse=_RAISES, method=_KIND_REPLACED)),
        Valid(_STATION.format(refuse=_RAISES, method=_KIND_CHECKED)),
    ]
    # The driver's escape (PyMySQL's `connection.escape()`) makes a quoted SQL literal,
    # and the columns are values of a fixed table; `html.escape()` is for HTML.
    VALID += [Valid(_ESCAPED_NAME.format(escape="connection.escape"))]
    INVALID = [
        # A text field's data is the user's text.
        Invalid(
            _HARVEST_VIEW,
            at="text(sql)",
            files={"forms.py": _HARVEST_FORM.format(days="StringField")},
        ),
        # The same dict keyed by what a request gives.
        Invalid(
            _LANGUAGE_KEYS.format(
                imports="from flask import request\n",
                function="load_sentences()",
                loop='request.args.getlist("lang")',
            ).replace("lang.id: lang", "int(lang) if lang.isdigit() else lang: lang"),
            at="text(sql)",
            files={"models.py": _TERM_MODELS.format(init="None")},
        ),
        # The domain object's `id` is whatever its maker gives it.
        Invalid(
            _TERM_REFERENCES,
            at='text(f"SELECT',
            files={"models.py": _TERM_MODELS.format(init="term_id")},
        ),
        # A function of a class body with no `self`, called through the class: the
        # request's value is its second parameter, not its first.
        Invalid(
            """
from flask import Flask, request
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")
app = Flask(__name__)

class Queries:
    def rows(kind, region):
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT * FROM {kind} WHERE region = '{region}'")).all()

@app.route("/prices")
def prices():
    region = request.args["region"]
    return str(Queries.rows("prices", region))
""",
            at='text(f"',
        ),
        # The same caller without the check: the public method's argument reaches the SQL.
        Invalid(
            _REPOSITORY_CORE, at="text(sql)", files={"repository.py": _REPOSITORY.format(check="")}
        ),
        # The text of a bot message as a value in a condition.
        Invalid(
            """
from sqlalchemy import text

from .models import League

def view_league_info(update, context):
    league_name = update.message.text.split("about ")[1]
    return get_league_info(context.bot_data["session"], league_name)

def get_league_info(session, league):
    return session.query(League.name, League.tier).filter(League.name == text(league)).first()
""",
            at="text(league)",
        ),
        # Words from the request added by a helper that builds its clause with `+=`;
        # reported where the text becomes `text()`, not again where that runs.
        Invalid(
            """
from flask import request
from sqlalchemy import text
from sqlalchemy.orm import Session

def keyword_filter(words):
    clause = ""
    for word in words:
        clause += f" AND name LIKE '%{word}%'"
    return clause

def find_hosts(engine):
    query = "SELECT * FROM hosts WHERE 1=1"
    query += keyword_filter(request.args.getlist("q"))
    query = text(query)
    with Session(engine) as session:
        return session.execute(query).fetchall()
""",
            at="text(query)",
        ),
        # A condition built in the view, request text added to it with `+=` (or `+`),
        # and handed to the function that concatenates it into the statement.
        Invalid(
            """
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

def find_names(condition):
    with engine.connect() as conn:
        return conn.execute(text("SELECT name FROM patients" + condition)).all()

@app.route("/names")
def names():
    condition = " WHERE 1=1"
    condition += " LIMIT " + request.args.get("limit", "10")
    return str(find_names(condition))
""",
            at='text("SELECT name',
        ),
        Invalid(_ESCAPED_NAME.format(escape="html.escape"), at="cursor.execute("),
        Invalid(_STATION.format(refuse=_LOGS, method=_KIND_REPLACED), at="text(sql)"),
        Invalid(_STATION.format(refuse=_LOGS, method=_KIND_CHECKED), at="text(f'"),
        Invalid(_SORTED.format(sort='request.args["sort"]'), at="text(sort)"),
        Invalid(
            _CHECKED_SORT.replace(
                '    if sort not in ("name", "price"):\n        abort(400)\n', ""
            ),
            at="text(sort)",
        ),
        # What a project function makes of a query parameter, `"name-price"` turned
        # into `"name,price"`: still the request's text.
        Invalid(
            """
from fastapi import FastAPI
from sqlalchemy import select, table, text

app = FastAPI()

def convert_sort(sort):
    return ",".join(sort.split("-"))

@app.get("/people")
async def people(db, sort: str = "id"):
    query = select(table("people")).order_by(text(convert_sort(sort)))
    return (await db.execute(query)).all()
""",
            at="text(convert_sort",
        ),
        # The quotes around it, but not the ones inside.
        Invalid(
            _QUOTING,
            at="text(sql",
            files={"quoting.py": _LITERAL_STRING.replace(""".replace("'", "''")""", "")},
        ),
        Invalid(_OPTIONAL_LIMIT.format(type="str"), at="text(f"),
        # `request` comes from `from flask import *`.
        Invalid(
            """
from flask import *
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

@app.route("/table")
def table():
    name = request.args.get("name", default="", type=str)
    with engine.connect() as conn:
        return str(conn.execute(text(f"SELECT * FROM {name}")).all())
""",
            at="text(f",
        ),
        # `con` is what every call of `tag` passes: an engine.
        Invalid(
            """
import sys

from sqlalchemy import create_engine

def tag(con, name):
    con.execute("INSERT INTO tags (name) VALUES ('{}')".format(name))

def main():
    engine = create_engine(sys.argv[1])
    tag(engine, sys.argv[2])
""",
            at="con.execute(",
        ),
        # The arguments of a subcommand's action (a class that declares them in
        # `add_arguments`) are the command line's content; a staticmethod's first
        # parameter is one of them, not `self`.
        Invalid(
            """
import sqlalchemy

class checkdb:
    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--tempdb", default="till-check")

    @staticmethod
    def run(args):
        engine = sqlalchemy.create_engine("postgresql+psycopg2:///postgres")
        raw_connection = engine.raw_connection()
        try:
            with raw_connection.cursor() as cursor:
                cursor.execute(f'create database "{args.tempdb}"')
        finally:
            raw_connection.close()
""",
            at="cursor.execute(",
        ),
        # Any other object's name is data: a user's, here given by the API's caller.
        Invalid(
            """
from sqlalchemy import text

def find_owner(conn, user):
    sql = "SELECT * FROM accounts WHERE owner = '%s'" % user.name
    return conn.execute(text(sql)).all()
""",
            at="text(sql)",
        ),
        # An untyped `session` parameter given text that starts as a statement does:
        # whatever the handle is, it runs the text as SQL, and `db` is the caller's.
        Invalid(
            """
from app.db import Session

def terminate_connections(session, db):
    query = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
    session.execute(query)
""",
            at="session.execute(query)",
        ),
        # The table and column names a command's user types, a call away.
        Invalid(
            """
import click
from sqlalchemy import text

def match_field(session, table, field, term):
    query = "SELECT * FROM " + table + " WHERE " + field + " = :term"
    return session.execute(text(query), {"term": term}).fetchall()

@click.command()
@click.option("--table", required=True)
@click.option("--field", required=True)
@click.option("--term", required=True)
@click.pass_obj
def search(config, table, field, term):
    return match_field(config.session, table, field, term)

@click.group()
def cli():
    pass

cli.add_command(search, name="search")
""",
            at="text(query)",
        ),
        # A parameter rebound twice before the SQL is built: its values still the caller's.
        Invalid(
            """
from sqlalchemy import text

def drop_years(conn, years, known):
    years = [year for year in years if year in known]
    years = ", ".join([f"'{year}'" for year in years])
    conn.execute(text(f"DELETE FROM requests WHERE year IN ({years})"))

def handler(conn, request):
    drop_years(conn, request.args.getlist("year"), {"2020"})
""",
            at="text(f",
        ),
        # A Streamlit app's text input, at the script's top level.
        Invalid(
            """
import streamlit as st
from sqlalchemy import text

conn = st.connection("sql")
first_name = st.text_input("First name")
if st.button("Insert"):
    with conn.session as s:
        s.execute(text(f"INSERT INTO people (first_name) VALUES ('{first_name}')"))
        s.commit()
""",
            at="text(f",
        ),
        # Unpacked from the command line: each item is outside text.
        Invalid(
            """
import sys
from sqlalchemy import text

def dump(conn):
    table, column = sys.argv[1].split(".")
    return conn.execute(text(f"SELECT {column} FROM {table}")).all()
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

from tables import table_for

def rows(conn, kind):
    return conn.execute(text(f"SELECT * FROM {table_for(kind)}")).all()
""",
            at="text(",
            files={
                "tables.py": """
def table_for(kind):
    if kind == "rain":
        return "rainfall"
    return kind  # the caller's text
"""
            },
        ),
        Invalid(
            """
from sqlalchemy import text

def by_name(conn, name):
    name = name.strip()  # rebound, but still the caller's text
    conn.execute(text(f"SELECT id FROM users WHERE name = '{name}'"))
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

def report(conn, table):
    # Nothing in the project calls it: a library's function, given whatever its
    # importers pass.
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

class Repository:
    def __init__(self, conn):
        self.conn = conn

    def count(self, table):
        return self.conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()

    def users(self):
        return self.count("users")  # a literal here...

def handler(repo, request):
    return repo.count(request.args["table"])  # ...but `repo` could be a Repository
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

def by_flag(conn, flag):
    if flag:
        flag = "x"  # rebound on one path only
    conn.execute(text(f"SELECT id FROM users WHERE flag = '{flag}'"))
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

def known_entity(entity):
    if entity not in {"recording", "release"}:
        return None  # refuses nothing: the caller goes on with any value
    return entity

def top_entities(conn, entity):
    known_entity(entity)
    return conn.execute(text("SELECT id FROM top_" + entity)).all()
""",
            at="text(",
        ),
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def area(wkt):
    return pd.read_sql(f"SELECT * FROM parcels WHERE ST_Intersects(geom, '{wkt}')", engine)
""",
            at="pd.read_sql(",
        ),
        Invalid(
            """
from sqlalchemy import literal_column, select

def named(name):
    return select(literal_column(f"'{name}'"))
""",
            at="literal_column(",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session

def by_name(session: Session, name):
    return session.query("User").filter("name = '%s'" % name).all()
""",
            at='session.query("User").filter(',
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("postgresql://localhost/reviews")

def dump(license_id, out):
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        sql = "COPY (SELECT * FROM review WHERE license_id = '{}') TO STDOUT".format(license_id)
        cursor.copy_expert(sql, out)
""",
            at="cursor.copy_expert(",
        ),
        Invalid(
            """
from sqlalchemy import text

def rename(conn, table, owner):
    quoted = conn.dialect.identifier_preparer.quote(table)
    conn.execute(text(f"ALTER TABLE {quoted} OWNER TO {owner}"))
""",
            at="text(f",
        ),
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
        Invalid(
            """
import psycopg2

def row_counts(dsn, tables):
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        for table in tables:
            cur.execute("SELECT count(*) FROM %s" % table)
""",
            at="cur.execute(",
        ),
        Invalid(
            """
import sqlite3

def attach(db_path, archive_path):
    con = sqlite3.connect(db_path)
    try:
        con.execute(f"ATTACH DATABASE '{archive_path}' AS archive")
    finally:
        con.close()
""",
            at="con.execute(",
        ),
        Invalid(
            """
def truncate(warehouse, table):
    with warehouse.begin() as conn:
        conn.exec_driver_sql("TRUNCATE TABLE %s" % table)
""",
            at="conn.exec_driver_sql(",
        ),
        Invalid(
            """
from sqlalchemy import text

def use_tenant(warehouse, tenant):
    with warehouse.begin() as conn:
        conn.execute("SET search_path TO " + tenant)
        conn.execute(text("SELECT refresh_tenant_views()"))
""",
            at='conn.execute("SET',
        ),
        Invalid(
            """
from sqlalchemy import text

STATUSES = {"open": "open", "closed": "closed"}
STATUSES.update(EXTRA_STATUSES)  # no longer a fixed table

def listing(conn, status):
    value = STATUSES.get(status, "open")
    return conn.execute(text(f"SELECT id FROM tickets WHERE status = '{value}'")).all()
""",
            at="text(f",
        ),
    ]

    # Identifiers: a table or column name the program picks, however far away, and
    # not evidently from a request, the command line or an API's caller.
    VALID += [
        Valid(
            """
import re

from sqlalchemy import create_engine, text

from kinds import KINDS

engine = create_engine("sqlite://")

class Loader:
    def table_for(self, kind):
        return KINDS.get(kind, "events")

    def load(self, kind):
        staging = f"staging_{self.table_for(kind)}"
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {staging}"))
            conn.execute(text("INSERT INTO " + staging + " SELECT * FROM incoming"))
            conn.execute(text("DELETE FROM %s WHERE id < 0" % staging))
            conn.execute(text("ANALYZE {}".format(staging)))

class Merger:
    def merge(self, conn, kind):
        methods = {"customers": self.merge_customers}  # called through the table
        methods[kind](conn, f"staging_{kind}", f"conformed_{kind}")

    def merge_customers(self, conn, staging, target):
        conn.execute(text(
            f"INSERT INTO {target} SELECT * FROM {staging} "
            f"ON CONFLICT (id) DO UPDATE SET name = {target}.name"
        ))

def create_schema(conn, schema):
    if not schema.replace("_", "").isalnum():  # letters, digits and underscores only
        raise ValueError(schema)
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    return conn.execute(text(f"SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'"))

def tenant_rows(conn, tenant):
    if not re.fullmatch(r"[a-z0-9_]+", tenant):
        raise ValueError(tenant)
    return conn.execute(text(f"SELECT * FROM t WHERE tenant = '{tenant}'")).all()

def tenant_schema(conn, tenant):
    schema = re.sub(r"[^a-z0-9_]", "", tenant.lower())  # word characters only
    return conn.execute(text(f"SELECT * FROM pg_namespace WHERE nspname = '{schema}'"))

class Steps:
    def create(self, conn, step):
        parameters = {key: value for key, value in step.items() if value is not None}
        columns = ", ".join(f'"{key}"' for key in parameters)
        values = ", ".join(f":{key}" for key in parameters)
        conn.execute(text(f"INSERT INTO steps ({columns}) VALUES ({values})"), parameters)

def save(conn, steps, step):
    steps.create(conn, step.to_dict())  # keys the program's objects give

ORDERABLE = {"created": "created_at", "title": "title"}
ORDERABLE.update(EXTRA_COLUMNS)  # columns the configuration adds

def listing(conn, order):
    column = ORDERABLE.get(order, "created_at")
    return conn.execute(text(f"SELECT id FROM tickets ORDER BY {column}")).all()
"""
        ),
    ]
    VALID += [
        # The statement on the line above is the one run; the name's later value (built
        # from input) cannot reach back, and no loop brings it round.
        Valid(
            """
import streamlit as st
from sqlalchemy import text

conn = st.connection("sql")
if st.button("Create"):
    with conn.session as s:
        sql = "CREATE TABLE IF NOT EXISTS people (first_name text)"
        s.execute(text(sql))
name = st.text_input("Name")
if name:
    sql = f"SELECT * FROM people WHERE first_name = '{name}'"
    st.code(sql)  # shown, never run
"""
        ),
        # Unpacked from what a project function returns: its literals.
        Valid(
            """
from sqlalchemy import text

def target():
    return "users", "name"

def names(conn):
    table, column = target()
    return conn.execute(text(f"SELECT {column} FROM {table} WHERE kind = '{table}'")).all()
"""
        ),
        # Table and column names in identifiers' places (`MERGE INTO "{target}" ...
        # USING "{source}"`, `t.{column} = s.{column}`), from a caller the checker
        # cannot see through an untyped receiver: no evidence of outside input.
        Valid(
            """
from sqlalchemy import text

class Merger:
    def __init__(self, engine):
        self.engine = engine

    def merge(self, frame, source, target, keys=("id",)):
        columns = [column.upper() for column in frame.columns]
        assignments = ", ".join([f"t.{column} = s.{column}" for column in columns])
        on = " AND ".join([f"t.{key} = s.{key}" for key in keys])
        with self.engine.begin() as conn:
            conn.execute(text(
                f'MERGE INTO "{target}" AS t USING "{source}" AS s ON {on} '
                f"WHEN MATCHED THEN UPDATE SET {assignments}"
            ))

class Pipeline:
    def __init__(self, merger):
        self.merger = merger

    def load(self, frame):
        self.merger.merge(frame, "Temp_Cause", "Dim_Cause")
"""
        ),
        Valid(
            """
from alembic import op
from sqlalchemy import text

COLUMNS = [("users", "created_at", "member"), ("orders", "placed_at", "web")]

def _backfill(table, column, kind):
    op.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamptz"))
    op.execute(text(f"UPDATE {table} SET {column} = now() WHERE kind = '{kind}'"))

def upgrade():
    for table, column, kind in COLUMNS:  # each an item of an item of COLUMNS
        _backfill(table, column, kind)

def create(conn, name, kind):
    if kind == "view":
        sql = "CREATE VIEW %s AS SELECT 1" % name
    else:
        sql = "SELECT 1"  # the `if` branch's SQL never reaches here
        conn.execute(text(sql))
"""
        ),
        Valid(
            """
from airflow.decorators import dag, task
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

@dag()
def pipeline():
    @task
    def load(name):
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE raw_{name}"))

    for job in ["starlink", "launches"]:
        load.override(task_id=f"load_{job}")(name=job)
"""
        ),
    ]
    VALID += [
        # Ids of rows a filtered query read: the filter's value is bound, and the rows
        # are the database's (second-order injection is not followed).
        Valid(
            """
import sqlalchemy as sa
from alembic import op

metadata = sa.MetaData()
history = sa.Table("history", metadata, sa.Column("id", sa.Integer), sa.Column("note", sa.String))

def downgrade(comment):
    connection = op.get_bind()
    for row in connection.execute(history.select().where(history.c.note == comment)):
        meta_id = row[0]
        connection.execute(sa.text("DELETE FROM versions WHERE history_id = {}".format(meta_id)))
"""
        ),
        # Constant clauses, joined into a statement written as many strings side by
        # side: however many, the parts are read at one level.
        Valid(
            """
from sqlalchemy import text

def list_crons(conn, host=None, hidden=False):
    where_clauses: list[str] = []
    params = {}
    if not hidden:
        where_clauses.append("hidden_at IS NULL")
    if host is not None:
        where_clauses.append("host = :host")
        params["host"] = host
    where_sql = (" WHERE " + " AND ".join(where_clauses)) if where_clauses else ""
    sql = text(
        "SELECT crons.fingerprint, crons.name, crons.host, crons.command, "
        "crons.schedule, crons.schedule_canonical, crons.cadence_seconds, "
        "crons.expected_grace_seconds, crons.enabled, crons.last_seen_state, "
        "crons.created_at, crons.updated_at, crons.hidden_at, crons.source_path, "
        "crons.wrapper_last_seen_at, crons.last_discovered_at, crons.soft_deleted_at, "
        "crons.log_match_key, crons.wrapper_installed, crons.wrapper_format_version, "
        "state.last_ok_at FROM crons "
        "LEFT JOIN state ON crons.fingerprint = state.cron_fingerprint "
        f"{where_sql} "
        "ORDER BY name ASC LIMIT :limit OFFSET :offset"
    )
    return conn.execute(sql, {**params, "limit": 10, "offset": 0}).all()
"""
        ),
        # The program gives the method literals and constants; its tests' calls pass
        # the suite's own data.
        Valid(
            """
from sqlalchemy import text

class DatabaseAccess:
    def __init__(self, conn):
        self.conn = conn

    def add_column(self, col_name, col_type):
        self.conn.execute(text("ALTER TABLE jobs ADD COLUMN %s %s" % (col_name, col_type)))
""",
            files={
                "update.py": """
from main import DatabaseAccess

PATH_LENGTH = "255"

def upgrade(conn):
    db = DatabaseAccess(conn)
    db.add_column(col_name="projectPath", col_type="varchar(" + PATH_LENGTH + ")")
""",
                "tests/test_access.py": """
from main import DatabaseAccess

def test_add_column(conn):
    for column in ["a", "b"]:
        DatabaseAccess(conn).add_column(column, "varchar(50)")
""",
            },
        ),
        # `SET ROLE` and `search_path` take names, not values: a command a table of
        # subcommands holds is given the deployment's configuration.
        Valid(
            """
from sqlalchemy import text

def analyze(session, cf):
    session.execute(text("set role {role};".format(role=cf.get("app", "admin_role"))))
    session.execute(text("set search_path = " + cf.get("app", "schema")))
    session.execute(text("ANALYZE"))

COMMANDS = [("analyze", analyze)]
"""
        ),
    ]
    INVALID += [
        # A role named on the command line is input, wherever it goes.
        Invalid(
            """
import argparse

from sqlalchemy import create_engine, text

parser = argparse.ArgumentParser()
parser.add_argument("--role")
args = parser.parse_args()
with create_engine("postgresql://app@db/app").connect() as conn:
    conn.execute(text(f"SET ROLE {args.role}"))
""",
            at="text(",
        ),
    ]
    INVALID += [
        Invalid(
            """
from sqlalchemy import text

def create_database(conn, name, encoding="utf8"):
    conn.execute(text("CREATE DATABASE %s ENCODING '%s'" % (name, encoding)))
""",
            at="text(",
            files={
                # Its tests pass literals; its users, whatever they like.
                "test_api.py": """
from main import create_database

def test_create(conn):
    create_database(conn, "db", "utf8")
"""
            },
        ),
        Invalid(
            """
from flask import request
from sqlalchemy import text

def rows(conn):
    table = request.args["table"]
    return conn.execute(text(f"SELECT * FROM {table}")).all()
""",
            at="text(",
        ),
        Invalid(
            """
import re

from sqlalchemy import text

def tenant_rows(conn, tenant):
    if not re.match(r"[a-z0-9_]+", tenant):  # a prefix only: "acme' OR '1'='1" passes
        raise ValueError(tenant)
    return conn.execute(text(f"SELECT * FROM t WHERE tenant = '{tenant}'")).all()
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

def drop(conn, schema, table):
    conn.execute(text("DROP TABLE %s.%s" % (schema, table)))
""",
            at="text(",
        ),
        Invalid(
            """
from sqlalchemy import text

def insert(conn, data):
    columns = ", ".join(data.keys())
    conn.execute(text(f"INSERT INTO events ({columns}) VALUES (:id)"), data)
""",
            at="text(",
            files={"views.py": _SAVE_REQUEST_JSON},
        ),
        Invalid(
            """
from sqlalchemy import text

def insert(conn, data):
    values = ", ".join(f":{key}" for key in data)  # the request's keys
    conn.execute(text(f"INSERT INTO events (id, name) VALUES ({values})"), data)
""",
            at="text(",
            files={"views.py": _SAVE_REQUEST_JSON},
        ),
    ]

    INVALID += [
        Invalid(
            """
from sqlalchemy import Column, Integer, String, text
from sqlalchemy.orm import declarative_base

Base = declarative_base()

class Repo(Base):
    __tablename__ = "repo"
    repo_id = Column(Integer, primary_key=True)
    name = Column(String)

def rename(session, repo_id, request):
    repo = session.get(Repo, repo_id)
    # `name` is a text column: whatever was stored there, even from a request.
    session.execute(text(f"UPDATE mirror SET name = '{repo.name}'"))
""",
            at="text(f",
        ),
        Invalid(
            """
from sqlalchemy import text

def refresh_counts(conn, repo_id):
    conn.execute(text(f"UPDATE counts SET n = n + 1 WHERE repo_id = {repo_id}"))

def handle(conn, form):
    # The project's one call passes on its own parameter, which nothing calls with
    # a value the program made.
    refresh_counts(conn, form.repo_id)
""",
            at="text(f",
        ),
    ]

    INVALID += [
        Invalid(
            """
from flask import request
from sqlalchemy import text

def send_insight(conn, insight):
    sql = "SELECT repo_git FROM repo WHERE repo_id = {}".format(insight["repo_id"])
    return conn.execute(text(sql)).first()

def classify(conn):
    record = {"repo_id": request.args["repo"], "metric": "stars"}
    send_insight(conn, record)  # "repo_id" is the request's text
""",
            at="text(sql)",
        ),
    ]

    INVALID += [
        Invalid(
            """
from sqlalchemy import text

def feature(conn, id, path):
    query = text("SELECT %(path)s AS data FROM lowlevel_json WHERE id = :id" % {"path": path})
    return conn.execute(query, {"id": int(id)}).first()
""",
            at="text(",
            files={
                "metrics.py": _METRICS
                + """
class CustomMetric(LowLevelMetric):
    def __init__(self, path):
        self.path = path  # whatever the metric's creator passes
"""
            },
        ),
    ]

    # A route's path parameter cut into parts for a helper: a part of the request's
    # text is the request's, in a table's place too.
    INVALID += [
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

def count_rows(table):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()

@app.route("/api/<query>")
def api(query):
    if query.startswith("count_"):
        return str(count_rows(query[6:]))
    return "?"
""",
            at="text(",
        ),
        # A condition grown with `+=` from the parameters, then cut and formatted in.
        Invalid(
            """
from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

def statistics(start_date: str, end_date: str):
    date_condition = ""
    if start_date != "00000000":
        date_condition += " AND s.seq_date >= " + start_date
    if end_date != "00000000":
        date_condition += " AND s.seq_date <= " + end_date
    first_condition = "WHERE " + date_condition[5:] if date_condition else ""
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM samples s {first_condition}")).scalar()

@app.route("/api/<query>")
def api(query):
    return str(statistics(start_date=query[10:18], end_date=query[18:26]))
""",
            at="text(",
        ),
    ]

    # A maintenance script's one-letter option, `-S`: what the user typed, though its
    # name reads like a constant's; declared a number, it is one.
    _SAMPLE_SCRIPT = """
import argparse

from sqlalchemy import create_engine, text

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-S", metavar="sampleid"{type})
    args = parser.parse_args()
    engine = create_engine("sqlite:///variants.db")
    with engine.connect() as conn:
        conn.execute(text(f"DELETE FROM samples WHERE sampleid = '{{args.S}}'"))
        conn.commit()

if __name__ == "__main__":
    main()
"""
    INVALID += [Invalid(_SAMPLE_SCRIPT.format(type=""), at="text(")]
    VALID += [Valid(_SAMPLE_SCRIPT.format(type=", type=int"))]

    # SQL templates kept in a module of their own, formatted where they run.
    _TEMPLATES = {
        "templates.py": (
            'ORDERS_TO_USER = """\n    SELECT * FROM orders WHERE client = \'{user}\'\n'
            '    LIMIT {limit}\n"""\n'
        )
    }
    _ORDERS = """
from flask import Flask, request
from sqlalchemy import create_engine, text

from templates import ORDERS_TO_USER

app = Flask(__name__)
engine = create_engine("sqlite://")

@app.route("/orders")
def orders():
    sql = ORDERS_TO_USER.format(user={user}, limit=int(request.args["limit"]))
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(sql))]
"""
    INVALID += [Invalid(_ORDERS.format(user='request.args["user"]'), at="text(", files=_TEMPLATES)]
    VALID += [Valid(_ORDERS.format(user='"guest"'), files=_TEMPLATES)]

    # A station's number looked up first in the module's table of models, filled at
    # start-up with the program's own keys: any other raises `KeyError` before the SQL.
    _STATIONS = """
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")
models = {{}}

def load_models(numbers):
    for number in numbers:
        models[f"model{{number}}"] = object()

@app.route("/predict")
def predict():
    station = request.args["station"]
    {lookup}
    with engine.connect() as conn:
        stands = conn.execute(text(f"SELECT bike_stands FROM dynamic WHERE number={{station}}"))
        return {{"stands": stands.scalar(), "model": str(model)}}
"""
    VALID += [Valid(_STATIONS.format(lookup='model = models[f"model{station}"]'))]
    INVALID += [
        Invalid(_STATIONS.format(lookup='model = models.get(f"model{station}")'), at="text(")
    ]

    # Coordinates from the request, each pair converted with `float()` first (the
    # loop's variable reused), then written into an array of points.
    _TRACE = """
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

def nearest_edges(block_list):
    coords = []
    for i in block_list:
        coords.append([{convert}(i.split(",")[0]), {convert}(i.split(",")[1])])
    points = ", ".join(f"ST_Point({{i[0]}}, {{i[1]}})" for i in coords)
    sql = f"SELECT ST_Collect(ARRAY[{{points}}])"
    for c, i in enumerate(coords):
        sql += f" UNION SELECT ST_Point({{i[0]}}, {{i[1]}})"
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()

@app.route("/trace")
def trace():
    return {{"edges": nearest_edges(request.args.getlist("blocks"))}}
"""
    VALID += [Valid(_TRACE.format(convert="float"))]
    # A frame's column named in capitals is no constant: its items are the file's.
    INVALID += [
        Invalid(
            """
import pandas as pd
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def known_variants(path):
    variants = pd.read_csv(path)
    with engine.connect() as conn:
        for row in range(len(variants)):
            stmt = "SELECT * FROM variants WHERE chrom = '" + variants.CHROM[row] + "'"
            yield pd.read_sql_query(text(stmt), con=conn)
""",
            at="text(stmt)",
        )
    ]
    INVALID += [Invalid(_TRACE.format(convert="str"), at="text(sql)")]

    # Ten tables the program lists, copied from an attached database one by one.
    VALID += [
        Valid(
            """
import sqlite3

def data_loader(db_file, tables_to_dump):
    conn = sqlite3.connect("app.db")
    cursor = conn.cursor()
    for table in tables_to_dump:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name='" + table + "'")
    conn.close()

def load_data():
    tables = ["members", "member_type", "member_group_link", "group_type",
              "type_of_donation", "donations", "donation_trail", "owner_details",
              "payment_type", "user"]
    data_loader("old.db", tables)
"""
        )
    ]

    # A date the code computes and formats: digits and dashes.
    _LOOKBACK = """
import datetime

import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def failed_runs(lookback_days: int = 90, since: str = "") -> pd.DataFrame:
    lookback_date = {date}
    sql = f"SELECT run_id FROM scan_results WHERE inserted_at >= '{{lookback_date}}'"
    return pd.read_sql(sql, con=engine)
"""
    VALID += [
        Valid(
            _LOOKBACK.format(
                date="(datetime.datetime.now() - datetime.timedelta(days=lookback_days))"
                '.strftime("%Y-%m-%d")'
            )
        )
    ]
    INVALID += [Invalid(_LOOKBACK.format(date="since or '1970-01-01'"), at="pd.read_sql(")]

    # Placeholders numbered in a comprehension, filled in by a later loop that reuses
    # the comprehension's variable.
    VALID += [
        Valid(
            """
from sqlalchemy import text

def get_content(db, identifiers):
    id_str = ", ".join("(:trid%d, :source%d)" % (i, i) for i in range(len(identifiers)))
    params = {}
    for i, (trid, source) in enumerate(identifiers):
        params.update({"trid%s" % i: trid, "source%i" % i: source})
    query = "SELECT content FROM text_content JOIN (VALUES %s) AS ids (trid, source)" % id_str
    return db.session.execute(text(query), params).all()
"""
        )
    ]

    # A Flask-WTF form's fields are what the request sent; the cursor is a psycopg2
    # connection's, handed out by a helper of another module.
    _MEMBERS = """
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField

from reports import db_conn_only

app = Flask(__name__)

class MemberForm(FlaskForm):
    member_id = StringField("Member ID")

@app.route("/member", methods=["POST"])
def member():
    form = MemberForm()
    conn = db_conn_only()
    cursor = conn.cursor()
    {body}
    conn.commit()
    return "ok"
"""
    _REPORTS = {
        "reports.py": (
            "import psycopg2\n\n"
            "def db_conn_only():\n"
            "    conn = psycopg2.connect('postgresql:///donations')\n"
            "    return conn\n"
        )
    }
    INVALID += [
        Invalid(
            _MEMBERS.format(
                body='cursor.execute("DELETE FROM links WHERE member_id = \'" '
                '+ form.member_id.data + "\'")'
            ),
            at="cursor.execute(",
            files=_REPORTS,
        )
    ]
    # A row the database gives, whatever the form picked it by (second-order values
    # are the program's own).
    VALID += [
        Valid(
            _MEMBERS.format(
                body="user = Members.query.filter_by(member_id=form.member_id.data).first()\n"
                '    cursor.execute("DELETE FROM links WHERE member_id = \'" + user.member_id'
                ' + "\'")'
            ).replace("import db_conn_only", "import Members, db_conn_only"),
            files={"reports.py": _REPORTS["reports.py"] + "\nclass Members:\n    query = None\n"},
        )
    ]

    # A command's option that click converts to a number, handed to a helper.
    _PARTITIONS = """
import click
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

CREATE_PARTITION_SQL = (
    "CREATE TABLE listen_{{index}} PARTITION OF listen"
    " FOR VALUES WITH (MODULUS {{modulus}}, REMAINDER {{index}})"
)

def create_schema(partition_count):
    with engine.begin() as conn:
        for index in range(partition_count):
            conn.execute(text(CREATE_PARTITION_SQL.format(index=index, modulus=partition_count)))

@click.command(name="create-schema")
@click.option("--partitions", type={type}, default=8)
def create_schema_command(partitions):
    create_schema(partitions)
"""
    VALID += [Valid(_PARTITIONS.format(type="click.IntRange(min=1)"))]
    INVALID += [Invalid(_PARTITIONS.format(type="str"), at="text(")]

    # A table's name, not SQL: `pd.read_sql(name, engine)` reads the table so named.
    VALID += [
        Valid(
            """
import pandas as pd
from sqlalchemy import create_engine

engine = create_engine("sqlite://")

def read_symbol(symbol: str) -> pd.DataFrame:
    name = "symbol-" + symbol
    return pd.read_sql(name, engine)
"""
        )
    ]

    # A trading bot's market, named like a constant (`self.SYMBOL`) but set on the
    # instance from a row the bot read, passed to a module's query helper.
    _KLINES = """
import pandas as pd

import database as db

def latest(symbol):
    query = "SELECT * FROM klines WHERE symbol = '" + symbol + "' ORDER BY datetime DESC"
    return pd.read_sql(sql=query, con=db.engine)
"""
    _BOT = """
import pandas as pd
from sqlalchemy import text

import database as db
import main as klines

class Bot:
    {symbol}
    def run(self, bot_id):
        query = text("SELECT * FROM bot WHERE id = :id")
        bots = pd.read_sql(sql=query, con=db.engine, params={{"id": bot_id}})
        {set_symbol}
        return klines.latest(self.SYMBOL)
"""
    _DATABASE = 'from sqlalchemy import create_engine\n\nengine = create_engine("sqlite://")\n'
    VALID += [
        Valid(
            _KLINES,
            files={
                "bot.py": _BOT.format(symbol='SYMBOL = "BTCUSDT"', set_symbol="pass"),
                "database.py": _DATABASE,
            },
        )
    ]
    INVALID += [
        Invalid(
            _KLINES,
            at="pd.read_sql(",
            files={
                "bot.py": _BOT.format(
                    symbol="",
                    set_symbol='self.SYMBOL = bots.iloc[0]["base"] + bots.iloc[0]["quote"]',
                ),
                "database.py": _DATABASE,
            },
        )
    ]

    INVALID += [
        Invalid(
            """
import geopandas as gpd
from sqlalchemy.engine import Engine

def parcels(engine: Engine, body):
    # `body.wkt` is whatever the request sent, not a geometry's own text.
    sql = f"SELECT * FROM parcels WHERE ST_Intersects(geom, ST_GeomFromText('{body.wkt}'))"
    return gpd.GeoDataFrame.from_postgis(sql, engine)
""",
            at="gpd.GeoDataFrame.from_postgis(",
        ),
    ]

    # Project helpers that run their parameter as SQL: the call that formats the
    # values in is the sink (`semantic.sql_runners`).
    VALID += [
        Valid(
            """
from db import exec_sql, log_sql

def tables():
    def count(table):
        return exec_sql(f"SELECT COUNT(*) FROM {table}").first()[0]

    return {table: count(table) for table in ["requests", "map", "vis"]}

def noted(srnumber):
    log_sql(f"looked up '{srnumber}'")  # logged, never run
""",
            files={"db.py": _SQL_RUNNERS},
        ),
        Valid(
            """
from sqlalchemy import text

def count(conn, table):
    return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()

def counts(conn):
    return [count(conn, table) for table in ("requests", "map")]

def report(conn):
    for table in ["requests", "vis"]:
        print(table, count(conn, table))
"""
        ),
    ]
    INVALID += [
        Invalid(
            """
import db

def item(srnumber):
    return db.exec_sql(f"SELECT * FROM requests WHERE srnumber = '{srnumber}'").first()
""",
            at="db.exec_sql(",
            files={"db.py": _SQL_RUNNERS},
        ),
        Invalid(
            """
from db import Repository

def album(repo: Repository, nrow):
    sql_query = "select * from songs where album_id = " + str(nrow)
    return repo.do_query(sql_query)
""",
            at="repo.do_query(",
            files={"db.py": _SQL_RUNNERS},
        ),
        Invalid(
            """
from sqlalchemy import text

def insert(conn, names):
    conn.execute(text("INSERT INTO t (%s) VALUES (1)" % ", ".join(names)))

def load(conn, metrics):
    names = []  # a list display, then filled with run-time values
    for metric in metrics:
        names.append(metric.name)
    insert(conn, names)
""",
            at="text(",
        ),
    ]

    # What a caller passes after choosing it from the program's own values: an item of
    # a dict by a key from the request, a value assigned only where a membership test
    # against a literal list held (`semantic.summary`, `semantic.program_values`).
    VALID += [
        Valid(
            _TASK_SERVICE,
            files={
                "views.py": _TASK_VIEW.format(
                    column='sort_column[request.args.get("sortBy", "updatedDate")]',
                    direction='request.args.get("sortDirection")',
                )
            },
        ),
        Valid(
            _TASK_SERVICE,
            files={
                "views.py": _TASK_VIEW.format(
                    column='SORT_COLUMNS[request.args["sortBy"]]["name"]',
                    direction='request.args.get("sortDirection")',
                )
            },
        ),
    ]
    INVALID += [
        Invalid(
            _TASK_SERVICE,
            at="text(",
            files={
                "views.py": _TASK_VIEW.format(
                    column='sort_column["updatedDate"]',
                    # assigned where the test held, but not the value tested
                    direction='request.args.get("direction")',
                )
            },
        ),
        Invalid(
            _TASK_SERVICE,
            at="text(",
            files={
                "views.py": _TASK_VIEW.format(
                    # a dict whose values include the request's own text
                    column='{"a": "id", "b": request.args["raw"]}[request.args["k"]]',
                    direction='request.args.get("sortDirection")',
                )
            },
        ),
    ]

    # Values that cannot carry the user's text, whatever their path: rows read from the
    # database's own catalog through an engine made from the environment, a click
    # option click converts to a number, an attribute every model of the project maps
    # to a number or an enumeration, SQL read from a file and run as it is.
    VALID += [
        Valid(
            """
import os

import pandas as pd
from sqlalchemy import create_engine

def extract():
    engine = create_engine(f"postgresql://{os.environ['DB_USER']}@localhost/app")
    catalog = "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
    tables = pd.read_sql_query(catalog, engine).to_dict()["table_name"]
    for table in tables.values():
        print(pd.read_sql_query(f'SELECT * FROM "{table}"', engine))
"""
        ),
        Valid(
            """
from sqlalchemy import text

def counts(session):
    queries = []
    for table in ("content", "events"):
        queries.append("SELECT '{0}' AS t, count(*) FROM {0}".format(table))
    return session.execute(text(" UNION ALL ".join(queries))).all()
"""
        ),
        Valid(
            """
import click
from sqlalchemy import create_engine

@click.command()
@click.option("limit", "--limit", "-l", type=int, default=20)
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc")
@click.option("--days", default=7)
def missed_calls(limit, order, days):
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT * FROM missed_calls WHERE age < {} ORDER BY id {} LIMIT {}".format(
                days, order, limit
            )
        )
"""
        ),
        Valid(
            """
from sqlalchemy import text

from models import db
from views import load_user

@load_user
def delete_me(user):
    # `user` is whatever the decorator passes in: its `id` is an integer column in
    # every model of the project that has one, and `timezone` an enumeration.
    db.session.execute(text("UPDATE recipes SET user_id = NULL WHERE user_id = {}".format(user.id)))
    db.session.execute(text("SET TIMEZONE TO '{}'".format(user.timezone)))
""",
            files={
                "models.py": """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
TIMEZONES = ("UTC", "Europe/Paris")

class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.Text)
    timezone = db.Column(db.Enum(*TIMEZONES, name="timezones"))

class Recipe(db.Model):
    id = db.Column(db.BigInteger, primary_key=True)
""",
                "views.py": _LOAD_USER,
            },
        ),
        # A plain class of the project that starts `id` as None on its objects (a
        # domain object, filled from a row later) says nothing of its text: the term's
        # language's `id` is an integer column of every model that maps one.
        Valid(_TERM_REFERENCES, files={"models.py": _TERM_MODELS.format(init="None")}),
        # The form refuses what does not convert: a source's id, a number of days.
        Valid(_HARVEST_VIEW, files={"forms.py": _HARVEST_FORM.format(days="IntegerField")}),
        # The keys of a dict the code keys by the languages' integer ids, copied into a
        # list and joined: numbers.
        Valid(
            _LANGUAGE_KEYS.format(
                imports="", function="load_sentences()", loop="session.query(Language).all()"
            ),
            files={"models.py": _TERM_MODELS.format(init="None")},
        ),
        Valid(
            """
from sqlalchemy import text

def run_script(engine, path):
    # Statements read from a .sql file and run one by one: no value of the program
    # goes into SQL text of its own.
    with engine.begin() as conn, open(path) as script:
        command = ""
        for line in script:
            command += line.strip("\\n")
            if command.endswith(";"):
                conn.execute(text(command))
                command = ""
"""
        ),
    ]
    VALID += [
        Valid(
            """
import pandas as pd
from sqlalchemy import create_engine, text

def copy_table(engine, table):
    return pd.read_sql_query(f"SELECT * FROM {table}", engine)

def copy_all(url):
    # The tables are rows the database gave, one call up.
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT table_name FROM information_schema.tables"))
        for name in names.scalars():
            copy_table(engine, name)
    catalog = pd.read_sql_query("SELECT table_name FROM information_schema.tables", engine)
    for table in catalog.to_dict()["table_name"].values():
        copy_table(engine, table)
"""
        ),
    ]
    INVALID += [
        Invalid(
            """
import click
from sqlalchemy import create_engine

@click.command()
@click.option("--name")
@click.option("--limit", type=int)
def find(name, limit):
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT * FROM t WHERE name = '{}' LIMIT {}".format(name, limit))
""",
            at="conn.exec_driver_sql(",
        ),
        Invalid(
            """
from sqlalchemy import text

from models import db
from views import load_user

@load_user
def rename(user):
    # `name` is text in one model, so `user.name` may be anything.
    db.session.execute(text("UPDATE t SET owner = '{}'".format(user.name)))
""",
            at="text(",
            files={"models.py": _NAMED_MODELS, "views.py": _LOAD_USER},
        ),
        Invalid(
            """
import argparse

from sqlalchemy import text

from models import db

def main():
    # `args.id` is the command line's text, whatever the models say of `id`.
    args = argparse.ArgumentParser().parse_args()
    db.session.execute(text("DELETE FROM users WHERE id = {}".format(args.id)))
""",
            at="text(",
            files={"models.py": _NAMED_MODELS},
        ),
        Invalid(
            """
from sqlalchemy import text

def content_ids(session, links):
    # Statements built from the links an import sent, joined into one.
    queries = []
    for link in links:
        queries.append("SELECT id FROM content WHERE url = '{}'".format(link))
    return session.execute(text(" UNION ALL ".join(queries))).all()
""",
            at="text(",
        ),
        Invalid(
            """
import pandas as pd
import requests
from sqlalchemy import create_engine

def copy_table(engine, table):
    return pd.read_sql_query(f"SELECT * FROM {table}", engine)

def copy_listed(url, listing):
    # Names another service sent: not the database's rows.
    engine = create_engine(url)
    for table in requests.get(listing).json().values():
        copy_table(engine, table)
""",
            at="pd.read_sql_query(",
        ),
        Invalid(
            """
from sqlalchemy import text

def run_script(engine, path, schema):
    with engine.begin() as conn, open(path) as script:
        command = "SET search_path TO " + schema + ";"
        for line in script:
            command += line
        conn.execute(text(command))
""",
            at="text(",
        ),
    ]

    # A script's module-level list of literals, and a dict of lists of literals.
    VALID += [
        Valid(
            """
import pandas as pd
from sqlalchemy import create_engine, text

engine = create_engine("mssql+pyodbc://app@erp/sales")
DIVISIONS = {"north": ["ANA RUIZ", "JUAN PEREZ"], "south": ["LUIS GOMEZ"]}

def columns(table):
    query = f"SELECT name FROM information_schema.columns WHERE table_name = '{table}'"
    return pd.read_sql(text(query), engine)

def revenue():
    names = ", ".join([f"'{n}'" for n in DIVISIONS["north"]])
    return pd.read_sql(text(f"SELECT SUM(total) FROM invoices WHERE agent IN ({names})"), engine)

tables = ["articles", "orders"]
for t in tables:
    print(columns(t))
"""
        ),
    ]
    INVALID += [
        Invalid(
            """
import sys

import pandas as pd
from sqlalchemy import create_engine, text

engine = create_engine("mssql+pyodbc://app@erp/sales")

def columns(table):
    query = f"SELECT name FROM information_schema.columns WHERE table_name = '{table}'"
    return pd.read_sql(text(query), engine)

tables = ["articles"]
tables.append(sys.argv[1])  # the command line's text joins the literals
for t in tables:
    print(columns(t))
""",
            at="text(query)",
        ),
    ]

    # A column that is not text of a row loaded through the project's methods.
    VALID += [Valid(_USER_SERVICE.format(column="id"))]
    # Arithmetic only numbers have: a number, whatever it was computed from.
    VALID += [
        Valid(
            """
from sqlalchemy import text

async def lock(db, uid: str, rule_id: int):
    lock_id = abs(hash(f"{uid}:{rule_id}")) % (2**63)
    await db.execute(text(f"SELECT pg_advisory_xact_lock({lock_id})"))
"""
        )
    ]
    # Column names from a dict comprehension over a literal dict's items, and from a
    # dataclass's fields.
    VALID += [
        Valid(
            """
from dataclasses import asdict
from sqlalchemy import text

async def upsert_thread(conn, thread_id, name, tags):
    data = {"id": thread_id, "name": name, "tags": tags}
    parameters = {key: value for key, value in data.items() if value is not None}
    columns = ", ".join(f'"{key}"' for key in parameters.keys())
    values = ", ".join(f":{key}" for key in parameters.keys())
    await conn.execute(text(f"INSERT INTO threads ({columns}) VALUES ({values})"), parameters)

async def upsert_feedback(conn, feedback):
    parameters = {k: v for k, v in asdict(feedback).items() if v is not None}
    columns = ", ".join(parameters.keys())
    await conn.execute(text(f"INSERT INTO feedbacks ({columns}) VALUES (:id)"), parameters)
"""
        )
    ]
    INVALID += [
        Invalid(
            """
from flask import request
from sqlalchemy import text

def save(conn):
    data = request.get_json()
    parameters = {key: value for key, value in data.items() if value is not None}
    columns = ", ".join(parameters.keys())
    conn.execute(text(f"INSERT INTO threads ({columns}) VALUES (:id)"), parameters)
""",
            at='text(f"INSERT INTO threads ({columns}) VALUES (:id)")',
        )
    ]
    # A parameter rebound to a literal dict on one path only: still the caller's.
    INVALID += [
        Invalid(
            """
from flask import request
from sqlalchemy import text

def insert(conn, data, fresh):
    if fresh:
        data = {"id": 1}
    columns = ", ".join(data.keys())
    conn.execute(text(f"INSERT INTO t ({columns}) VALUES (:id)"), data)

def view(conn):
    insert(conn, request.get_json(), False)
""",
            at='text(f"INSERT INTO t ({columns}) VALUES (:id)")',
        )
    ]
    # A generic insert helper: the table and the column names (the keys of the dict)
    # are what every caller writes in the code; the values are bound.
    VALID += [
        Valid(
            _INSERT_HELPER,
            files={
                "pages.py": """
from main import insert

def save(name, amount):
    create_data = {"name": name, "amount": amount}
    return insert("transactions", create_data)

pages = ["dashboard"]
pages.insert(1, "admin")
"""
            },
        )
    ]
    INVALID += [
        Invalid(
            _INSERT_HELPER,
            at='text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})")',
            files={
                "api.py": """
from flask import request
from main import insert

def save():
    return insert("transactions", request.get_json())
"""
            },
        )
    ]
    INVALID += [Invalid(_USER_SERVICE.format(column="username"), at="text(sql)")]
    # DDL and MERGE statements a loader builds from the names it picks: identifiers'
    # places (a trigger's, MERGE's INSERT list, a column compared with another
    # table's), a column type SQLAlchemy renders, and loop counters. (A CREATE
    # TABLE's column definitions are not names alone: `(...)` holds types, defaults
    # and checks, and the column list there is reported unless its values are safe.)
    VALID += [
        Valid(
            """
from sqlalchemy import Integer, inspect, text
from sqlalchemy.types import TypeEngine

class Loader:
    def __init__(self, conn, schema):
        self.conn = conn
        self.schema = schema

    def create_trigger(self, table):
        self.conn.execute(text(
            f'CREATE TRIGGER "{self.schema}_{table}_notify" AFTER INSERT ON {table} '
            f"FOR EACH ROW EXECUTE FUNCTION notify()"
        ))

    def create_table(self, table):
        self.conn.execute(text(f"CREATE TABLE {table} (id INTEGER)"))

    def drop_table(self, table, if_exists=True):
        exists = "IF EXISTS" if if_exists else ""
        self.conn.execute(text(f"DROP TABLE {exists} {table}"))

    def add_column(self, table, column: str, column_type: TypeEngine):
        self.conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {column_type}"))
        kind = self.conn.dialect.type_compiler.process(column_type)
        self.conn.execute(text(f"ALTER TABLE {table} ADD {column}_copy {kind}"))

    def merge(self, final, staging, keys, columns):
        on = " AND ".join(f"tmp.{k} = final.{k}" for k in keys)
        updates = ", ".join(f"{c} = tmp.{c}" for c in columns)
        self.conn.execute(text(
            f"MERGE INTO {final} final USING {staging} tmp ON {on} "
            f"WHEN MATCHED THEN UPDATE SET {updates} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) "
            f"VALUES (tmp.{', tmp.'.join(columns)})"
        ))

    def seed(self, tables):
        for i in range(tables):
            self.conn.execute(text("CREATE TABLE t_{n} (id INTEGER)".format(n=i)))
        for position, table in enumerate(["a", "b"]):
            self.conn.execute(text(f"INSERT INTO log VALUES ({position})"))

def copy_all(conn):
    # Names from the database's own catalog: not constants, not outside input.
    loader = Loader(conn, "public")
    catalog = inspect(conn)
    for table in catalog.get_table_names():
        columns = [column["name"] for column in catalog.get_columns(table)]
        keys = catalog.get_pk_constraint(table)["constrained_columns"]
        loader.create_trigger(table)
        loader.create_table(table + "_copy")
        loader.drop_table(table + "_tmp")
        loader.add_column(table, columns[0] + "_new", Integer())
        loader.merge(table, table + "_tmp", keys, columns)
    loader.seed(3)
"""
        ),
    ]
    INVALID += [
        # A request's text in a trigger's name is input, identifier or not.
        Invalid(
            """
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite://")

@app.post("/triggers")
def add_trigger():
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TRIGGER {request.args['name']} AFTER INSERT ON t"))
    return "ok"
""",
            at="text(f",
        ),
    ]

    # A helper that runs its parameter on the session a framework's app hands out
    # with `session_scope()` (SQLAlchemy's documented name for that context manager).
    _METRICS = """
from flask import current_app, request

def execute_sql_query(query):
    with current_app.session_scope() as session:
        return session.execute(query).fetchall()

def get_identifiers(bibcodes):
    bibstr = ",".join(["'%s'" % b for b in bibcodes])
    return execute_sql_query({sql})

def identifiers():
    return get_identifiers(request.json["bibcodes"])
"""
    INVALID += [
        Invalid(
            _METRICS.format(sql='"SELECT id FROM metrics WHERE bibcode IN (%s)" % bibstr'),
            at='execute_sql_query("',
        )
    ]
    VALID += [Valid(_METRICS.format(sql='"SELECT count(*) FROM metrics"'))]

    # A mapped model's table name, handed to a helper that formats it into DDL.
    VALID += [
        Valid(
            """
from sqlalchemy import text

def fix_autoincrement(conn, table_name):
    conn.execute(text("SELECT setval('{0}_id_seq', max(id)) FROM {0}".format(table_name)))

def ingest(conn, model):
    fix_autoincrement(conn, model.__table__.name)
"""
        )
    ]
    # Text cleaned down to letters, digits and underscores (`re.sub` of every other
    # character), by the function itself or by a helper that returns it, cannot end a
    # quoted literal or a name: a sequence named after a project is safe.
    _SEQUENCE = """
import re
from sqlalchemy import text

def sanitize(key):
    safe = re.sub({pattern}, "_", key.strip())
    safe = re.sub(r"_+", "_", safe).strip("_")
    return safe[:50].lower() if safe else None

def next_number(db, project):
    name = sanitize(project)
    return db.execute(text(f"SELECT nextval('seq_{{name}}')")).scalar()

def next_local(db, project):
    name = re.sub(r"\\W+", "", project)
    return db.execute(text(f"SELECT nextval('seq_{{name}}')")).scalar()
"""
    VALID += [Valid(_SEQUENCE.format(pattern='r"[^a-zA-Z0-9_]"'))]
    INVALID += [
        # A class that keeps a quote or a hyphen (`--` starts a comment) cleans nothing.
        Invalid(_SEQUENCE.format(pattern='r"[^a-z0-9\'-]"'), at="text(f"),
    ]
    INVALID += [
        Invalid(
            """
import re
from sqlalchemy import text

def next_number(db, project):
    name = re.sub(r"[^\\w]", "_", project, 1)  # only the first character
    return db.execute(text(f"SELECT nextval('seq_{name}')")).scalar()
""",
            at="text(",
        ),
        Invalid(
            """
import re
from sqlalchemy import text

def next_number(db, project):
    name = re.sub(r"(\\W)", r"\\1", project)  # the match put back
    return db.execute(text(f"SELECT nextval('seq_{name}')")).scalar()
""",
            at="text(",
        ),
    ]

    # A helper that returns the first of its candidates the table has (or None) gives
    # one of the items its caller passes: literal column names are the code's own, a
    # list the request sends is input.
    _PICK_COLUMN = """
from flask import request
from sqlalchemy import inspect, text

from columns import pick_first

def todays_signals(conn):
    cols = [c["name"] for c in inspect(conn).get_columns("signals")]
    time_col = pick_first(cols, {candidates})
    where_sql = " AND ".join([f"{{time_col}} >= CURRENT_DATE", "symbol = :symbol"])
    sql = text(f"SELECT count(*) FROM signals WHERE {{where_sql}}")
    return conn.execute(sql, {{"symbol": "X"}})
"""
    _PICK_FIRST = {
        "columns.py": """
def pick_first(existing, candidates):
    present = set(existing)
    for c in candidates:
        if c in present:
            return c
    return None
"""
    }
    VALID += [Valid(_PICK_COLUMN.format(candidates='["created_at", "ts"]'), files=_PICK_FIRST)]
    INVALID += [
        Invalid(
            _PICK_COLUMN.format(candidates='request.args.getlist("time")'),
            at="text(f",
            files=_PICK_FIRST,
        )
    ]

    # A SQL console runs the statement its user typed, as given, with a limit put
    # after it or a plan asked for; a value put after the statement is judged as any.
    _CONSOLE = """
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text

app = FastAPI()
engine = create_engine("postgresql://app@db/warehouse")

class Query(BaseModel):
    sql: str
    owner: str

@app.post("/run")
def run(query: Query, limit: int = 100):
    with engine.connect() as conn:
        return conn.execute(text({statement})).all()

@app.post("/explain")
def explain(query: Query):
    with engine.connect() as conn:
        return conn.execute(text(f"EXPLAIN ANALYZE {{query.sql}}")).all()
"""
    VALID += [Valid(_CONSOLE.format(statement='f"{query.sql} LIMIT {limit}"'))]
    INVALID += [
        Invalid(
            _CONSOLE.format(statement='f"{query.sql} LIMIT {limit} -- {query.owner}"'),
            at="text(f",
        ),
        Invalid(
            _CONSOLE.format(statement='f"SELECT * FROM {query.sql} LIMIT {limit}"'),
            at="text(f",
        ),
    ]

    # Schema maintenance asks about a constraint or an index of the models by the name
    # they declare (`constraint.name`, `index.name`).
    VALID += [
        Valid(
            """
from sqlalchemy import text

def constraint_exists(conn, constraint):
    constraint_name = constraint.name
    sql = "SELECT COUNT(*) FROM pg_catalog.pg_constraint WHERE conname='%s'" % constraint_name
    return conn.execute(text(sql)).scalar() >= 1

def index_exists(conn, index):
    sql = f"SELECT 1 FROM pg_class WHERE relname = '{index.name}'"
    return conn.execute(text(sql)).first() is not None
"""
        )
    ]

    # The values of a column that is not text (UUIDs), as the database gave them: a
    # query kept in a local, run, its column read out (`.scalars().all()`) and joined
    # into a list of literals. (Text read back is judged as the rows it comes from.)
    _READ_BACK = """
from fastapi import FastAPI, Request
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import User

app = FastAPI()

@app.get("/stats")
async def stats(request: Request, db: AsyncSession):
    excluded = select(User.id).where(User.email.ilike("%@example.com"))
    ids = set({ids})
    id_list = ",".join(f"'{{uid}}'" for uid in ids)
    sql = f"SELECT count(*) FROM notes WHERE user_id NOT IN ({{id_list}})"
    return (await db.execute(text(sql))).scalar_one()
"""
    _USER_MODEL = """
import uuid

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
"""
    VALID += [
        Valid(
            _READ_BACK.format(ids="(await db.execute(excluded)).scalars().all()"),
            files={"models.py": _USER_MODEL},
        )
    ]
    INVALID += [
        Invalid(_READ_BACK.format(ids='request.query_params["ids"].split(",")'), at="text(sql)")
    ]

    # A WHERE clause a method joins from literal conditions, their values bound as
    # parameters, handed back with the parameters and formatted in elsewhere.
    _WHERE_BUILDER = """
from sqlalchemy import text

class QualityChecks:
    def __init__(self, session):
        self.session = session

    def _where(self, filters):
        conditions = []
        params = {{}}
        if filters.study_id:
            conditions.append("m.study_id = :study_id")
            params["study_id"] = filters.study_id
        if filters.analysis_id:
            conditions.append({condition})
            params["prefix"] = f"{{filters.analysis_id}}:%"
        where_clause = ""
        if conditions:
            where_clause = "WHERE " + " AND ".join(conditions)
        return where_clause, params

    def summary(self, filters):
        where_clause, params = self._where(filters)
        return self._count(where_clause, params)

    def _count(self, where_clause, params):
        sql = f"SELECT count(*) FROM measurements m {{where_clause}}"
        return self.session.execute(text(sql), params).scalar()
"""
    VALID += [Valid(_WHERE_BUILDER.format(condition='"m.feature LIKE :prefix"'))]
    INVALID += [
        Invalid(
            _WHERE_BUILDER.format(condition="f\"m.feature LIKE '{filters.analysis_id}:%'\""),
            at="text(sql)",
        )
    ]

    # Flask-SQLAlchemy's `db.text` is SQLAlchemy's `text`; the keys of a query string,
    # numbered by `enumerate()`, name aliases of the SQL (the columns listed in the
    # valid example are the program's own).
    _DISTINCT_ON = """
from flask import request
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

def latest():
    keys = {keys}
    columns = []
    for i, key in enumerate(keys):
        name = "result_data_%s_%s" % (i, key)
        columns.append(db.text("{{}}.value".format(name)))
    return db.session.query(Result).distinct(*columns).all()
"""
    VALID += [Valid(_DISTINCT_ON.format(keys='["item", "type"]'))]
    INVALID += [
        Invalid(
            _DISTINCT_ON.format(keys='request.args.get("_distinct_on", "").split(",")'),
            at="db.text(",
        )
    ]

    # Values already narrowed to a few: an argparse option with `choices=` among
    # literals (lower-cased), a table name refused unless in a list (after a log line
    # that says why), a number tested against a number (a text would raise TypeError).
    VALID += [
        Valid(
            """
import argparse
import sys

from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")
SQL = "SELECT * FROM clusters_{pos}"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pos", choices=["F", "D"], required=True)
    args = parser.parse_args()
    pos = args.pos.lower()
    with engine.connect() as conn:
        return conn.execute(text(SQL.format(pos=pos))).all()

def count(args, logger):
    table = args["--table"]
    tables = ["tweet", "url", "article"]
    if table not in tables:
        logger.critical("Available tables are: %s", tables)
        sys.exit(2)
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM %s" % table)).scalar()

def windows(session, size):
    if size > 1:
        return session.execute(text("SELECT * FROM rows WHERE n % {} = 1".format(size)))
"""
        ),
        # Fixed clauses and generated placeholder names, or a constant when there are
        # none (`... or "1"`); every value is bound.
        Valid(
            """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")

def search(q, difficulties):
    clauses, params = [], {}
    if q:
        clauses.append("trails_fts MATCH :q")
        params["q"] = q
    if difficulties:
        names = ", ".join(f":d{i}" for i in range(len(difficulties)))
        clauses.append(f"t.difficulty IN ({names})")
        params.update({f"d{i}": d for i, d in enumerate(difficulties)})
    where = " AND ".join(clauses) or "1"
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT * FROM trails t WHERE {where}"), params).all()
"""
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
                sink, argument = "`text()`", (call.args[0] if call.args else None)
            elif qualified in LITERAL_CONSTRUCTORS:
                sink, argument = "`literal_column()`", (call.args[0] if call.args else None)
            elif qualified in FRAME_READERS:
                sink, argument = _frame_reader(call, qualified, analysis, scope)
            elif isinstance(func, cst.Attribute) and func.attr.value in QUERY_STRING_METHODS:
                if not _is_query(func.value, analysis, scope):
                    continue
                sink = f"`Query.{func.attr.value}()`"
                argument = next((a for a in call.args if a.keyword is None), None)
            elif isinstance(func, cst.Attribute):
                argument = statement_argument(call)
                sink = _sink(call, func.attr.value, analysis, scope) if argument else None
            if sink is None:
                sink, argument = _project_runner(call, analysis, scope)
            if sink is None or argument is None:
                continue
            how = dynamic_construction(argument.value, analysis, scope)
            if how is None and sink in ("`text()`", "`literal_column()`"):
                finding = _passed_through(call, argument.value, sink, analysis, scope)
                if finding is not None:
                    yield finding
                continue
            if how is None or starts_as_a_name(argument.value, analysis, scope):
                continue
            yield Finding(
                call,
                f"SQL built with {how} from run-time values is passed to {sink}, which allows "
                f"SQL injection; pass the values as bound parameters instead, as in "
                f'`conn.execute(text("SELECT * FROM users WHERE id = :id"), {{"id": user_id}})`.',
            )


def _passed_through(
    call: cst.Call, value: cst.BaseExpression, sink: str, analysis: Analysis, scope: Scope
) -> Finding | None:
    """`.order_by(text(sort))` where `sort` is the request's, or the function's
    parameter as its callers give it: a fragment of the query that whoever fills it
    may fill with SQL."""
    method = clause_fragment(call, analysis)
    if method is None:
        return None
    name = passed_through(value, analysis, scope)
    if name is None:
        return None
    if isinstance(analysis.model.parent(call), cst.ComparisonTarget):
        # `League.name == text(league)`: a value, which the comparison itself binds.
        return Finding(
            call,
            f"`{name}` goes into {sink} unchecked, as a value in the condition of the "
            f"query's `{method}()`, which allows SQL injection; compare with the value "
            f"itself (`Model.column == {name}`), which SQLAlchemy sends as a bound "
            f"parameter.",
        )
    return Finding(
        call,
        f"`{name}` goes into {sink} unchecked, as a fragment of the query's "
        f"`{method}()`, which allows SQL injection; choose the column from "
        f"the ones the code knows (`getattr(Model, name)` after checking `name` against "
        f"a list), or pass the values as bound parameters.",
    )


_SQLALCHEMY_CONNECTABLES = frozenset(
    {Kind.ENGINE, Kind.CONNECTION, Kind.SESSION, Kind.SCOPED_SESSION}
)


def _frame_reader(
    call: cst.Call, qualified: str, analysis: Analysis, scope: Scope
) -> tuple[str | None, cst.Arg | None]:
    """`pd.read_sql(sql, engine)`: a sink when `con` is SQLAlchemy's (an engine, a
    connection, `session.bind`, `engine.connect()`); a DBAPI connection's own use is
    the DBAPI rules'."""
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    argument = keywords.get("sql") or (positional[0] if positional else None)
    con = keywords.get("con") or (positional[1] if len(positional) > 1 else None)
    if argument is None or con is None:
        return None, None
    kind = analysis.resolver.kind_of(con.value, scope)
    if kind not in _SQLALCHEMY_CONNECTABLES:
        return None, None
    if _a_table_name(argument.value, scope):
        return None, None
    return f"`{qualified.rsplit('.', 1)[-1]}()` on a SQLAlchemy {kind.value}", argument


# Words a SQL statement can begin with (any dialect, upper or lower case).
_STATEMENT_WORDS = frozenset(
    {
        "select", "with", "insert", "update", "delete", "merge", "upsert", "replace",
        "create", "drop", "alter", "truncate", "rename", "comment", "grant", "revoke",
        "begin", "start", "commit", "rollback", "savepoint", "release", "set", "reset",
        "show", "describe", "desc", "explain", "analyze", "analyse", "vacuum", "pragma",
        "attach", "detach", "copy", "call", "exec", "execute", "do", "declare", "prepare",
        "deallocate", "values", "table", "lock", "unlock", "use", "load", "refresh",
        "reindex", "cluster", "checkpoint", "listen", "notify", "discard", "import",
        "export",
    }
)  # fmt: skip
_LEADING_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _a_table_name(expr: cst.BaseExpression, scope: Scope) -> bool:
    """`pd.read_sql("symbol-" + ticker, engine)`, `f"prices_{ticker}"` (or a local bound
    only to such): text that starts with a literal word no statement begins with, and
    no space: pandas reads the table of that name, and whatever follows cannot turn it
    into a statement that runs."""
    return _every_text(expr, scope, _names_a_table)


def _names_a_table(text: cst.BaseExpression) -> bool:
    leading = _leading_literal(text)
    if not leading or any(c.isspace() for c in leading):
        return False
    word = _LEADING_WORD.match(leading)
    return word is not None and word.group().lower() not in _STATEMENT_WORDS


def _every_text(
    expr: cst.BaseExpression, scope: Scope, test: Callable[[cst.BaseExpression], bool]
) -> bool:
    """`test` holds for the text `expr`, or for each value of the local it names (bound
    only to text, never to another name)."""
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        values = [a.value for a in bound.assignments.get(expr.value, ())] if bound else []
        return bool(values) and all(
            v is not None and not isinstance(v, cst.Name) and test(v) for v in values
        )
    return test(expr)


def _leading_literal(expr: cst.BaseExpression) -> str | None:
    """The literal text `expr`, a concatenation or an f-string, starts with."""
    while isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        expr = expr.left
    if isinstance(expr, cst.SimpleString):
        return string_literal(expr)  # (not evaluated_value: a NUL byte makes that raise)
    if isinstance(expr, cst.FormattedString) and expr.parts:
        first = expr.parts[0]
        return first.value if isinstance(first, cst.FormattedStringText) else None
    return None


def _project_runner(
    call: cst.Call, analysis: Analysis, scope: Scope
) -> tuple[str | None, cst.Arg | None]:
    """`exec_sql(f"...")`: a project function that runs the argument as SQL text (see
    `semantic.sql_runners`). Only arguments built by formatting, or names, are asked
    about: the question costs the callee's summary."""
    built = [a for a in call.args if not a.star and _maybe_built(a.value, scope, analysis)]
    if not built:
        return None, None
    ref = analysis.resolver.value_of(call.func, scope).ref
    if ref is None or ref.module is None:
        return None, None
    if ref.kind not in (RefKind.FUNCTION, RefKind.BOUND_METHOD):
        return None, None
    for argument in built:
        given = analysis.resolver.callee_parameter(call, argument, scope)
        if given is None:
            continue
        how = analysis.contexts.sql_runners.runs(ref.module, ref.name, given[1])
        if how is not None:
            name = ref.name.rsplit(".", 1)[-1]
            return f"`{name}()`, which runs it with {how}", argument
    return None, None


def _maybe_built(expr: cst.BaseExpression, scope: Scope, analysis: Analysis) -> bool:
    """Formatting, or a local some assignment (or `+=`) binds to formatting: cheap,
    syntactic, before anything is resolved (most calls pass names that are nothing of
    the sort)."""
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return False
        values = [a.value for a in bound.assignments.get(expr.value, ()) if a.value is not None]
        values += augmented_values(expr.value, bound, analysis)
        return any(
            not isinstance(value, cst.Name) and _maybe_built(value, bound, analysis)
            for value in values
        )
    if isinstance(expr, (cst.FormattedString, cst.BinaryOperation)):
        return True
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
    )


def _is_query(expr: cst.BaseExpression, analysis: Analysis, scope: Scope) -> bool:
    """A legacy `Query`: `session.query(...)`, and its chained methods."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        method = expr.func.attr.value
        receiver = expr.func.value
        if method == "query":
            return analysis.resolver.kind_of(receiver, scope) in (
                Kind.SESSION,
                Kind.SCOPED_SESSION,
            )
        expr = receiver
    return False


def _sink(call: cst.Call, method: str, analysis: Analysis, scope: Scope) -> str | None:
    """Which sink `receiver.method(...)` is, in words; None when it takes no SQL text."""
    if method == _DRIVER_SQL_METHOD:
        return f"`{method}()`"
    if method in _EXECUTE_METHODS:
        if statement_receiver(call, analysis, scope) is not None:
            return f"`{method}()`"
        assert isinstance(call.func, cst.Attribute)
        if analysis.contexts.handle_kind(call.func.value, scope) is Kind.ENGINE:
            return f"`{method}()`"
        if method == "execute" and _handle_parameter_given_sql(call, analysis, scope):
            return f"`{method}()`"
    return dbapi_sink(call, analysis, scope)


def _handle_parameter_given_sql(call: cst.Call, analysis: Analysis, scope: Scope) -> bool:
    """`session.execute(query)` on an untyped parameter named as a database handle is
    (`session`, `conn`, `cursor`, ...), where the text visibly starts as a statement
    does (`f"DROP DATABASE {target}"`): whatever the handle is (a SQLAlchemy session, a
    DBAPI connection or cursor), it runs that text as SQL."""
    assert isinstance(call.func, cst.Attribute)
    receiver = call.func.value
    if not isinstance(receiver, cst.Name) or receiver.value not in HANDLE_NAMES:
        return False
    bound = binding_scope(receiver.value, scope)
    if bound is None or receiver.value not in bound.params:
        return False
    if analysis.resolver.kind_of(receiver, scope) is not None:
        return False  # typed: what it is decides (above, or the DBAPI sinks)
    argument = statement_argument(call)
    return argument is not None and _starts_as_a_statement(argument.value, scope)


def _starts_as_a_statement(expr: cst.BaseExpression, scope: Scope) -> bool:
    """Text (or a local bound only to text) whose first word is a statement's."""
    return _every_text(expr, scope, _opens_a_statement)


def _opens_a_statement(text: cst.BaseExpression) -> bool:
    leading = _leading_literal(text)
    word = _LEADING_WORD.match(leading.lstrip()) if leading else None
    return word is not None and word.group().lower() in _STATEMENT_WORDS
