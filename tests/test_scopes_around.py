"""The SQA103 fix reads names through a reduced scope analysis (`scopes_around`):
every top-level function and class but the one holding the engine is reduced to the
name it binds. These tests hold its fixes equal to the ones libcst's analysis of the
whole module gives, on every SQA103 finding of the rule examples and corpora and on
modules written to trip the reduction.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from libcst.metadata import MetadataWrapper, ScopeProvider

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.diagnostics import Diagnostic
from sqlalchemy_lint.fixes.syntax import ScopesAround, SourceTree
from sqlalchemy_lint.rules import all_rules
from sqlalchemy_lint.semantic import ProjectIndex

TESTS = Path(__file__).parent

TRICKY = {
    # A helper defined after the function: the module-level engine must come after it.
    "helper-defined-later": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        @app.route("/")
        def handler():
            engine = create_engine("sqlite://", creator=make_connection)
            return engine.connect()

        def make_connection():
            return None
    """,
    # Another function rebinds the module name the call reads (`global`): not static.
    "global-in-another-function": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        URL = "sqlite://"

        def configure(url):
            global URL
            URL = url

        @app.route("/")
        def handler():
            engine = create_engine(URL)
            return engine.connect()
    """,
    # A decorator binds a module name with `:=`.
    "walrus-in-a-decorator": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        def register(value):
            return lambda function: function

        @register(URL := "sqlite://")
        def helper():
            pass

        @app.route("/")
        def handler():
            engine = create_engine(URL)
            return engine.connect()
    """,
    # The factory's name is taken by a class and a function elsewhere in the module.
    "names-taken-elsewhere": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        class get_engine:
            pass

        def get_engine_1():
            pass

        @app.route("/")
        def handler(url):
            engine = create_engine(url)
            return engine.connect()
    """,
    "class-read-by-the-call": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        @app.route("/")
        def handler():
            engine = create_engine("sqlite://", poolclass=Pool)
            return engine.connect()

        class Pool:
            pass
    """,
    "method-of-a-class": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)

        class Service:
            def handle(self, urls):
                for url in urls:
                    engine = create_engine(url)
                    print(engine.url)

        def other():
            pass
    """,
    "star-import": """
        from flask import Flask
        from sqlalchemy import create_engine

        app = Flask(__name__)
        from settings import *

        @app.route("/")
        def handler():
            engine = create_engine(DATABASE_URL)
            return engine.connect()
    """,
}


def _full_module_scopes(self: SourceTree, index: int) -> ScopesAround:
    """The oracle: libcst's analysis of the whole, unreduced module."""
    scopes = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(ScopeProvider)
    module_scope = scopes[self.module]
    assert module_scope is not None
    names = frozenset(assignment.name for assignment in module_scope.assignments)
    return ScopesAround(scopes, names, {})


def _sources() -> Iterator[tuple[str, str, Path]]:
    for rule in all_rules():
        if rule.code == "SQA103":
            for number, example in enumerate(rule.INVALID):
                yield f"example-{number}", textwrap.dedent(example.code), Path("example.py")
    for corpus in ("corpus", "heldout"):
        for path in sorted((TESTS / corpus).rglob("*.py")):
            text = path.read_text()
            if "engine" in text:
                yield str(path.relative_to(TESTS)), text, path
    for name, text in TRICKY.items():
        yield name, textwrap.dedent(text).lstrip("\n"), Path("tricky.py")
        yield (
            f"{name}-crlf",
            textwrap.dedent(text).lstrip("\n").replace("\n", "\r\n"),
            Path("tricky.py"),
        )


def _sqa103_fixes(source: str, path: Path) -> list[Diagnostic]:
    result = check_source(source, path, project=ProjectIndex())
    return [d for d in result.diagnostics if d.code == "SQA103"]


CASES = list(_sources())


@pytest.mark.parametrize(("name", "source", "path"), CASES, ids=[case[0] for case in CASES])
def test_reduced_scopes_give_the_fixes_of_the_whole_module(
    name: str, source: str, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reduced = _sqa103_fixes(source, path)
    with monkeypatch.context() as patched:
        patched.setattr(SourceTree, "scopes_around", _full_module_scopes)
        whole = _sqa103_fixes(source, path)
    assert [(d.span, d.fix) for d in reduced] == [(d.span, d.fix) for d in whole]


def test_the_cases_exercise_the_fix() -> None:
    """Guard against a vacuous comparison: most cases must have SQA103 fixes."""
    with_fixes = [
        name for name, source, path in CASES if any(d.fix for d in _sqa103_fixes(source, path))
    ]
    assert len(with_fixes) >= 20, with_fixes
    for name in TRICKY:
        assert name in with_fixes, name
