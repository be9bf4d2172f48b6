from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Union

import libcst as cst

from ..semantic import Analysis, Scope
from ..semantic.kinds import CONSTRUCTORS, DATABASE_DIALECTS, URL_CREATE
from ..semantic.model import binding_scope, global_references
from ..semantic.project import is_test_file
from ._sql_text import scope_of, string_literal
from .base import Finding, Invalid, Rule, Valid

# scheme://user:password@host... ; the user part may be empty (`redis://:pw@host`).
# SQLAlchemy reads everything up to the `@` as the password, `#` and `?` included
# (`postgres:#pw#@localhost`); a `/` ends it here, as it ends a host and port
# (`db:5432/app?name=a@b` has no password).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://(?P<user>[^:@/\s]*):(?P<password>[^@\s/]*)@")
_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\{.*\}|\$\w+|\{.*\}|<.*>|\*+|%\(.*\)s|%s|\?+|x+|\.\.\.
        # the words of templates and documentation: a dummy URL that only gives a
        # dialect, a test default; they keep no secret
        |pass|password|passwd|pwd|secret|changeme|change[-_]?me|dummy|placeholder|example
        |(?:your|my)[-_]?(?:db[-_]?)?password
        # the same word in the languages of templates seen in the wild
        |密码|密碼|口令|パスワード|비밀번호|пароль|contraseña|contrasena|senha|passwort|kennwort
        |mot[-_]?de[-_]?passe|wachtwoord|hasło|haslo|şifre|sifre|parola
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
_URL_QUOTING = frozenset({"urllib.parse.quote", "urllib.parse.quote_plus"})
_URL_MESSAGE = (
    "Database URL with a password written in the code; read it from the environment instead, "
    'as in `create_engine(os.environ["DATABASE_URL"])`.'
)
# Flask-SQLAlchemy's configuration keys for its database URLs.
_CONFIG_KEYS = frozenset({"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_BINDS"})
_Literal = Union[cst.SimpleString, cst.FormattedString, cst.ConcatenatedString]


def password_in(url: str) -> str | None:
    """The password written in a URL, unless it is missing or a placeholder."""
    match = _password_match(url)
    return match.group("password") if match is not None else None


def _password_match(url: str) -> re.Match[str] | None:
    match = _URL.match(url)
    if match is None:
        return None
    password = match.group("password")
    if not password or _PLACEHOLDER.match(password):
        return None
    return match


