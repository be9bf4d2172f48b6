from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import libcst as cst

from ..semantic import Analysis, Scope
from ..semantic.kinds import CONSTRUCTORS, URL_CREATE
from ._sql_text import binding_scope, scope_of
from .base import Finding, Invalid, Rule, Valid

# scheme://user:password@host... ; the user part may be empty (`redis://:pw@host`).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://(?P<user>[^:@/\s]*):(?P<password>[^@\s/?#]*)@")
_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\{.*\}|\$\w+|\{.*\}|<.*>|\*+|%\(.*\)s|%s|\?+|x+|\.\.\.
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
_ENGINE_FACTORIES = frozenset(
    name for name, kind in CONSTRUCTORS.items() if kind.is_engine and "from_config" not in name
)
_CONFIG_FACTORIES = frozenset(
    name for name, kind in CONSTRUCTORS.items() if kind.is_engine and "from_config" in name
)
_MAX_DEPTH = 6
_PASSWORD_MESSAGE = (
    "Database password written in the code; read it from the environment instead, "
    'as in `password=os.environ["DB_PASSWORD"]`.'
)
_ENVIRONMENT_LOOKUPS = frozenset({"os.getenv", "os.environ.get"})


def password_in(url: str) -> str | None:
    """The password written in a database URL, unless it is missing or a placeholder."""
    match = _URL.match(url)
    if match is None:
        return None
    password = match.group("password")
    if not password or _PLACEHOLDER.match(password):
        return None
    return password


