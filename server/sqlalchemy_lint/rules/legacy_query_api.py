from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

from ..diagnostics import Applicability, Fix, Position, Severity, Span, TextEdit
from ..fixes.edits import apply_edits, split_lines
from ..fixes.syntax import SourceTree, compiles
from ..semantic import Analysis, Kind, Scope
from ..semantic.model import binding_scope
from ._messages import code_of
from ._sql_fix import sqlalchemy_callee
from ._sql_text import scope_of
from .base import Finding, Invalid, Rule, Valid

# `scoped_session` proxies `Session.query()`; an `AsyncSession` has no `query()`.
_QUERY_RECEIVERS = frozenset({Kind.SESSION, Kind.SCOPED_SESSION})
# `async_scoped_session` shares the kind of `scoped_session` but proxies an AsyncSession.
_ASYNC_REGISTRIES = frozenset(
    {
        "sqlalchemy.ext.asyncio.async_scoped_session",
        "sqlalchemy.ext.asyncio.scoping.async_scoped_session",
    }
)
_SELECT_CONSTRUCTORS = frozenset(
    {
        "sqlalchemy.select",
        "sqlalchemy.future.select",
        "sqlalchemy.sql.select",
        "sqlalchemy.sql.expression.select",
    }
)
# Query methods that refine the statement, and their `Select` twin (same meaning for one entity).
_BUILDERS = {"filter": "where", "where": "where", "filter_by": "filter_by", "order_by": "order_by"}
_WINDOW = frozenset({"limit", "offset"})
# Query methods that run the query, and give what the same method of `ScalarResult` gives.
_TERMINALS = frozenset({"all", "first", "one", "one_or_none"})
# CapWords, as classes are named (`User`, `OrderLine`); not a CONSTANT.
_CLASS_NAME = re.compile(r"_*[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*")
_MAX_DEPTH = 8


@dataclass
class LegacyQuery(Finding):
    entity: bool = False  # the query selects one mapped class, visibly