def is_database_url(url: str) -> bool:
    """`postgresql+psycopg2://...`: a URL whose scheme is a SQLAlchemy dialect."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return scheme.split("+", 1)[0].lower() in DATABASE_DIALECTS


class HardcodedCredentials(Rule):
    """Database password written in the source code.

    ## What it does
    Finds a database URL with a password, such as `"postgresql://app:s3cret@db/app"`,
    passed to `create_engine()`, `create_async_engine()` or `engine_from_config()`
    (directly, or through a name or `"sqlalchemy.url"` entry assigned in the same
    module, or what a function of the module returns,
    `create_engine(connection_string())`), and `URL.create(..., password="s3cret")` with
    a literal password.

    Settings are checked where they are written, since they reach the engine
    from another module: a module-level name, a class attribute (a pydantic
    `BaseSettings` field default, a `class Config:` attribute) or a Flask-SQLAlchemy
    `SQLALCHEMY_DATABASE_URI` / `SQLALCHEMY_BINDS` entry (`app.config[...] = ...`,
    `config.update(...)`, a dict literal) holding such a URL. There a URL counts
    only when its scheme is a
    SQLAlchemy dialect (`postgresql`, `mysql`, `mariadb`, `sqlite`, `oracle`,
    `mssql`, `cockroachdb`, `redshift`, `snowflake`, ... with or without
    `+driver`): Redis, AMQP, Elasticsearch or HTTP URLs are not database URLs.
    A literal reached on two paths is reported once.

    A URL put together by an f-string, `+`, `.format()` or `%`
    (`"mysql://root:%s@db/app" % quote("s3cret")`: `quote()` and `quote_plus()` keep the
    password) is reported when its password is a literal of the code:
    `f"postgresql://app:s3cret@{host}/app"`, and
    `f"postgresql://app:{password}@{host}/app"` or `"postgresql://app:" + password +
    "@db/app"` where `password = "s3cret"` in the same module (reported at that
    literal); a password read from the environment, the user or anywhere else is not,
    and one that is an environment lookup's fallback counts only for a URL that names a
    deployed server (see below). A URL written as implicitly concatenated literals is
    reported at the literal in which the password starts. URLs without a password, URLs
    read from the environment (a fallback, `os.getenv("DATABASE_URL",
    "postgresql://app:app@localhost/app")`, directly or through a name used only there
    or after `os.getenv("DATABASE_URL") or`, counts only when it names a server by a
    dotted name or address that is not the local machine: `localhost` or a compose
    service's `db` is the development database's), and placeholders such as
    `${DB_PASSWORD}`, `{password}`, `<password>`, `%(password)s`, `***` or the words
    templates use (`user:pass`, `password`, `changeme`, `your_password`, `dummy`, and
    "password" in the languages templates are written in: `密码`, `пароль`, ...) are not
    reported: they keep no secret. Nor, in the tests (`test_*.py`, `conftest.py`, a
    `tests/` folder, a function or class named for them: `db_uri_for_testing()`,
    `TestingConfig`) or in a template users copy and fill in (`config.example.py`,
    `settings_sample.py`), is a URL for the local machine or a compose service: it
    guards the tests' throwaway database or is a placeholder. A URL there that names a
    deployed server is reported.

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
        # The tests' database, in a function the testing configuration calls.
        Valid(
            """
import os

def db_uri_for_testing():
    port = os.getenv("POSTGRES_5432_TCP")
    if port:
        return f"postgresql+psycopg2://resultsdb:resultsdb@localhost:{port}/resultsdb"
    return "sqlite:///.test_db.sqlite"

class TestingConfig:
    SQLALCHEMY_DATABASE_URI = db_uri_for_testing()
"""
        ),
        # A URL built from itself, from what the user typed in.
        Valid(
            """
from sqlalchemy import create_engine

def login(user, password):
    url = "postgresql://{user}:{password}@db.example.com/app"
    url = url.format(user=user, password=password)
    return create_engine(url)
"""
        ),
        Valid(
            """
import os
from sqlalchemy import URL, create_engine

# Read from the environment; the fallbacks are the development database's (the
# local machine, a compose service).
engine = create_engine(os.getenv("DATABASE_URL", "postgresql://app:app@localhost/app"))
local_db = "postgresql://dev:dev_pass@db:5432/dev"
SQLALCHEMY_DATABASE_URI = os.environ.get("SQLALCHEMY_DATABASE_URI", local_db)
DEFAULT_DB_URL = "postgresql+psycopg2://postgres:postgres@postgres:5432/trader"

def trader_engine():
    return create_engine(os.getenv("DB_URL") or DEFAULT_DB_URL)
url = URL.create("postgresql", password=os.getenv("DB_PASSWORD", "mysecretpassword"))
"""
        ),
        Valid(
            """
import os
from sqlalchemy import URL, create_engine

engine = create_engine(os.environ["DATABASE_URL"])
local = create_engine("sqlite:///app.db")
no_password = create_engine("postgresql://app@db/app")
templated = create_engine("postgresql://app:${DB_PASSWORD}@db/app")
formatted = create_engine("postgresql://{}:{}@db/app".format(os.environ["USER"], os.environ["PW"]))
masked = create_engine("postgresql://app:***@db/app")
dialect_only = create_engine("oracle+oracledb://user:pass@localhost/db")
_DEFAULT_DB = "mysql://scott:password@localhost/test"
url = URL.create("postgresql", username="app", password=os.environ["DB_PASSWORD"], host="db")
built = create_engine(f"postgresql://{os.environ['DB_USER']}:{os.environ['DB_PASSWORD']}@db/app")
port_only = create_engine("postgresql://db.internal:5432/app?application_name=a@b")
"""
        ),
        # A settings template whose placeholders are the words, in Chinese, for "user
        # name", "password" and "host".
        Valid(
            """
SQL_CHAT = {
    "sqlalchemy_connect_str": "mysql+pymysql://用户名:密码@主机地址/数据库名称",
}
"""
        ),
        Valid(
            """
import os

REDIS_URL = os.environ.get("REDIS_URL", "redis://:cachepw@localhost:6379/0")
BROKER_URL = "amqp://jobs:jobs@rabbit:5672//"
ELASTIC_URL = "http://elastic:changeme@localhost:9200"
DATABASE_URL = os.environ["DATABASE_URL"]
REPLICA_URL = os.environ.get("REPLICA_URL", "postgresql+psycopg2://reader@replica/app")

class Settings:
    database_url: str = "postgresql+asyncpg://app:{password}@db/app"
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
        # SQLAlchemy reads `#bb9911#` as the password: everything up to the `@`.
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg2://postgres:#bb9911#@localhost:6116/test")
""",
            at='"postgresql',
        ),
        # The password, escaped for the URL, fills the template's `%s`.
        Invalid(
            """
from urllib.parse import quote

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "mysql+pymysql://root:%s@localhost/clinic" % quote(
    "01312101220LtfA"
)
db = SQLAlchemy(app)
""",
            at='"01312101220LtfA"',
        ),
        # The engine's URL is what a function of the module returns.
        Invalid(
            """
import os

from sqlalchemy import create_engine

def connection_string():
    if os.name == "nt":
        return os.environ["DATABASE_URL"]
    return "mysql+pymysql://imageimprov:Pr0dPassw0rd@10.0.0.7:3306/imageimprov"

engine = create_engine(connection_string(), pool_recycle=3600)
""",
            at='"mysql+pymysql',
        ),
        Invalid(
            """
import os
from sqlalchemy import create_engine

engine = create_engine(
    os.getenv("DATABASE_URL", "postgresql://app:s3cret@db.internal.example.com/app")
)
""",
            at='"postgresql://',
        ),
        Invalid(
            """
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg://app:s3cret@db.internal/app")
""",
            at='"postgresql+psycopg',
        ),
        Invalid(
            """
DB_SERVER = "localhost:3306"
# The template, with its password, is in the code; only the host is filled in.
SQLALCHEMY_DATABASE_URI = "mysql://root:root1234@{}/library".format(DB_SERVER)
""",
            at='"mysql://',
        ),
        Invalid(
            """
from sqlalchemy import create_engine

def make_engine(host):
    return create_engine("postgresql://app:s3cret@%s/app" % host)
""",
            at='"postgresql://',
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
from sqlalchemy import create_engine

def finance_engine():
    return create_engine(
        "mssql+pyodbc://sa:YourStrong!Passw0rd@finance-db:1433/ledger"
        "?driver=ODBC+Driver+18+for+SQL+Server"
    )
""",
            at='"mssql+pyodbc',
        ),
        Invalid(
            """
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    database_url: str = "postgresql+asyncpg://tickets:tickets@localhost:5432/tickets"
    pool_size: int = 10
""",
            at='"postgresql+asyncpg',
        ),
        Invalid(
            """
from flask import Flask

def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://admin:admin123@localhost/accounts"
    return app
""",
            at='"postgresql://',
        ),
    ]

    # URLs put together from pieces: the password is a literal of the code all the same.
    _PIECES = """
import os
from sqlalchemy import create_engine

USER = "admin"
HOST = "smart-city.cuvz2t3c3rzu.eu-central-1.rds.amazonaws.com"
{password}

def engines():
    yield create_engine(f"mysql+pymysql://{{USER}}:{{PW}}@{{HOST}}:3306/urban")
    yield create_engine("mysql+pymysql://" + USER + ":" + PW + "@" + HOST + ":3306/urban")
    yield create_engine("mysql://{{u}}:{{p}}@{{h}}/urban".format(u=USER, p=PW, h=HOST))
"""
    INVALID += [
        Invalid(_PIECES.format(password='PW = "KatzeGurkeSessel"'), at='"KatzeGurkeSessel"'),
        Invalid(
            _PIECES.format(password='PW = os.getenv("DB_PASSWORD", "KatzeGurkeSessel")'),
            at='"KatzeGurkeSessel"',
        ),
        Invalid(
            """
from sqlalchemy import create_engine

def load_to_snowflake():
    url = "snowflake://{user}:{password}@{account}/lab".format(
        user="MASON", password="Initpwd1@", account="wx91074.ap-northeast-2.aws"
    )
    return create_engine(url)
""",
            at='"Initpwd1@"',
        ),
    ]
    VALID += [
        Valid(_PIECES.format(password='PW = os.environ["DB_PASSWORD"]')),
        Valid(_PIECES.format(password='PW = input("password: ")')),
        # The fallback of a local development database, and a template's placeholder.
        Valid(
            """
import os
from sqlalchemy import create_engine

password = os.getenv("DB_PASSWORD", "dev")
engine = create_engine(f"postgresql://app:{password}@localhost/app")
TEMPLATE = "postgresql://app:" + "<password>" + "@db.example.com/app"
"""
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        reported: set[cst.CSTNode] = set()  # a literal found on two paths is reported once
        # The tests' own database, or a template users copy and edit: a password there
        # guards a throwaway or placeholder database, unless the URL names a server.
        throwaway = is_test_file(analysis.resolver.path) or _is_template(analysis.resolver.path)
        for finding, url in chain(_engine_arguments(analysis), _settings(analysis)):
            if finding.node in reported:
                continue
            reported.add(finding.node)
            for_tests = throwaway or _written_for_tests(analysis, finding.node)
            if for_tests and url is not None and not _deployed_host(url):
                continue
            yield finding


# A finding, with the text of the URL it is in (None for a password given alone).
_Found = tuple[Finding, Union[str, None]]


def _engine_arguments(analysis: Analysis) -> Iterator[_Found]:
    """Passwords in what `create_engine()` / `engine_from_config()` / `URL.create()` receive."""
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
                            yield Finding(literal, _PASSWORD_MESSAGE), None
            continue
        url_argument = _url_argument(call, qualified)
        if url_argument is None:
            continue
        for literal in _url_literals(url_argument, qualified, analysis, scope):
            part = _password_part(literal)
            if part is not None:
                yield Finding(part, _URL_MESSAGE), _string_value(literal)
        if qualified in _ENGINE_FACTORIES:
            yield from _composed_password(url_argument, analysis, scope)


def _settings(analysis: Analysis) -> Iterator[_Found]:
    """Database URLs with a password kept as settings: module-level names, class attributes
    (`class Settings(BaseSettings)`, `class Config:`) and Flask-SQLAlchemy's
    `SQLALCHEMY_DATABASE_URI` / `SQLALCHEMY_BINDS`, wherever they are set."""
    model = analysis.model
    module = model.module_scope
    values: list[tuple[cst.BaseExpression, Scope]] = []
    names: dict[cst.BaseExpression, str] = {}  # the module-level name a value is bound to
    for name, assignments in module.assignments.items():
        for a in assignments:
            if a.value is not None and not a.via_with:
                values.append((a.value, module))
                names[a.value] = name
    for info in model.classes.values():
        for assigned in info.attributes.values():
            values.extend((v, s) for v, s in assigned if s.is_module)  # the class body's own
    # Flask-SQLAlchemy's keys are written out wherever they are set: a module without
    # the text sets none, and its nodes need not be walked.
    if "SQLALCHEMY_" in analysis.resolver.text:
        for node in model.order:
            value = _configured_url(node)
            if value is not None:
                values.append((value, scope_of(analysis, node)))
    for value, scope in values:
        yield from _composed_password(value, analysis, scope, settings=True)
        for literal in _setting_literals(value, analysis, scope):
            value_text = _string_value(literal)
            if value_text is None or not is_database_url(value_text):
                continue
            part = _password_part(literal)
            if part is None:
                continue
            global_name = names.get(value)
            if (
                global_name is not None
                and not _reaches_deployed_host(literal)
                and _only_environment_fallback(global_name, analysis)
            ):
                continue  # `local_db = "..."`, then `os.getenv("DB_URL", local_db)`
            yield Finding(part, _URL_MESSAGE), value_text


def _written_for_tests(analysis: Analysis, node: cst.CSTNode) -> bool:
    """Whether `node` sits in a function or class named for the tests
    (`db_uri_for_testing()`, `class TestingConfig:`): the tests' own database."""
    return any(
        isinstance(ancestor, (cst.FunctionDef, cst.ClassDef))
        and not _TEST_WORDS.isdisjoint(_words_of(ancestor.name.value))
        for ancestor in analysis.model.ancestors(node)
    )


_TEST_WORDS = frozenset({"test", "tests", "testing"})


def _words_of(name: str) -> set[str]:
    """`db_uri_for_testing` -> db, uri, for, testing; `TestingConfig` -> testing,
    config (not `latest` nor `contest`)."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)}


def _is_template(path: Path | None) -> bool:
    """`config.example.py`, `settings_sample.py`, `db_template.py`: a file users copy
    and fill in."""
    if path is None:
        return False
    words = re.split(r"[._\-]", path.stem.lower())
    return any(word in ("example", "sample", "template") for word in words)


def _environment_lookup(call: cst.Call, analysis: Analysis) -> bool:
    return analysis.resolver.qualify(call.func) in _ENVIRONMENT_LOOKUPS


# `user:password@host`: the host, up to a port, path or query.
_HOST = re.compile(r"@(?P<host>\[[^\]]*\]|[^:/?#\s]*)")


def _reaches_deployed_host(literal: _Literal) -> bool:
    """Whether a URL names a server by a dotted name or address that is not the local
    machine (`db.internal.example.com`, `10.0.3.7`), rather than `localhost` or a
    development container's service name (`db`, `postgres`)."""
    return _deployed_host(_string_value(literal) or "")


def _only_environment_fallback(name: str, analysis: Analysis) -> bool:
    """A module-level name used only as the fallback of environment lookups
    (`local_db = "postgresql://dev:dev@db/dev"`, then `os.getenv("DB_URL", local_db)`
    or `os.getenv("DB_URL") or local_db`)."""
    references = global_references(analysis.model, name)
    loads = [r for r in references if not isinstance(analysis.model.parent(r), cst.AssignTarget)]
    if not loads:
        return False
    for reference in loads:
        parent = analysis.model.parent(reference)
        if (
            isinstance(parent, cst.BooleanOperation)
            and isinstance(parent.operator, cst.Or)
            and parent.right is reference
            and isinstance(parent.left, cst.Call)
            and _environment_lookup(parent.left, analysis)
        ):
            continue  # `os.getenv("DB_URL") or DEFAULT_DB_URL`
        call = analysis.model.parent(parent) if isinstance(parent, cst.Arg) else None
        if not (
            isinstance(call, cst.Call)
            and _environment_lookup(call, analysis)
            and len(call.args) >= 2
            and call.args[1] is parent
        ):
            return False
    return True


def _configured_url(node: cst.CSTNode) -> cst.BaseExpression | None:
    """The value given to a Flask-SQLAlchemy URL key: `app.config["SQLALCHEMY_DATABASE_URI"]
    = v`, `config.update(SQLALCHEMY_DATABASE_URI=v)`, `{"SQLALCHEMY_BINDS": v}`."""
    node_type = type(node)
    if node_type is cst.Assign:
        assert isinstance(node, cst.Assign)
        for target in node.targets:
            subscript = target.target
            if (
                isinstance(subscript, cst.Subscript)
                and len(subscript.slice) == 1
                and isinstance(subscript.slice[0].slice, cst.Index)
                and _is_config_key(subscript.slice[0].slice.value)
            ):
                return node.value
    elif node_type is cst.Arg:
        assert isinstance(node, cst.Arg)
        if node.keyword is not None and node.keyword.value in _CONFIG_KEYS:
            return node.value
    elif node_type is cst.DictElement:
        assert isinstance(node, cst.DictElement)
        if _is_config_key(node.key):
            return node.value
    return None


def _is_config_key(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.SimpleString) and string_literal(expr) in _CONFIG_KEYS


def _setting_literals(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> Iterator[_Literal]:
    """The string literals a setting holds: the value itself, both branches of a
    conditional, the default of `os.environ.get()`, and the values of a dict literal
    (`SQLALCHEMY_BINDS = {"users": "postgresql://..."}`)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                yield from _setting_literals(element.value, analysis, scope, depth + 1)
        return
    if isinstance(expr, (*_LITERAL_TYPES, cst.IfExp, cst.Call, cst.BinaryOperation)):
        yield from _literals(expr, analysis, scope)


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
) -> Iterator[_Literal]:
    if qualified in _CONFIG_FACTORIES:
        for mapping in _values(expr, analysis, scope):
            if isinstance(mapping, cst.Dict):
                for element in mapping.elements:
                    if (
                        isinstance(element, cst.DictElement)
                        and isinstance(element.key, cst.SimpleString)
                        and (string_literal(element.key) or "").endswith("url")
                    ):
                        yield from _literals(element.value, analysis, scope)
        return
    yield from _literals(expr, analysis, scope)


def _values(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> Iterator[cst.BaseExpression]:
    """`expr` itself, or what a name is bound to (in this module), or what a function
    of this module returns (`create_engine(connection_string(env))`)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        function = analysis.model.functions.get(expr.func.value)
        bound = binding_scope(expr.func.value, scope)
        if function is not None and (bound is None or bound.is_module):
            for returned in function.returns:
                if returned.value is not None:
                    yield from _values(returned.value, analysis, function, depth + 1)
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


_LITERAL_TYPES = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)


def _literals(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int = 0
) -> Iterator[_Literal]:
    if depth > _MAX_DEPTH:
        return  # `url = url.format(...)`: a name built from itself
    for value in _values(expr, analysis, scope):
        if isinstance(value, _LITERAL_TYPES):
            yield value
        elif isinstance(value, cst.IfExp):
            for branch in (value.body, value.orelse):
                yield from _literals(branch, analysis, scope, depth + 1)
        elif isinstance(value, cst.Call) and _environment_lookup(value, analysis):
            # os.environ.get("DATABASE_URL", "postgresql://app:s3cret@db.example.com/app"):
            # a fallback that reaches a deployed server is in the code; one for the
            # development database (`localhost`, a compose service `db`) is not a secret.
            if len(value.args) >= 2:
                defaults = _literals(value.args[1].value, analysis, scope, depth + 1)
                yield from (d for d in defaults if _reaches_deployed_host(d))
        elif (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "format"
        ):
            # "mysql://root:s3cret@{}/app".format(host): the template is in the code.
            yield from _literals(value.func.value, analysis, scope, depth + 1)
        elif isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Modulo):
            yield from _literals(value.left, analysis, scope, depth + 1)