class HardcodedCredentials(Rule):
    """Database password written in the source code.

    ## What it does
    Finds a database URL with a password, such as
    `"postgresql://app:s3cret@db/app"`, passed to `create_engine()`,
    `create_async_engine()` or `engine_from_config()` (directly, or through a
    name or `"sqlalchemy.url"` entry assigned in the same module, or as the
    default of `os.getenv()` / `os.environ.get()`), and
    `URL.create(..., password="s3cret")` with a literal password. In an f-string
    only the literal text counts: `f"postgresql://app:s3cret@{host}/app"` is
    reported, `f"postgresql://app:{password}@{host}/app"` is not. URLs without a
    password, and placeholders such as `${DB_PASSWORD}`, `{password}`,
    `<password>` or `***`, are not reported; neither are URLs that never reach
    SQLAlchemy.

    ## Why is this bad?
    A password in the code is in every clone of the repository, every fork, CI
    log and container image built from it, and stays in the version history after
    it is removed. Rotating it means a code change and a deployment, and the same
    value tends to be used for every environment.

    ## Example
    ```python
    engine = create_engine("postgresql+psycopg://app:s3cret@db.internal/app")
    ```

    ## Use instead
    ```python
    import os

    engine = create_engine(os.environ["DATABASE_URL"])

    # or build it from parts, the password from the environment or a secret store
    url = URL.create(
        "postgresql+psycopg",
        username="app",
        password=os.environ["DB_PASSWORD"],
        host="db.internal",
        database="app",
    )
    engine = create_engine(url)
    ```

    ## Fix safety
    No fix is offered: where the secret should come from (environment, secret
    manager, configuration file) is the project's choice. Rotate a password that
    was committed.

    ## References
    - [Database URLs](https://docs.sqlalchemy.org/en/20/core/engines.html#database-urls)
    - [Creating URLs programmatically](https://docs.sqlalchemy.org/en/20/core/engines.html#creating-urls-programmatically)
    - [OWASP: Use of hard-coded password](https://owasp.org/www-community/vulnerabilities/Use_of_hard-coded_password)
    """

    code = "SQA302"
    name = "hardcoded-credentials"

    VALID = [
        Valid(
            """
import os
from sqlalchemy import URL, create_engine

engine = create_engine(os.environ["DATABASE_URL"])
local = create_engine("sqlite:///app.db")
no_password = create_engine("postgresql://app@db/app")
templated = create_engine("postgresql://app:${DB_PASSWORD}@db/app")
masked = create_engine("postgresql://app:***@db/app")
url = URL.create("postgresql", username="app", password=os.environ["DB_PASSWORD"], host="db")
built = create_engine(f"postgresql://{os.environ['DB_USER']}:{os.environ['DB_PASSWORD']}@db/app")
port_only = create_engine("postgresql://db.internal:5432/app?application_name=a@b")
EXAMPLE = "postgresql://app:s3cret@db/app"  # documentation only, never used
"""
        ),
        Valid(
            """
from mylib import create_engine

engine = create_engine("postgresql://app:s3cret@db/app")
"""
        ),
    ]
    INVALID = [
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://app:s3cret@db.internal/app")
""",
            at='"postgresql+psycopg',
        ),
        Invalid(
            """
import sqlalchemy as sa

DATABASE_URL = "mysql+pymysql://root:hunter2@localhost/shop"

def make_engine():
    return sa.create_engine(DATABASE_URL, pool_pre_ping=True)
""",
            at='"mysql+pymysql',
        ),
        Invalid(
            """
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

url = URL.create("postgresql+asyncpg", username="app", password="s3cret", host="db")
engine = create_async_engine(url)
""",
            at='"s3cret"',
        ),
        Invalid(
            """
from sqlalchemy import engine_from_config

SETTINGS = {"sqlalchemy.url": "postgresql://app:s3cret@db/app", "sqlalchemy.echo": False}
engine = engine_from_config(SETTINGS, prefix="sqlalchemy.")
""",
            at='"postgresql://',
        ),
        Invalid(
            """
import os
from sqlalchemy import create_engine

engine = create_engine(f"postgresql://app:s3cret@{os.environ['DB_HOST']}/app")
""",
            at='f"postgresql',
        ),
        Invalid(
            """
import os
from sqlalchemy import create_engine

engine = create_engine(os.getenv("DATABASE_URL", "postgresql://app:s3cret@localhost/app"))
""",
            at='"postgresql://',
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        resolver = analysis.resolver
        for call in analysis.model.calls:
            qualified = resolver.qualify(call.func)
            if qualified is None:
                continue
            scope = scope_of(analysis, call)
            if qualified in URL_CREATE:
                for arg in call.args:
                    if arg.keyword is not None and arg.keyword.value == "password":
                        for literal in _literals(arg.value, analysis, scope):
                            value = _string_value(literal)
                            if value and not _PLACEHOLDER.match(value):
                                yield Finding(
                                    literal,
                                    _PASSWORD_MESSAGE,
                                )
                continue
            url_argument = _url_argument(call, qualified)
            if url_argument is None:
                continue
            for literal in _url_literals(url_argument, qualified, analysis, scope):
                value = _string_value(literal)
                if value is not None and password_in(value) is not None:
                    yield Finding(
                        literal,
                        "Database URL with a password written in the code; read it from the "
                        'environment instead, as in `create_engine(os.environ["DATABASE_URL"])`.',
                    )


def _url_argument(call: cst.Call, qualified: str) -> cst.BaseExpression | None:
    if qualified not in _ENGINE_FACTORIES and qualified not in _CONFIG_FACTORIES:
        return None
    keyword = "configuration" if qualified in _CONFIG_FACTORIES else "url"
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _url_literals(
    expr: cst.BaseExpression, qualified: str, analysis: Analysis, scope: Scope
) -> Iterator[cst.SimpleString | cst.FormattedString]:
    if qualified in _CONFIG_FACTORIES:
        for mapping in _values(expr, analysis, scope):
            if isinstance(mapping, cst.Dict):
                for element in mapping.elements:
                    if (
                        isinstance(element, cst.DictElement)
                        and isinstance(element.key, cst.SimpleString)
                        and str(element.key.evaluated_value).endswith("url")
                    ):
                        yield from _literals(element.value, analysis, scope)
        return
    yield from _literals(expr, analysis, scope)


def _values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> Iterator[cst.BaseExpression]:
    """`expr` itself, or what a name is bound to (in this module)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(expr, cst.Name):
        bound = binding_scope(expr.value, scope)
        if bound is None:
            return
        for assignment in bound.assignments.get(expr.value, ()):
            if assignment.value is not None and not assignment.via_with:
                yield from _values(assignment.value, analysis, bound, depth + 1)
        return
    yield expr


def _literals(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope
) -> Iterator[cst.SimpleString | cst.FormattedString]:
    for value in _values(expr, analysis, scope):
        if isinstance(value, (cst.SimpleString, cst.FormattedString)):
            yield value
        elif isinstance(value, cst.IfExp):
            for branch in (value.body, value.orelse):
                yield from _literals(branch, analysis, scope)
        elif (
            isinstance(value, cst.Call)
            and analysis.resolver.qualify(value.func) in _ENVIRONMENT_LOOKUPS
            and len(value.args) >= 2
        ):
            # os.environ.get("DATABASE_URL", "postgresql://app:s3cret@..."): the default is
            # in the code.
            yield from _literals(value.args[1].value, analysis, scope)


def _string_value(node: cst.SimpleString | cst.FormattedString) -> str | None:
    """The text of a string literal; an f-string's replacement fields read as `{}`, so
    `f"postgresql://app:{password}@{host}/db"` has a placeholder password."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return "".join(
        part.value if isinstance(part, cst.FormattedStringText) else "{}" for part in node.parts
    )