class LegacyQueryApi(Rule):
    """`Session.query()`, the legacy 1.x Query API, instead of 2.0-style `select()`.

    ## What it does
    Finds `query()` calls on an ORM `Session`: `Session(engine)`, a session from a
    `sessionmaker` factory, `with Session(engine) as session`, a parameter or
    `self` attribute annotated `Session`, a `scoped_session` registry and
    Flask-SQLAlchemy's `db.session`. Receivers are recognised by what they are,
    never by their name: `query()` of pandas data frames, search clients, Django
    managers or any other class is not reported, and neither is
    Flask-SQLAlchemy's `Model.query` nor a receiver whose kind is unknown. The
    finding is at the start of the `query()` call, once per call.

    ## Why is this bad?
    `Query` is a legacy API in SQLAlchemy 2.0: it still works, but it is no
    longer developed, and the ORM and Core now share one way to build a
    statement: `select()`, run with `session.execute()` or `session.scalars()`.
    New features (typed results, `insert()` / `update()` with ORM entities,
    `AsyncSession`, which has no `query()` at all) come only in that style, and
    mixing the two styles in a code base makes every query harder to read. The
    information-level finding marks what is left to migrate.

    ## Example
    ```python
    user = session.query(User).filter_by(email=email).first()
    admins = session.query(User).filter(User.is_admin).order_by(User.name).all()
    order = session.query(Order).get(order_id)
    ```

    ## Use instead
    ```python
    from sqlalchemy import select

    user = session.scalars(select(User).filter_by(email=email).limit(1)).first()
    admins = session.scalars(select(User).where(User.is_admin).order_by(User.name)).all()
    order = session.get(Order, order_id)
    ```

    Rows of several entities or columns come from `session.execute()`:
    `session.execute(select(User.name, Address.email).join(User.addresses)).all()`;
    a count from `session.scalar(select(func.count()).select_from(User))`.

    ## Fix safety
    A fix is offered for a query of one mapped class (a class defined in the
    module, or imported under a CapWords name) that ends in `.all()`,
    `.first()`, `.one()` or `.one_or_none()` in the same expression, with only
    `.filter()` / `.where()` (which become `.where()`), `.filter_by()`,
    `.order_by()`, `.limit()` and `.offset()` in between, and for
    `session.query(Model).get(pk)`, which becomes `session.get(Model, pk)`. It
    adds `from sqlalchemy import select` when the module cannot call `select`
    yet. `.first()` keeps the `LIMIT 1` that `Query.first()` added. The chain is
    written on one line, so a chain with comments between its methods gets no
    fix.

    The fix is unsafe: `Query` removes duplicate objects from its results and
    `ScalarResult` does not. For one entity without joins the rows are distinct
    objects anyway, except when the class loads a collection with joined eager
    loading (`lazy="joined"`): then the 2.0 result raises until `.unique()` is
    added before `.all()`. Queries of several entities or of columns, with
    `.join()`, `.options()`, `.count()` or other methods, and queries iterated or
    stored before they run, are reported without a fix.

    ## References
    - [Legacy Query API](https://docs.sqlalchemy.org/en/20/orm/queryguide/query.html)
    - [Migrating to 2.0: ORM Query unified with Core Select](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#orm-query-unified-with-core-select)
    - [ORM Querying Guide](https://docs.sqlalchemy.org/en/20/orm/queryguide/index.html)
    """

    code = "SQA203"
    name = "legacy-query-api"
    default_severity = Severity.INFORMATION

    VALID = [
        Valid(
            """
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

engine = create_engine("sqlite://")

def migrated(name):
    with Session(engine) as session:
        user = session.scalars(select(User).filter_by(name=name)).first()
        same = session.get(User, 1)
        rows = session.execute(select(User.id, User.name)).all()
        return user, same, rows
"""
        ),
        Valid(
            """
import sqlite3

import pandas as pd
import requests
from elasticsearch_dsl import Search
from sqlalchemy.orm import Session

class SearchClient:
    def query(self, text):
        return [text]

def look_alikes(frame: pd.DataFrame, client: SearchClient, User, db: sqlite3.Connection):
    frame.query("total > 100")
    client.query("status:open")
    Search(index="orders").query("match", status="open")
    User.query.filter_by(name="ada").first()  # Flask-SQLAlchemy's Model.query
    http = requests.Session()
    http.query("ping")
    db.execute("SELECT 1")

def scoped(session: Session, User):
    return session.scalars(session.query)  # not a call of query()
"""
        ),
    ]
    INVALID = [
        Invalid(
            """
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

engine = create_engine("sqlite://")

def find(name):
    with Session(engine) as session:
        return session.query(User).filter_by(name=name).first()
""",
            at="session.query(User)",
            expected_fix="""
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

engine = create_engine("sqlite://")

def find(name):
    with Session(engine) as session:
        return session.scalars(select(User).filter_by(name=name).limit(1)).first()
""",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session

from .models import Order

def load(session: Session, order_id):
    return session.query(Order).get(order_id)
""",
            at="session.query(Order)",
            expected_fix="""
from sqlalchemy.orm import Session

from .models import Order

def load(session: Session, order_id):
    return session.get(Order, order_id)
""",
        ),
        Invalid(
            """
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

from . import models

engine = sa.create_engine("sqlite://")
db_session = scoped_session(sessionmaker(bind=engine))

def admins():
    return (
        db_session.query(models.User)
        .filter(models.User.is_admin)
        .order_by(models.User.name)
        .all()
    )
""",
            at="db_session.query(",
            expected_fix="""
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

from . import models

engine = sa.create_engine("sqlite://")
db_session = scoped_session(sessionmaker(bind=engine))

def admins():
    return (
        db_session.scalars(sa.select(models.User).where(models.User.is_admin).order_by(models.User.name)).all()
    )
""",
        ),
        Invalid(
            """
from flask_sqlalchemy import SQLAlchemy

from .models import Invoice

db = SQLAlchemy()

def totals():
    return db.session.query(Invoice.customer_id, Invoice.total).all()
""",
            at="db.session.query(",
        ),
        Invalid(
            """
from sqlalchemy.orm import sessionmaker

from .database import engine
from .models import User

SessionLocal = sessionmaker(bind=engine)

def count_users():
    with SessionLocal() as session:
        return session.query(User).count()
""",
            at="session.query(User)",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for call in analysis.model.calls:
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value != "query":
                continue
            scope = scope_of(analysis, call)
            kind = analysis.resolver.kind_of(func.value, scope)
            if kind not in _QUERY_RECEIVERS:
                continue
            if kind is Kind.SCOPED_SESSION and _is_async_registry(func.value, analysis, scope):
                continue
            args = call.args
            entity = (
                len(args) == 1
                and args[0].keyword is None
                and not args[0].star
                and _names_a_class(args[0].value, analysis, scope)
            )
            yield LegacyQuery(call, _message(call, analysis, entity), entity=entity)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        if not isinstance(finding, LegacyQuery) or not finding.entity:
            return None
        tree = SourceTree.parse(source)
        query = tree.find_call(span) if tree is not None else None
        if tree is None or query is None or not isinstance(query.func, cst.Attribute):
            return None
        chain = _method_chain(tree, query)
        if chain is None or _parenthesised(query, chain):
            return None
        receiver = query.func.value
        entity = query.args[0].value
        *steps, (terminal, last) = chain
        import_edits: tuple[TextEdit, ...] = ()
        if terminal == "get":
            if steps or not _single_positional(last.args):
                return None
            replacement: cst.BaseExpression = _call(
                receiver, "get", [cst.Arg(entity, comma=_COMMA), cst.Arg(last.args[0].value)]
            )
            title = f"Use `{code_of(receiver)}.get()`"
        else:
            if last.args or not _valid_steps(steps):
                return None
            callee = sqlalchemy_callee(
                tree, len(split_lines(source)), "select", _SELECT_CONSTRUCTORS
            )
            if callee is None:
                return None
            name, import_edits = callee
            statement: cst.BaseExpression = cst.Call(
                func=cst.parse_expression(name), args=[cst.Arg(entity)]
            )
            for method, step in steps:
                statement = _call(statement, _BUILDERS.get(method, method), step.args)
            if terminal == "first":
                statement = _call(statement, "limit", [cst.Arg(cst.Integer("1"))])
            scalars = _call(receiver, "scalars", [cst.Arg(statement)])
            replacement = _call(scalars, terminal, [])
            title = f"Use `{code_of(receiver)}.scalars(select(...)).{terminal}()`"
        new_code = tree.module.code_for_node(replacement)
        if not _keeps_comments(last, new_code):
            return None
        where = tree.range_of(last)
        edit = TextEdit(
            Span(
                Position(where.start.line, where.start.column),
                Position(where.end.line, where.end.column),
            ),
            new_code,
        )
        edits = (*import_edits, edit)
        if not compiles(apply_edits(source, edits)):
            return None
        return Fix(title, Applicability.UNSAFE, edits)


_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _message(call: cst.Call, analysis: Analysis, entity: bool) -> str:
    assert isinstance(call.func, cst.Attribute)
    receiver = code_of(call.func.value)
    columns = ", ".join(code_of(arg.value) for arg in call.args) if call.args else ""
    if len(columns) > 40 or "\n" in columns or any(a.keyword or a.star for a in call.args):
        columns = "..."
    parent = analysis.model.parent(call)
    grandparent = analysis.model.parent(parent) if parent is not None else None
    if (
        entity
        and isinstance(parent, cst.Attribute)
        and parent.attr.value == "get"
        and isinstance(grandparent, cst.Call)
        and grandparent.func is parent
    ):
        replacement = f"{receiver}.get({columns}, ...)"
    elif entity:
        replacement = f"{receiver}.scalars(select({columns}))"
    else:
        replacement = f"{receiver}.execute(select({columns}))"
    return (
        f"`Session.query()` is the legacy 1.x Query API; "
        f"use `{replacement}` in SQLAlchemy 2.0 style."
    )


def _names_a_class(expr: cst.BaseExpression, analysis: Analysis, scope: Scope) -> bool:
    """Whether `expr` visibly names a class (so the query selects mapped objects, not
    columns or a table): a module-level class of this module, an imported CapWords
    name, or `module.CapWords`."""
    model = analysis.model
    if isinstance(expr, cst.Name):
        name = expr.value
        if binding_scope(name, scope) is not None:
            return False  # rebound: could be `aliased()`, a column, a table
        if name in model.classes:
            return True
        qualified = model.imports.get(name)
        return (
            qualified is not None
            and not qualified.startswith("sqlalchemy")
            and bool(_CLASS_NAME.fullmatch(name))
        )
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        module = expr.value.value
        qualified = model.imports.get(module)
        return (
            qualified is not None
            and binding_scope(module, scope) is None
            and not qualified.startswith("sqlalchemy")
            and module.islower()
            and bool(_CLASS_NAME.fullmatch(expr.attr.value))
        )
    return False


def _is_async_registry(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> bool:
    """Whether `expr` is (a name bound to) `async_scoped_session(...)`."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, cst.Call):
        return analysis.resolver.qualify(expr.func) in _ASYNC_REGISTRIES
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return False
        return any(
            a.value is not None and _is_async_registry(a.value, analysis, bound, depth + 1)
            for a in bound.assignments.get(expr.value, ())
        )
    return False


def _method_chain(tree: SourceTree, query: cst.Call) -> list[tuple[str, cst.Call]] | None:
    """The methods called on the query, up to and including the one that runs it;
    None when the query is not run in the same expression by a method the fix knows."""
    chain: list[tuple[str, cst.Call]] = []
    current: cst.Call = query
    while True:
        attribute = tree.parent(current)
        if not isinstance(attribute, cst.Attribute) or attribute.value is not current:
            return None
        call = tree.parent(attribute)
        if not isinstance(call, cst.Call) or call.func is not attribute:
            return None
        method = attribute.attr.value
        chain.append((method, call))
        if method in _TERMINALS or method == "get":
            return chain
        if method not in _BUILDERS and method not in _WINDOW:
            return None
        current = call


def _parenthesised(query: cst.Call, chain: Sequence[tuple[str, cst.Call]]) -> bool:
    """Parentheses inside the chain (or around the receiver) that the rewrite would move."""
    assert isinstance(query.func, cst.Attribute)
    nodes: list[cst.BaseExpression] = [query.func.value, query, query.func]
    for _, call in chain[:-1]:
        nodes.append(call)
    for _, call in chain:
        nodes.append(call.func)
    return any(getattr(node, "lpar", None) or getattr(node, "rpar", None) for node in nodes)


def _single_positional(args: Sequence[cst.Arg]) -> bool:
    return len(args) == 1 and args[0].keyword is None and not args[0].star


def _valid_steps(steps: Sequence[tuple[str, cst.Call]]) -> bool:
    """Arguments `Select` takes the same way, in an order `Query` accepts (it refuses
    criteria or ordering after LIMIT / OFFSET)."""
    windowed = False
    for method, call in steps:
        args = call.args
        if method in _WINDOW:
            if not _single_positional(args):
                return False
            windowed = True
            continue
        if windowed:
            return False
        if method == "filter_by":
            if any(a.keyword is None and a.star != "**" for a in args):
                return False
        elif any(a.keyword is not None or a.star == "**" for a in args):
            return False
        if method == "order_by" and any(
            isinstance(a.value, cst.Name) and a.value.value == "False" for a in args
        ):
            return False  # `Query.order_by(False)` resets; `Select.order_by()` has no such form
    return True


def _call(receiver: cst.BaseExpression, method: str, args: Sequence[cst.Arg]) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(method)), args=args)


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node.value)


def _keeps_comments(node: cst.CSTNode, new_code: str) -> bool:
    """Whether every comment inside `node` survives in the rewritten code (the fix
    writes the chain on one line, which drops comments between its methods)."""
    visitor = _Comments()
    node.visit(visitor)
    return all(comment in new_code for comment in visitor.found)