def _string_value(node: _Literal) -> str | None:
    """The text of a string literal; an f-string's replacement fields read as `{}`, so
    `f"postgresql://app:{password}@{host}/db"` has a placeholder password."""
    if isinstance(node, cst.SimpleString):
        return string_literal(node)
    if isinstance(node, cst.ConcatenatedString):
        parts = [_string_value(part) for part in _parts(node)]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    return "".join(
        part.value if isinstance(part, cst.FormattedStringText) else "{}" for part in node.parts
    )


def _parts(node: cst.ConcatenatedString) -> list[cst.SimpleString | cst.FormattedString]:
    """The literals of an implicit concatenation, in order."""
    parts: list[cst.SimpleString | cst.FormattedString] = []
    pending: list[cst.BaseExpression] = [node]  # iterative: a long concatenation nests deeply
    while pending:
        current = pending.pop()
        if isinstance(current, cst.ConcatenatedString):
            pending.extend((current.right, current.left))
        elif isinstance(current, (cst.SimpleString, cst.FormattedString)):
            parts.append(current)
    return parts


def _password_part(literal: _Literal) -> cst.SimpleString | cst.FormattedString | None:
    """Where to report a URL literal with a password: the literal itself or, for an
    implicit concatenation spread over lines, the piece in which the password starts."""
    value = _string_value(literal)
    match = _password_match(value) if value is not None else None
    if match is None:
        return None
    if not isinstance(literal, cst.ConcatenatedString):
        return literal
    start = match.start("password")
    offset = 0
    for part in _parts(literal):
        text = _string_value(part) or ""
        if offset <= start < offset + len(text):
            return part
        offset += len(text)
    return None


