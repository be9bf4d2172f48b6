"""Decide what kind of SQLAlchemy object an expression is, from names, never text.

Evidence, in order: a call to a known constructor (after resolving imports and
aliases), a method on a receiver of known kind (`engine.connect()`), a name's
assignments and annotations in its scope and the enclosing ones, `self.x`
attributes assigned in the class, and module-level names of other modules of
the project (through the project index), and, in test modules, what the pytest
fixture named by an unannotated parameter yields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import libcst as cst

from .fixtures import fixture_functions, is_pytest_module, produced_values, receives_fixtures
from .kinds import ANNOTATIONS, ATTRIBUTES, CONSTRUCTORS, METHODS, Kind
from .model import ModuleModel, Scope
from .options import AnalysisOptions

if TYPE_CHECKING:
    from pathlib import Path

_MAX_DEPTH = 12


class ExportLookup(Protocol):
    """Answers "what kind is `name` in the module that `from_path` imports as `module`",
    and "what does the fixture `name` yield to tests in `from_path`" (from its conftests)."""

    def export_kind(self, from_path: Path | None, qualified: str) -> Kind | None: ...

    def fixture_kind(self, from_path: Path, name: str) -> Kind | None: ...


class Resolver:
    def __init__(
        self,
        model: ModuleModel,
        path: Path | None = None,
        project: ExportLookup | None = None,
        options: AnalysisOptions | None = None,
    ) -> None:
        self.model = model
        self.path = path
        self.project = project
        self._session_factories = frozenset(options.session_factories if options else ())
        self._sqlalchemy_imported = model.imports_module("sqlalchemy") or model.imports_module(
            "flask_sqlalchemy"
        )
        self._return_kinds: dict[str, Kind | None] = {}
        self._pytest_module = is_pytest_module(path)
        self._fixtures: dict[str, Scope] | None = None
        self._fixture_kinds: dict[int, Kind | None] = {}  # by id() of the fixture's scope
        self._conftest_fixture_kinds: dict[str, Kind | None] = {}  # by requested name
        # Memos: a name's kind in a scope and a call's kind never change within one
        # module. While a result is being computed its slot holds None, which also
        # breaks cycles (`a = b; b = a`) the way the depth limit does.
        self._name_kinds: dict[tuple[str, int], Kind | None] = {}
        self._call_kinds: dict[cst.Call, Kind | None] = {}

    # -- names ---------------------------------------------------------------------

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """`sa.orm.Session` -> `sqlalchemy.orm.Session`, through the module's imports."""
        attributes: list[str] = []
        # Exact type tests (libcst's node classes are final): isinstance() on its
        # abstract base classes is slow, and this runs for every call of the module.
        while type(expr) is cst.Attribute:  # a loop: chains may be thousands long
            attributes.append(expr.attr.value)
            expr = expr.value
        if type(expr) is not cst.Name:
            return None
        head = self.model.imports.get(expr.value)
        if head is None or not attributes:
            return head
        separator = "" if head.endswith(".") else "."  # `from . import x` gives "."
        return head + separator + ".".join(reversed(attributes))

    def annotation_kind(self, annotation: cst.BaseExpression | None) -> Kind | None:
        if annotation is None:
            return None
        if isinstance(annotation, cst.Subscript):
            # Optional[X], X[...] generics such as sessionmaker[Session]
            base = self.qualify(annotation.value)
            if base in ("typing.Optional", "typing.Annotated", "typing_extensions.Annotated"):
                first = annotation.slice[0].slice
                if isinstance(first, cst.Index):
                    return self.annotation_kind(first.value)
                return None
            return ANNOTATIONS.get(base or "")
        if isinstance(annotation, cst.BinaryOperation) and isinstance(
            annotation.operator, cst.BitOr
        ):
            return self.annotation_kind(annotation.left) or self.annotation_kind(annotation.right)
        if isinstance(annotation, cst.SimpleString):
            return None
        qualified = self.qualify(annotation)
        return ANNOTATIONS.get(qualified or "")

    # -- kinds ---------------------------------------------------------------------

    def kind_of(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Kind | None:
        if depth > _MAX_DEPTH:
            return None
        # Exact types, as in `qualify`.
        if type(expr) is cst.Await:
            return self.kind_of(expr.expression, scope, depth + 1)
        if type(expr) is cst.Call:
            return self.call_kind(expr, scope, depth)
        if type(expr) is cst.Name:
            return self.name_kind(expr.value, scope, depth)
        if type(expr) is cst.Attribute:
            return self.attribute_kind(expr, scope, depth)
        return None

    def call_kind(self, call: cst.Call, scope: Scope, depth: int = 0) -> Kind | None:
        if call in self._call_kinds:
            return self._call_kinds[call]
        self._call_kinds[call] = None
        kind = self._call_kind(call, scope, depth)
        self._call_kinds[call] = kind
        return kind

    def _call_kind(self, call: cst.Call, scope: Scope, depth: int) -> Kind | None:
        qualified = self.qualify(call.func)
        if self._session_factories and self._is_configured_session_factory(call, qualified):
            return Kind.SESSION
        if qualified is not None:
            if qualified in CONSTRUCTORS:
                return CONSTRUCTORS[qualified]
            if qualified.startswith(".") or not _is_library(qualified):
                exported = self._export(qualified)
                if exported is not None:
                    return _called(exported)
        func = call.func
        if isinstance(func, cst.Attribute):
            receiver = self.kind_of(func.value, scope, depth + 1)
            if receiver is not None:
                produced = METHODS.get((receiver, func.attr.value))
                if produced is Kind.CONNECTION and type(self.model.parent(call)) is cst.Await:
                    # `await engine.connect()`: only an AsyncEngine's connect() can be
                    # awaited, whatever an untyped `engine` was taken to be.
                    return Kind.ASYNC_CONNECTION
                if produced is not None:
                    return produced
        callee = self.kind_of(func, scope, depth + 1)
        if callee is not None:
            return _called(callee)
        if isinstance(func, cst.Name) and func.value in self.model.functions:
            return self.return_kind(func.value, depth)
        return None

    def _is_configured_session_factory(self, call: cst.Call, qualified: str | None) -> bool:
        if qualified in self._session_factories:
            return True
        return isinstance(call.func, cst.Name) and call.func.value in self._session_factories

    def name_kind(self, name: str, scope: Scope, depth: int = 0) -> Kind | None:
        key = (name, id(scope))
        if key in self._name_kinds:
            return self._name_kinds[key]
        self._name_kinds[key] = None
        kind = self._name_kind(name, scope, depth)
        self._name_kinds[key] = kind
        return kind

    def _name_kind(self, name: str, scope: Scope, depth: int) -> Kind | None:
        current: Scope | None = scope
        while current is not None:
            if name in current.global_names and not current.is_module:
                current = self.model.module_scope
                continue
            kind, bound = self._local_name_kind(name, current, depth)
            if bound:
                return kind
            current = current.parent
        qualified = self.model.imports.get(name)
        if qualified is not None and (qualified.startswith(".") or not _is_library(qualified)):
            return self._export(qualified)
        return None

    def _local_name_kind(self, name: str, scope: Scope, depth: int) -> tuple[Kind | None, bool]:
        """The kind of `name` as bound in `scope`, and whether it is bound there at all."""
        bound = False
        if name in scope.params:
            bound = True
            param = scope.params[name]
            kind = self.annotation_kind(param.annotation.annotation if param.annotation else None)
            if kind is not None:
                return kind, True
            if param.annotation is None and self._pytest_module and receives_fixtures(scope):
                kind = self._requested_fixture_kind(name, scope, depth)
                if kind is not None:
                    return kind, True
            if param.annotation is None and self._looks_like_engine_parameter(name):
                return (Kind.ASYNC_ENGINE if "async" in name else Kind.ENGINE), True
        if name in scope.annotations:
            bound = True
            kind = self.annotation_kind(scope.annotations[name])
            if kind is not None:
                return kind, True
        for assignment in scope.assignments.get(name, ()):
            bound = True
            if assignment.value is None:
                continue
            if assignment.via_with:
                kind = self._entered_kind(assignment.value, scope, depth)
            else:
                kind = self.kind_of(assignment.value, scope, depth + 1)
            if kind is not None:
                return kind, True
        if not bound and scope.is_module and name in self.model.functions:
            bound = True
        return None, bound

    def _entered_kind(self, item: cst.BaseExpression, scope: Scope, depth: int) -> Kind | None:
        """The kind of `x` in `with item as x`."""
        if isinstance(item, cst.Call) and isinstance(item.func, cst.Attribute):
            receiver = self.kind_of(item.func.value, scope, depth + 1)
            method = item.func.attr.value
            if receiver is not None and receiver.is_engine and method == "begin":
                return Kind.ASYNC_CONNECTION if receiver.is_async else Kind.CONNECTION
        kind = self.kind_of(item, scope, depth + 1)
        return kind if kind is not None and kind.is_resource else None

    def _looks_like_engine_parameter(self, name: str) -> bool:
        # An untyped `engine` parameter in a module that works with SQLAlchemy is
        # an Engine in practice (an AsyncEngine when its name says `async`); in any
        # other module (pyttsx3, games) it is not.
        return self._sqlalchemy_imported and (name == "engine" or name.endswith("_engine"))

    def attribute_kind(self, expr: cst.Attribute, scope: Scope, depth: int = 0) -> Kind | None:
        attr = expr.attr.value
        if isinstance(expr.value, cst.Name) and expr.value.value in ("self", "cls"):
            owner = scope.class_info
            if owner is None and scope.parent is not None:
                owner = scope.parent.class_info
            if owner is not None:
                return self._class_attribute_kind(owner.name, attr, depth)
        receiver = self.kind_of(expr.value, scope, depth + 1)
        if receiver is not None:
            return ATTRIBUTES.get((receiver, attr))
        qualified = self.qualify(expr)
        if qualified is not None and (qualified.startswith(".") or not _is_library(qualified)):
            return self._export(qualified)
        return None

    def _class_attribute_kind(self, class_name: str, attr: str, depth: int) -> Kind | None:
        info = self.model.classes.get(class_name)
        if info is None:
            return None
        if attr in info.annotations:
            kind = self.annotation_kind(info.annotations[attr])
            if kind is not None:
                return kind
        for value, value_scope in info.attributes.get(attr, ()):
            kind = self.kind_of(value, value_scope, depth + 1)
            if kind is not None:
                return kind
        for base in info.base_names:
            if base in self.model.classes and base != class_name:
                kind = self._class_attribute_kind(base, attr, depth + 1)
                if kind is not None:
                    return kind
        return None

    def return_kind(self, function_name: str, depth: int = 0) -> Kind | None:
        """What a module-level function returns, when every `return` agrees.

        Generators and context-manager factories are left out: their callers
        do not own what they yield.
        """
        if function_name in self._return_kinds:
            return self._return_kinds[function_name]
        self._return_kinds[function_name] = None  # recursion guard
        scope = self.model.functions[function_name]
        kind: Kind | None = None
        node = scope.node
        if isinstance(node, cst.FunctionDef) and not scope.is_generator:
            declared = self.annotation_kind(node.returns.annotation if node.returns else None)
            if declared is not None and not declared.is_resource:
                kind = declared
            else:
                kinds = {
                    self.kind_of(ret.value, scope, depth + 1) if ret.value is not None else None
                    for ret in scope.returns
                }
                kinds.discard(None)
                if len(kinds) == 1:
                    (only,) = kinds
                    # Only factories of long-lived objects: whether a function that
                    # returns a session hands over ownership is the caller's business.
                    if only is not None and not only.is_resource:
                        kind = only
        self._return_kinds[function_name] = kind
        return kind

    # -- pytest fixtures ---------------------------------------------------------------

    def fixtures(self) -> dict[str, Scope]:
        """This module's fixtures by requested name (see `fixtures.fixture_functions`)."""
        if self._fixtures is None:
            self._fixtures = fixture_functions(self.model, self.qualify)
        return self._fixtures

    def fixture_kind(self, fixture: Scope, depth: int = 0) -> Kind | None:
        """What `fixture` yields (or returns) to the tests that request it, when every
        `yield` agrees. Unlike `return_kind`, sessions count: the fixture owns and
        closes them, the test only uses them."""
        key = id(fixture)
        if key in self._fixture_kinds:
            return self._fixture_kinds[key]
        self._fixture_kinds[key] = None  # a fixture requesting itself, or a cycle
        kinds = {
            self.kind_of(value, fixture, depth + 1) if value is not None else None
            for value in produced_values(fixture)
        }
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        self._fixture_kinds[key] = kind
        return kind

    def _requested_fixture_kind(self, name: str, requester: Scope, depth: int) -> Kind | None:
        fixture = self.fixtures().get(name)
        if fixture is not None and fixture is not requester:
            return self.fixture_kind(fixture, depth)
        # Not defined here, or a fixture overriding the one of the same name it
        # requests: pytest looks in the conftests above.
        if self.project is None or self.path is None:
            return None
        if name not in self._conftest_fixture_kinds:
            self._conftest_fixture_kinds[name] = self.project.fixture_kind(self.path, name)
        return self._conftest_fixture_kinds[name]

    def _export(self, qualified: str) -> Kind | None:
        if self.project is None:
            return None
        return self.project.export_kind(self.path, qualified)


def _called(kind: Kind) -> Kind | None:
    """The kind of `x()` when `x` has `kind`: calling a session factory makes a session."""
    if kind is Kind.SESSION_FACTORY:
        return Kind.SESSION
    if kind is Kind.ASYNC_SESSION_FACTORY:
        return Kind.ASYNC_SESSION
    return None


_LIBRARY_ROOTS = frozenset(
    {
        "sqlalchemy",
        "flask_sqlalchemy",
        "flask",
        "fastapi",
        "starlette",
        "django",
        "quart",
        "sanic",
        "typing",
        "typing_extensions",
        "contextlib",
        "functools",
        "os",
        "sys",
        "pytest",
        "click",
        "typer",
        "pandas",
        "sqlite3",
        "socket",
        "requests",
        "asyncio",
    }
)


def _is_library(qualified: str) -> bool:
    """Names from well-known libraries are never looked up in the project."""
    return qualified.split(".", 1)[0] in _LIBRARY_ROOTS
