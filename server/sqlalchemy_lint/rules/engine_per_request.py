from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import libcst as cst

from ..diagnostics import Applicability, Fix, Span
from ..fixes import module_level_engine_fix
from ..semantic import Analysis, Escape, Lifetime
from ._messages import code_of
from .base import Finding, Invalid, Rule, Valid

_SINGLETON_ESCAPES = {Escape.STORED}


class EnginePerRequest(Rule):
    """Engine created where it runs again and again: per request or per loop iteration.

    ## What it does
    Finds `create_engine(...)`, `create_async_engine(...)` and
    `engine_from_config(...)` calls inside web request handlers (Flask/Quart routes
    and request hooks, FastAPI/Starlette endpoints and the dependencies they use
    through `Depends(...)`, Django views), inside functions those handlers call in
    the same module, and inside loop bodies and comprehensions.

    Not flagged: module level (and `if __name__ == "__main__":`), functions that
    hand the engine out for reuse (store it on a global, `self`, a class attribute
    or a cache dict; outside request handlers also return or yield it), cached
    factories (`functools.lru_cache` / `cache`), pytest fixtures, click/typer
    commands, and, outside request handlers, an engine disposed in the same loop
    iteration (a deliberate one-shot). Inside a request handler an engine is
    flagged even when it is disposed: a new pool per request defeats pooling.

    ## Why is this bad?
    An `Engine` owns a connection pool and is meant to be created once per
    process and shared. Creating one per request opens a fresh database
    connection (TCP, TLS, authentication) every time, and each engine that is not
    disposed keeps its pooled connections open until it is garbage collected, so
    the database runs out of connections.

    ## Example
    ```python
    @app.get("/users")
    def list_users():
        engine = create_engine(DATABASE_URL)
        with engine.connect() as conn:
            return conn.execute(select(users)).all()
    ```

    ## Use instead
    ```python
    engine = create_engine(DATABASE_URL)

    @app.get("/users")
    def list_users():
        with engine.connect() as conn:
            return conn.execute(select(users)).all()
    ```

    ## Fix safety
    When the engine's arguments are constants or module-level names, the fix
    moves the engine to module level; otherwise it offers a cached factory
    (`functools.lru_cache`). Both are unsafe: the engine is then shared across
    calls, which changes when it is created and disposed.

    ## References
    - [Engine Configuration](https://docs.sqlalchemy.org/en/20/core/engines.html)
    - [Connection Pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    """

    code = "SQA103"
    name = "engine-per-request"

    VALID = [
        Valid(
            """
import functools
from flask import Flask
from sqlalchemy import create_engine

app = Flask(__name__)
engine = create_engine("sqlite://")

@functools.lru_cache
def get_engine():
    return create_engine("sqlite://")

@app.route("/")
def index():
    with get_engine().connect() as conn:
        return "ok"

if __name__ == "__main__":
    one_off = create_engine("sqlite://")
"""
        ),
        Valid(
            """
from sqlalchemy import create_engine

_engine = None

def get_engine():
    global _engine
    if _engine is None:
        _engine = create_engine("sqlite://")
    return _engine

def migrate_all(urls):
    for url in urls:
        engine = create_engine(url)
        try:
            engine.connect().close()
        finally:
            engine.dispose()

def script(url):
    engine = create_engine(url)
    return engine
"""
        ),
        Valid(
            """
import click
import pytest
from sqlalchemy import create_engine

@click.command()
@click.argument("url")
def check(url):
    engine = create_engine(url)

@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()

ENGINES = {name: create_engine(url) for name, url in [("a", "sqlite://")]}
"""
        ),
    ]
    INVALID = [
        Invalid(
            """
from fastapi import FastAPI
from sqlalchemy import create_engine

app = FastAPI()

@app.get("/users")
def list_users():
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        return []
""",
            at='create_engine("sqlite://")',
        ),
        Invalid(
            """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

app = FastAPI()

def get_session():
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        yield session

@app.get("/items")
def items(session: Session = Depends(get_session)):
    return []
""",
            at='create_engine("sqlite://")',
        ),
        Invalid(
            """
from flask import Blueprint
import sqlalchemy as sa

bp = Blueprint("api", __name__)

def engine_for(tenant):
    return sa.create_engine(f"sqlite:///{tenant}.db")

@bp.route("/<tenant>")
def show(tenant):
    engine = engine_for(tenant)
    engine.dispose()
    return "ok"
""",
            at="sa.create_engine(",
        ),
        Invalid(
            """
from sqlalchemy import create_engine, text

def sync(urls):
    for url in urls:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
""",
            at="create_engine(url)",
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for life in analysis.engines:
            message = self._problem(analysis, life)
            if message is not None:
                yield Finding(life.call, message, life)

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        fix = module_level_engine_fix(source, span)
        # Sharing one engine across calls changes when it is created and disposed
        # (and what its event listeners see): never applied without --unsafe-fixes.
        return None if fix is None else replace(fix, applicability=Applicability.UNSAFE)

    def _problem(self, analysis: Analysis, life: Lifetime) -> str | None:
        contexts = analysis.contexts
        scope = life.scope
        created = code_of(life.call.func) + "()"
        if scope.is_module:
            if contexts.in_main_guard(life.call):
                return None
            return self._loop_problem(analysis, life, created)
        function = scope
        while isinstance(function.node, cst.Lambda) and function.parent is not None:
            function = function.parent
        if contexts.runs_once(function) or life.escapes & _SINGLETON_ESCAPES:
            return None
        request = contexts.request_context(function)
        if request is not None:
            return (
                f"`{created}` runs on every request because `{request.function}` "
                f"{request.why}; create the engine once at module level and reuse it."
            )
        return self._loop_problem(analysis, life, created)

    def _loop_problem(self, analysis: Analysis, life: Lifetime, created: str) -> str | None:
        loop = analysis.contexts.enclosing_loop(life.call)
        if loop is None or life.escapes:
            return None
        loop_body_disposes = any(
            loop in set(analysis.model.ancestors(release)) for release in life.releases
        )
        if loop_body_disposes:
            return None
        return (
            f"`{created}` creates a new engine and pool on every loop iteration; create it "
            f"once before the loop, or call `dispose()` at the end of each iteration."
        )