# -- URLs put together from pieces ---------------------------------------------------

# A piece of a URL put together by an f-string, `+` or `.format()`: its text (`{}`
# when it cannot be told), the literal that holds it, and whether that literal is the
# fallback of an environment lookup.
_Piece = tuple[str, Union[cst.SimpleString, None], bool]
_UNKNOWN_PIECE: _Piece = ("{}", None, False)
_MAX_PIECES = 64


def _composed_password(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, settings: bool = False
) -> Iterator[_Found]:
    """A password that a URL put together from pieces takes from a string literal of
    the code: `f"mysql://{user}:{password}@{host}/app"` with `password = "s3cret"`,
    `"mysql://" + USER + ":" + PW + "@" + HOST`, `"{user}:{password}@...".format(
    password="s3cret")`. Reported at that literal. A password that is an environment
    lookup's fallback counts only when the URL names a deployed server, as for a whole
    URL; a setting counts only when its scheme is a SQLAlchemy dialect's."""
    for value in _values(expr, analysis, scope):
        if not _puts_together(value):
            continue
        pieces = _pieces(value, analysis, scope, 0)
        if pieces is None:
            continue
        text = "".join(p[0] for p in pieces)
        match = _password_match(text)
        if match is None or (settings and not is_database_url(text)):
            continue
        offset = 0
        for piece_text, literal, fallback in pieces:
            if offset <= match.start("password") < offset + len(piece_text):
                if literal is not None and (not fallback or _deployed_host(text)):
                    yield Finding(literal, _URL_MESSAGE), text
                break
            offset += len(piece_text)


def _puts_together(expr: cst.BaseExpression) -> bool:
    """An f-string with replacement fields, a `+` of strings, or `"...".format(...)`:
    a URL whose password may come from a piece outside its own text."""
    if isinstance(expr, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringExpression) for p in expr.parts)
    if isinstance(expr, cst.ConcatenatedString):
        return any(_puts_together(p) for p in _parts(expr))
    if isinstance(expr, cst.BinaryOperation):
        return isinstance(expr.operator, cst.Add) or (
            isinstance(expr.operator, cst.Modulo) and isinstance(expr.left, cst.SimpleString)
        )
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and isinstance(expr.func.value, cst.SimpleString)
    )


def _pieces(
    expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int
) -> list[_Piece] | None:
    """The pieces of text `expr` makes, in order; None when it is not text."""
    if depth > _MAX_DEPTH:
        return [_UNKNOWN_PIECE]
    if isinstance(expr, cst.SimpleString):
        value = string_literal(expr)
        return None if value is None else [(value, expr, False)]
    if isinstance(expr, cst.ConcatenatedString):
        return _joined([_pieces(p, analysis, scope, depth + 1) for p in _parts(expr)])
    if isinstance(expr, cst.FormattedString):
        found: list[list[_Piece] | None] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                found.append([(part.value, None, False)])
            elif isinstance(part, cst.FormattedStringExpression):
                found.append(_field(part.expression, analysis, scope, depth))
        return _joined(found)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        # `"mysql://" + USER + ":" + PW + "@" + HOST`: one level, however long
        operands: list[cst.BaseExpression] = []
        pending: list[cst.BaseExpression] = [expr]
        while pending:
            current = pending.pop()
            if isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Add):
                pending.extend((current.right, current.left))
            else:
                operands.append(current)
        return _joined([_field(o, analysis, scope, depth) for o in operands])
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and isinstance(expr.func.value, cst.SimpleString)
    ):
        return _formatted_pieces(expr, analysis, scope, depth)
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Modulo)
        and isinstance(expr.left, cst.SimpleString)
    ):
        return _percent_pieces(expr.left, expr.right, analysis, scope, depth)
    return None


# `%s` (or `%(name)s`) in a `%` template; `%%` is a percent sign.
_PERCENT_FIELD = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdr]|%%")


def _percent_pieces(
    template_node: cst.SimpleString,
    operand: cst.BaseExpression,
    analysis: Analysis,
    scope: Scope,
    depth: int,
) -> list[_Piece] | None:
    """`"mysql://root:%s@localhost/app" % quote("s3cret")`: the template's text, each
    `%s` filled by its operand (an item of a tuple, or a key of a dict display) when
    it is given."""
    template = string_literal(template_node)
    if template is None:
        return None
    items: list[cst.BaseExpression] = (
        [e.value for e in operand.elements] if isinstance(operand, cst.Tuple) else [operand]
    )
    keys: dict[str, cst.BaseExpression] = {}
    if isinstance(operand, cst.Dict):
        for element in operand.elements:
            key = (
                string_literal(element.key)
                if isinstance(element, cst.DictElement)
                and isinstance(element.key, cst.SimpleString)
                else None
            )
            if key is not None and isinstance(element, cst.DictElement):
                keys[key] = element.value
    found: list[list[_Piece] | None] = []
    position = 0
    end = 0
    for match in _PERCENT_FIELD.finditer(template):
        found.append([(template[end : match.start()], None, False)])
        end = match.end()
        if match.group(0) == "%%":
            found.append([("%", None, False)])
            continue
        name = match.group("name")
        argument = (
            keys.get(name)
            if name is not None
            else (
                items[position]
                if position < len(items) and not isinstance(operand, cst.Dict)
                else None
            )
        )
        position += name is None
        found.append(
            [_UNKNOWN_PIECE] if argument is None else _field(argument, analysis, scope, depth)
        )
    found.append([(template[end:], None, False)])
    return _joined(found)


def _field(expr: cst.BaseExpression, analysis: Analysis, scope: Scope, depth: int) -> list[_Piece]:
    """What a replacement field or an operand of `+` puts in: a literal, a name bound
    only to one (in this module), an environment lookup's literal fallback; else a
    piece that cannot be told."""
    if isinstance(expr, cst.Name):
        values = list(_values(expr, analysis, scope))
        if len(values) == 1:
            return _field(values[0], analysis, scope, depth + 1)
        return [_UNKNOWN_PIECE]
    if (
        isinstance(expr, cst.Call)
        and analysis.resolver.qualify(expr.func) in _URL_QUOTING
        and expr.args
    ):
        # `quote_plus("p@ss")`: the same password, escaped for a URL.
        return _field(expr.args[0].value, analysis, scope, depth + 1)
    if isinstance(expr, cst.Call) and _environment_lookup(expr, analysis):
        default = expr.args[1].value if len(expr.args) >= 2 else None
        if isinstance(default, cst.SimpleString) and (value := string_literal(default)):
            return [(value, default, True)]
        return [_UNKNOWN_PIECE]
    return _pieces(expr, analysis, scope, depth + 1) or [_UNKNOWN_PIECE]


def _formatted_pieces(
    call: cst.Call, analysis: Analysis, scope: Scope, depth: int
) -> list[_Piece] | None:
    """`"{user}:{password}@{}".format(...)`: the template's text, each field filled by
    its argument (by name or position) when it is given."""
    assert isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.SimpleString)
    template = string_literal(call.func.value)
    if template is None or any(a.star for a in call.args):
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    found: list[list[_Piece] | None] = []
    automatic = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for text, field, _spec, _conversion in parsed:
        found.append([(text, None, False)])
        if field is None:
            continue
        argument: cst.BaseExpression | None
        if field == "":
            argument = positional[automatic] if automatic < len(positional) else None
            automatic += 1
        elif field.isdigit():
            index = int(field)
            argument = positional[index] if index < len(positional) else None
        else:
            argument = keywords.get(field)
        found.append(
            [_UNKNOWN_PIECE] if argument is None else _field(argument, analysis, scope, depth)
        )
    return _joined(found)


def _joined(parts: list[list[_Piece] | None]) -> list[_Piece] | None:
    if any(p is None for p in parts):
        return None
    joined = [piece for part in parts for piece in part or ()]
    return joined if len(joined) <= _MAX_PIECES else None


def _deployed_host(url: str) -> bool:
    match = _HOST.search(url)
    host = match.group("host").lower() if match else ""
    local = host in ("", "127.0.0.1", "[::1]", "0.0.0.0") or host.endswith((".local", ".localhost"))
    return "." in host and not local
