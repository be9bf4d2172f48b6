"""Decide what an expression is: one evaluator for every module of the project.

Expressions arrive lowered to `ir`, together with the `Frame` they are read in:
a function of the module being checked (from libcst's scopes, see `inference`),
or a function or the top level of any module of the project (from its `summary`).
Names are looked up the way Python does (locals, enclosing functions, the module,
its imports), and a name imported from another module of the project is looked
up in that module's summary, lazily: only what is asked is evaluated.

What comes back is a `Value`: a SQLAlchemy object of some kind, with who owns it
(a call that makes a connection or session makes it FRESH: the caller must
release it; reading it from a global, an attribute, a registry or a `with`
borrows it), or a reference to a library object, a module, function or class of
the project, an instance of a project class, a generator or a context manager.

Function results follow the function's body: `def get_session(): return
SessionLocal()` hands out a FRESH session, `def get_session(): g.db = s =
SessionLocal(); return s` a BORROWED one (it is kept on `g`), a generator that
yields a session is a generator (`next()` takes the session out of its
cleanup's reach) or, under `@contextmanager`, a context manager. An engine
function that is not cached makes a new engine per call, which its `Site` says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Protocol

from . import ir
from .kinds import (
    ANNOTATIONS,
    ATTRIBUTES,
    BORROWING_CALLS,
    BORROWING_METHODS,
    CACHE_DECORATORS,
    CONSTRUCTORS,
    CONTEXT_MANAGER_DECORATORS,
    FIXTURE_DECORATORS,
    INPUT_OBJECTS,
    MAPPING_ATTRIBUTES,
    METHODS,
    PASS_THROUGH_CALLS,
    SAME_OBJECT_METHODS,
    Kind,
    agreed_kind,
)
from .library_exports import STAR_EXPORTS
from .options import AnalysisOptions
from .summary import ClassInfo, FunctionInfo, ModuleSummary, Param
from .values import NOTHING, ModuleKey, Owner, Ref, RefKind, Site, Value, library, of_kind

_MAX_DEPTH = 40
# pandas' (and GeoPandas') functions and methods that read or write frames over SQL.
_FRAME_LIBRARIES = frozenset({"pandas", "geopandas"})
_FRAME_SQL_METHODS = frozenset(
    {"read_sql", "read_sql_query", "read_sql_table", "to_sql", "read_postgis", "to_postgis"}
)


@dataclass(frozen=True)
class Opening:
    """A method that opens a connection or session and keeps it on its object, for
    the object's user to close by calling one of `closers` (see `opened_by_method`)."""

    kind: Kind
    attribute: str
    closers: frozenset[str]
    # Parameters of the method that it may keep on the attribute instead (`def
    # __init__(self, session=None)`: `self.session = session or Session()`), as
    # (position, not counting `self`; name): a caller that passes one may own nothing.
    given: tuple[tuple[int, str], ...] = ()
    # For a session its `__init__` opens: the class is a context manager (it defines
    # `__exit__`), and `with` the object is the way to close it, whatever its closing
    # method does besides (a commit).
    managed: bool = False


# Methods named for ending an object's resources: `close()`, `close_session()`,
# `disconnect()`, `__exit__()`, ... (not `__del__`, which the garbage collector calls).
CLOSING_NAME = re.compile(
    r"^(?:_*(?:close|dispose|disconnect|shutdown|cleanup|clean_up|teardown|tear_down"
    r"|release|stop|quit|wrapup|wrap_up|finish|finali[sz]e|terminate|end_)\w*"
    r"|__exit__|__aexit__)$"
)


def _names_in(expr: object) -> Iterator[str]:
    """The names an IR expression reads (`session` in `session or Session()`, in
    `session if session is not None else Session()`)."""
    if isinstance(expr, tuple):
        if len(expr) == 2 and expr[0] == "n" and isinstance(expr[1], str):
            yield expr[1]
            return
        for part in expr:
            yield from _names_in(part)


@dataclass(frozen=True)
class Wrapping:
    """A project class whose constructor keeps an argument on the object
    (`self._session = session`) for one of its methods to close (`close_session()`,
    whose body closes `self._session`): see `wrapping`."""

    position: int  # of the argument, not counting `self`
    parameter: str
    attribute: str
    closers: frozenset[str]


# Roots of well-known libraries: their names are never looked up in the project.
LIBRARY_ROOTS = frozenset(
    {
        "sqlalchemy",
        "sqlmodel",
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
        "pytest_asyncio",
        "click",
        "typer",
        "pandas",
        "sqlite3",
        "socket",
        "requests",
        "asyncio",
        "alembic",
        "cachetools",
        "async_lru",
        "pyramid",
        "zope",
        "builtins",
    }
)
_BUILTINS = frozenset({"next", "anext", "iter", "getattr", "super", "property", "staticmethod"})
_OPTIONAL_FORMS = frozenset(
    {
        "typing.Optional",
        "typing.Annotated",
        "typing_extensions.Annotated",
        "typing.Union",
        "typing.Final",
        "typing.ClassVar",
    }
)


def _one_of(options: list[Value]) -> Value:
    """What a union annotation declares: its first known option (`Engine | None`,
    `Engine | AsyncEngine`), unless it mixes an engine with a connection
    (`Union[Engine, Connection]`): then what the value is depends on the caller, and
    nothing is assumed (its code tells them apart with `isinstance()`)."""
    known = [o for o in options if o.known]
    kinds = [o.kind for o in known if o.kind is not None]
    if any(k.is_engine for k in kinds) and any(k.is_connection for k in kinds):
        return NOTHING
    return known[0] if known else NOTHING


_PROPERTY_DECORATORS = frozenset(
    {"builtins.property", "functools.cached_property", "pyramid.decorator.reify"}
)
_TUPLE_FORMS = frozenset({"typing.Tuple", "typing_extensions.Tuple", "builtins.tuple"})
_CALLABLE_REFS = (RefKind.FUNCTION, RefKind.BOUND_METHOD)
# What gives one object of a query's result: `Photo.query.get(id)`, `.first()`,
# `session.get(Photo, id)`, `session.scalars(select(Photo)...).one()`, ...
_ONE_OBJECT_METHODS = frozenset(
    {
        *("get", "get_one", "get_or_404", "first", "first_or_404", "one", "one_or_404"),
        *("one_or_none", "scalar", "scalar_one", "scalar_one_or_none"),
    }
)
# What refines a query or statement and gives another of the same objects.
_REFINING_METHODS = frozenset(
    {
        *("filter", "filter_by", "where", "order_by", "options", "join", "outerjoin"),
        *("limit", "offset", "distinct", "with_for_update", "execution_options"),
        *("populate_existing", "scalars", "execute", "unique"),
    }
)
_SESSIONS = frozenset({Kind.SESSION, Kind.ASYNC_SESSION, Kind.SCOPED_SESSION})
_ENUM_BASES = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends"})
# Modules of plain value types (`Engine | str`, `Session | Path`): an option of one of
# these beside a SQLAlchemy type is a value the code converts, not another handle.
_PLAIN_TYPE_MODULES = ("builtins.", "typing.", "typing_extensions.", "pathlib.", "collections.")


def is_library(qualified: str) -> bool:
    return qualified.split(".", 1)[0] in LIBRARY_ROOTS


class ModuleSource(Protocol):
    """What the evaluator needs from the project: summaries and import resolution."""

    def summary_of(self, key: ModuleKey) -> ModuleSummary | None: ...

    def resolve_import(self, importer: ModuleKey, module: str) -> ModuleKey | None: ...

    def fixture_modules(self, key: ModuleKey) -> list[ModuleKey]:
        """The conftest.py modules whose fixtures tests in `key` see, nearest first."""
        ...

    def is_pytest_module(self, key: ModuleKey) -> bool: ...


@dataclass(frozen=True)
class Binding:
    """What a frame knows of a name it binds."""

    values: tuple[ir.Expr, ...] = ()
    annotation: ir.Expr | None = None
    param: Param | None = None
    first_param: bool = False  # the first parameter of a method (`self`, `cls`)
    # `name.configure(bind=x)` later in the frame: what a session factory or registry
    # bound to this name makes its sessions on.
    configured_binds: tuple[ir.Expr, ...] = ()


GLOBAL = Binding()  # `global name`: look in the module


_FACTORY_KINDS = frozenset({Kind.SESSION_FACTORY, Kind.ASYNC_SESSION_FACTORY, Kind.SCOPED_SESSION})


class Frame:
    """Where names are looked up: a function's or the module's bindings, then `outer`."""

    module: ModuleKey
    outer: Frame | None = None
    function: str = ""  # qualname of the function ("" for the module)
    owner_class: str | None = None  # for a method: the class whose body defines it
    is_classmethod: bool = False
    is_staticmethod: bool = False
    receives_fixtures: bool = False

    def lookup(self, name: str) -> Binding | None:
        raise NotImplementedError


class ModuleFrame(Frame):
    def __init__(self, module: ModuleKey, summary: ModuleSummary) -> None:
        self.module = module
        self.summary = summary

    def lookup(self, name: str) -> Binding | None:
        return None  # the evaluator reads module bindings itself (definitions, imports, ...)


class ClassBodyFrame(Frame):
    """A class body: names it binds (`DBSession = sessionmaker(...)`) are seen by the
    rest of the body, then the module's."""

    def __init__(self, module: ModuleKey, info: ClassInfo, outer: Frame) -> None:
        self.module = module
        self.info = info
        self.outer = outer

    def lookup(self, name: str) -> Binding | None:
        values = self.info.attributes.get(name)
        annotation = self.info.annotations.get(name)
        if values is None and annotation is None:
            return None
        return Binding(values=values or (), annotation=annotation)


class FunctionFrame(Frame):
    def __init__(self, module: ModuleKey, info: FunctionInfo, outer: Frame) -> None:
        self.module = module
        self.info = info
        self.outer = outer
        self.function = info.qualname
        self.owner_class = _enclosing_class(info)
        self.is_classmethod = info.is_classmethod
        self.is_staticmethod = info.is_staticmethod
        self._params = {p.name: p for p in info.params}
        # `self` / `cls`; a staticmethod's first parameter is an argument like the rest.
        self._first = (
            info.params[0].name
            if info.params and info.owner is not None and not self.is_staticmethod
            else None
        )

    def lookup(self, name: str) -> Binding | None:
        info = self.info
        if name in info.global_names:
            return GLOBAL
        param = self._params.get(name)
        if param is not None:
            return Binding(
                annotation=param.annotation, param=param, first_param=name == self._first
            )
        values = info.locals.get(name)
        if values is not None:
            return Binding(values=values, configured_binds=self._configured_binds(name))
        return None

    def _configured_binds(self, name: str) -> tuple[ir.Expr, ...]:
        callee = name + ".configure"
        binds = []
        for call in self.info.calls:
            if call.callee == callee:
                for argument in call.arguments:
                    keyword, _, value = argument.partition("=")
                    if keyword == "bind" and value and not value.startswith("#"):
                        binds.append(ir.from_dotted(value))
        return tuple(binds)


def _literal_strings(
    expr: ir.Expr, info: FunctionInfo, depth: int, params: list[str] | None = None
) -> list[str] | None:
    """The literals `expr` can be; with `params`, a parameter returned as it was given,
    or an item of it a loop over it binds, counts too (its name is added to `params`),
    and so do other literals (`None`, numbers: no text of anyone's)."""
    if depth > _MAX_DEPTH:
        return None
    if expr[0] == "str":
        return [expr[1]]
    if expr[0] == "k" and params is not None:
        return []  # `return None` when no candidate is found: no text of the caller's
    if expr[0] == "|":  # `a if c else b`, `a or b`
        found: list[str] = []
        for part in expr[1:]:
            strings = _literal_strings(part, info, depth + 1, params)
            if strings is None:
                return None
            found.extend(strings)
        return found
    if (
        params is not None
        and expr[0] == "s"
        and expr[2] == ir.UNKNOWN
        and expr[1][0] == "n"
        and expr[1][1] not in info.global_names
        and expr[1][1] not in info.locals
        and any(p.name == expr[1][1] for p in info.params)
    ):
        # `for c in candidates: if c in s: return c`: an item of a parameter (as safe
        # as the parameter, when every item of what the caller gives is)
        params.append(expr[1][1])
        return []
    if expr[0] == "n" and expr[1] not in info.global_names:
        is_param = any(p.name == expr[1] for p in info.params)
        if is_param and params is not None and expr[1] not in info.locals:
            params.append(expr[1])
            return []
        values = info.locals.get(expr[1])
        if not values or is_param:
            return None
        return _literal_strings(("|", *values), info, depth + 1, params)
    return None


def _enclosing_class(info: FunctionInfo) -> str | None:
    return info.owner


def _receives_fixtures(info: FunctionInfo) -> bool:
    """A test function, a test method of a `Test...` class, or a fixture (which may
    request others): pytest fills their parameters with fixtures."""
    if info.parent is not None:
        return False
    if info.owner is not None:
        return info.owner.rpartition(".")[2].startswith("Test") and info.name.startswith("test")
    if info.name.startswith("test"):
        return True
    for decorator in info.decorators:
        target = decorator[1] if decorator[0] == "c" else decorator
        if (ir.dotted(target) or "").rpartition(".")[2] == "fixture":
            return True
    return False


class Evaluator:
    """Evaluates expressions for one analysis (one checked module and what it reads)."""

    def __init__(self, modules: ModuleSource, options: AnalysisOptions | None = None) -> None:
        self.modules = modules
        self.session_factories = frozenset(options.session_factories if options else ())
        self._frames: dict[ModuleKey, ModuleFrame | None] = {}
        self._function_frames: dict[tuple[ModuleKey, str], FunctionFrame] = {}
        self._names: dict[tuple[int, str], Value] = {}
        self._exports: dict[tuple[ModuleKey, str], Value] = {}
        self._results: dict[tuple[ModuleKey, str], Value] = {}
        self._result_items: dict[tuple[ModuleKey, str, int], Value] = {}
        self._produced: dict[tuple[ModuleKey, str], Value] = {}
        self._instance_attributes: dict[tuple[ModuleKey, str, str], Value] = {}
        self._fixtures: dict[ModuleKey, dict[str, str]] = {}
        self._fixture_values: dict[tuple[ModuleKey, str], Value] = {}
        self._sqlalchemy_modules: dict[ModuleKey, bool] = {}
        self._bases: dict[tuple[ModuleKey, str], list[Ref]] = {}
        self._openings: dict[tuple[ModuleKey, str, str], Opening | None] = {}
        self._wrappings: dict[tuple[ModuleKey, str], tuple[Wrapping, ...]] = {}
        self._wrapped_results: dict[tuple[ModuleKey, str], Opening | None] = {}

    # -- frames -------------------------------------------------------------------------

    def module_frame(self, key: ModuleKey) -> ModuleFrame | None:
        if key not in self._frames:
            summary = self.modules.summary_of(key)
            self._frames[key] = ModuleFrame(key, summary) if summary is not None else None
        return self._frames[key]

    def function_frame(self, key: ModuleKey, qualname: str) -> FunctionFrame | None:
        found = self._function_frames.get((key, qualname))
        if found is not None:
            return found
        module = self.module_frame(key)
        if module is None:
            return None
        info = module.summary.functions.get(qualname)
        if info is None:
            return None
        outer: Frame = module
        if info.parent is not None:
            outer = self.function_frame(key, info.parent) or module
        frame = FunctionFrame(key, info, outer)
        frame.receives_fixtures = self.modules.is_pytest_module(key) and _receives_fixtures(info)
        self._function_frames[(key, qualname)] = frame
        return frame

    def function_info(self, key: ModuleKey, qualname: str) -> FunctionInfo | None:
        module = self.module_frame(key)
        return module.summary.functions.get(qualname) if module is not None else None

    def class_info(self, key: ModuleKey, qualname: str) -> ClassInfo | None:
        module = self.module_frame(key)
        return module.summary.classes.get(qualname) if module is not None else None

    # -- expressions ----------------------------------------------------------------------

    def value(self, expr: ir.Expr, frame: Frame, depth: int = 0) -> Value:
        if depth > _MAX_DEPTH:
            return NOTHING
        tag = expr[0]
        if tag == "n":
            return self.name(expr[1], frame, depth + 1)
        if tag == "c":
            return self.call(expr, frame, depth + 1)
        if tag == "a":
            return self.attribute(self.value(expr[1], frame, depth + 1), expr[2], depth + 1)
        if tag == "w":
            inner = expr[1]
            if inner[0] == "c" and inner[1][0] == "a" and inner[1][2] == "connect":
                receiver = self.value(inner[1][1], frame, depth + 1)
                if receiver.kind is Kind.ENGINE:
                    # Only an AsyncEngine's connect() can be awaited, whatever an
                    # untyped `engine` was taken to be.
                    return of_kind(Kind.ASYNC_CONNECTION)
            return self.value(inner, frame, depth + 1)
        if tag == "e":
            return self.entered(expr[1], frame, depth + 1)
        if tag == "i":
            return self.item(expr[1], expr[2], frame, depth + 1)
        if tag == "|":
            for option in expr[1:]:
                found = self.value(option, frame, depth + 1)
                if found.known:
                    return found
            return NOTHING
        if tag == "s":
            base = self.value(expr[1], frame, depth + 1)
            ref = base.ref
            if (
                ref is not None
                and ref.kind is RefKind.KIND_METHOD
                and ref.name.startswith("[]")
                and ref.receiver is not None
            ):
                return of_kind(ref.receiver, Owner.BORROWED)
            return NOTHING
        return NOTHING

    # -- names ------------------------------------------------------------------------------

    def name(self, name: str, frame: Frame, depth: int = 0) -> Value:
        key = (id(frame), name)
        found = self._names.get(key)
        if found is not None:
            return found
        self._names[key] = NOTHING  # a cycle (`a = b; b = a`) ends here
        value = self._name(name, frame, depth)
        self._names[key] = value
        return value

    def _name(self, name: str, frame: Frame, depth: int) -> Value:
        current: Frame | None = frame
        while current is not None:
            if isinstance(current, ModuleFrame):
                return self.module_name(current, name, depth).borrowed()
            binding = current.lookup(name)
            if binding is GLOBAL:
                module = self.module_frame(current.module)
                return self.module_name(module, name, depth).borrowed() if module else NOTHING
            nested = self._nested_function(current, name, binding)
            if nested is not None:
                return nested
            if binding is not None:
                return self._bound(binding, name, current, depth)
            current = current.outer
        return NOTHING

    def _nested_function(self, frame: Frame, name: str, binding: Binding | None) -> Value | None:
        """A function defined in the function of `frame` (`def count(table): ...` inside
        `tables`), which its `def` binds (to nothing a summary can say more about)."""
        if binding is not None and (
            binding.param is not None or set(binding.values) != {ir.UNKNOWN}
        ):
            return None
        nested = f"{frame.function}.{name}"
        if not frame.function or self.function_info(frame.module, nested) is None:
            return None
        return Value(ref=Ref(RefKind.FUNCTION, frame.module, nested), owner=Owner.BORROWED)

    def _bound(self, binding: Binding, name: str, frame: Frame, depth: int) -> Value:
        if binding.param is not None:
            return self._parameter(binding, name, frame, depth)
        if binding.annotation is not None:
            declared = self.annotation(binding.annotation, frame, depth + 1)
            if declared.known:
                return declared.borrowed()
        for expr in binding.values:
            found = self.value(expr, frame, depth + 1)
            if found.known:
                if found.kind in _FACTORY_KINDS and any(
                    self._is_connection(bind, frame, depth) for bind in binding.configured_binds
                ):
                    # `registry.configure(bind=connection)`: its sessions use that connection.
                    return Value(found.kind, found.ref, Owner.BOUND, found.site)
                return found
        return NOTHING

    def _parameter(self, binding: Binding, name: str, frame: Frame, depth: int) -> Value:
        param = binding.param
        assert param is not None
        if binding.first_param and frame.owner_class is not None and not frame.is_staticmethod:
            kind = RefKind.CLASS if frame.is_classmethod else RefKind.INSTANCE
            return Value(ref=Ref(kind, frame.module, frame.owner_class), owner=Owner.BORROWED)
        fixture = (
            self.fixture(frame.module, name, frame.function, depth + 1)
            if frame.receives_fixtures
            else NOTHING
        )
        if param.annotation is not None:
            declared = self.annotation(param.annotation, frame, depth + 1)
            if declared.known:
                # `temp_db: sessionmaker[Session]` filled by a fixture that yields a
                # factory bound to its own connection: the fixture says more.
                if fixture.kind is declared.kind and fixture.owner is Owner.BOUND:
                    return fixture
                return declared.borrowed()
        if param.default is not None:
            provided = self._dependency(param.default, frame, depth + 1)
            if provided.known:
                return provided
            if param.default[0] in ("n", "a"):
                # `def __init__(self, session_factory=DEFAULT_SESSION_FACTORY)`: a caller
                # may pass another, of the same kind (a test's factory), never owned here.
                default = self.value(param.default, frame, depth + 1)
                if default.kind is not None:
                    return default.borrowed()
        if param.annotation is None and fixture.known:
            return fixture
        if (
            param.annotation is None
            and (name == "engine" or name.endswith("_engine"))
            and self.uses_sqlalchemy(frame.module)
        ):
            # An untyped `engine` parameter in a module that works with SQLAlchemy is
            # an Engine in practice (an AsyncEngine when its name says `async`); in any
            # other module (pyttsx3, games) it is not.
            return of_kind(Kind.ASYNC_ENGINE if "async" in name else Kind.ENGINE, Owner.BORROWED)
        return NOTHING

    def _dependency(self, default: ir.Expr, frame: Frame, depth: int) -> Value:
        """`db: Session = Depends(get_db)`: what FastAPI passes in (borrowed)."""
        if default[0] != "c":
            return NOTHING
        callee = self.value(default[1], frame, depth + 1)
        if callee.ref is None or callee.ref.name not in _DEPENDS:
            return NOTHING
        provider_expr = ir.call_argument(default, 0, "dependency")
        if provider_expr is None:
            return NOTHING
        provider = self.value(provider_expr, frame, depth + 1)
        produced = self.called(provider, (), frame, depth + 1)
        if produced.ref is not None and produced.ref.kind in (
            RefKind.GENERATOR,
            RefKind.CONTEXT_MANAGER,
        ):
            produced = self.produced(produced.ref, depth + 1)
        return produced.borrowed() if produced.known else NOTHING

    def uses_sqlalchemy(self, key: ModuleKey) -> bool:
        """`key` imports SQLAlchemy, or a project module that does (iris's
        `from .. import db`, whose `db.engine` its classes are handed)."""
        found = self._sqlalchemy_modules.get(key)
        if found is None:
            module = self.module_frame(key)
            imports = module.summary.imports.values() if module is not None else ()
            found = (
                self._imports_sqlalchemy(key)
                or any(
                    self._imports_sqlalchemy(target)
                    for target in (self._imported_module(key, q) for q in imports)
                    if target is not None
                )
                or self._frames_over_sql(key)
            )
            self._sqlalchemy_modules[key] = found
        return found

    def _frames_over_sql(self, key: ModuleKey) -> bool:
        """`key` imports pandas and reads or writes frames over SQL (`pd.read_sql(q,
        self.engine.connect())`, `df.to_sql(...)`): pandas does that through
        SQLAlchemy, with the engine the module is handed."""
        module = self.module_frame(key)
        if module is None:
            return False
        summary = module.summary
        if not any(q.split(".", 1)[0] in _FRAME_LIBRARIES for q in summary.imports.values()):
            return False
        sites = chain(summary.module_calls, *(f.calls for f in summary.functions.values()))
        return any(site.callee.rpartition(".")[2] in _FRAME_SQL_METHODS for site in sites)

    def _imports_sqlalchemy(self, key: ModuleKey) -> bool:
        module = self.module_frame(key)
        return module is not None and any(
            q.split(".", 1)[0] in ("sqlalchemy", "flask_sqlalchemy", "sqlmodel")
            for q in module.summary.imports.values()
        )

    def _imported_module(self, importer: ModuleKey, qualified: str) -> ModuleKey | None:
        """The project module an import names, or the one it takes a name from."""
        if not qualified.startswith(".") and is_library(qualified):
            return None
        target = self.modules.resolve_import(importer, qualified)
        if target is None and "." in qualified.lstrip("."):
            target = self.modules.resolve_import(importer, qualified.rpartition(".")[0])
        return target

    def module_name(self, frame: ModuleFrame | None, name: str, depth: int = 0) -> Value:
        """The value of a module-level name, as the module binds it."""
        if frame is None:
            return NOTHING
        key = (frame.module, name)
        found = self._exports.get(key)
        if found is not None:
            return found
        self._exports[key] = NOTHING
        value = self._module_name(frame, name, depth)
        self._exports[key] = value
        return value

    def _module_name(self, frame: ModuleFrame, name: str, depth: int) -> Value:
        summary = frame.summary
        defined = summary.definitions.get(name)
        if defined is not None:
            kind = RefKind.CLASS if defined in summary.classes else RefKind.FUNCTION
            return Value(ref=Ref(kind, frame.module, defined), owner=Owner.BORROWED)
        annotation = summary.annotations.get(name)
        if annotation is not None:
            declared = self.annotation(annotation, frame, depth + 1)
            if declared.known:
                return declared
        for expr in summary.bindings.get(name, ()):
            found = self.value(expr, frame, depth + 1)
            if found.known:
                return found
        for function, expr in summary.late_bindings.get(name, ()):
            function_frame = self.function_frame(frame.module, function)
            if function_frame is not None:
                found = self.value(expr, function_frame, depth + 1)
                if found.known:
                    return found
        qualified = summary.imports.get(name)
        if qualified is not None:
            return self.imported(frame.module, qualified, depth + 1)
        for star in summary.star_imports:
            found = self._from_star_import(frame.module, star, name, depth + 1)
            if found.known:
                return found
        if name in _BUILTINS:
            return library(f"builtins.{name}")
        return NOTHING

    def _from_star_import(self, importer: ModuleKey, module: str, name: str, depth: int) -> Value:
        if f"{module}.{name}" in INPUT_OBJECTS or name in STAR_EXPORTS.get(module, ()):
            # `request` after `from flask import *`, `create_engine` after `from
            # sqlalchemy import *`
            return library(f"{module}.{name}")
        if is_library(module):
            return NOTHING  # `from pandas import *`: not followed (names are too common)
        target = self.modules.resolve_import(importer, module)
        target_frame = self.module_frame(target) if target is not None else None
        if target_frame is None:
            return NOTHING
        exported = target_frame.summary.exported
        if exported is not None and name not in exported:
            return NOTHING
        if exported is None and name.startswith("_"):
            return NOTHING
        return self.module_name(target_frame, name, depth + 1)

    def imported(self, importer: ModuleKey, qualified: str, depth: int = 0) -> Value:
        """What `qualified` (as written in an import of `importer`) names."""
        if not qualified.startswith(".") and is_library(qualified):
            return library(qualified)
        target = self.modules.resolve_import(importer, qualified)
        if target is not None:
            rebound = self._rebound_by_package(importer, qualified, depth)
            if rebound is not None:
                return rebound
            return Value(ref=Ref(RefKind.MODULE, target), owner=Owner.BORROWED)
        stripped = qualified.lstrip(".")
        dots = qualified[: len(qualified) - len(stripped)]
        module, _, attr = stripped.rpartition(".")
        package = dots + module
        if package:
            target = self.modules.resolve_import(importer, package)
            if target is not None:
                return self.export(target, attr, depth + 1)
        if dots:
            return NOTHING  # a relative import of a module that is not there
        return library(qualified)  # a library we know nothing special about

    def _rebound_by_package(self, importer: ModuleKey, qualified: str, depth: int) -> Value | None:
        """`from config import config` where `config/__init__.py` rebinds `config`
        (`from .config import config`, the submodule's instance): Python gives the
        package's attribute, which that binding replaced, not the submodule."""
        stripped = qualified.lstrip(".")
        module, _, attr = stripped.rpartition(".")
        package = qualified[: len(qualified) - len(stripped)] + module
        if not package:
            return None
        target = self.modules.resolve_import(importer, package)
        if not isinstance(target, Path) or target.name != "__init__.py":
            return None
        summary = self.modules.summary_of(target)
        if summary is None or not (
            attr in summary.imports or attr in summary.bindings or attr in summary.definitions
        ):
            return None
        value = self.export(target, attr, depth + 1)
        ref = value.ref
        if not value.known or (ref is not None and ref.kind is RefKind.MODULE):
            return None
        return value

    def imported_bindings(
        self, importer: ModuleKey, qualified: str, depth: int = 0
    ) -> list[ir.Expr]:
        """The expressions a project module binds the name that `qualified` (as written
        in an import of `importer`) imports, at its module level, following re-exports:
        what made `SessionLocal` in `from .db import SessionLocal`. For an unpacking
        (`engine, conn = init_db()`), also what the project function returns there
        (`conn = sessionmaker(engine, expire_on_commit=False)` in `init_db`)."""
        found: list[ir.Expr] = []
        for key, expr in self._imported_sites(importer, qualified, depth):
            found.append(expr)
            found.extend(self._unpacked_from_project_call(key, expr))
        return found

    def _unpacked_from_project_call(self, key: ModuleKey, expr: ir.Expr) -> list[ir.Expr]:
        """For `("i", init_db(), 1)` bound in module `key`, where `init_db` is a project
        function that returns a tuple display: item 1 of each such return, and what
        the function binds it to when it is a local name."""
        if expr[0] != "i" or expr[1][0] != "c":
            return []
        frame = self.module_frame(key)
        ref = self.value(expr[1][1], frame).ref if frame is not None else None
        if ref is None or ref.kind is not RefKind.FUNCTION or ref.module is None:
            return []
        info = self.function_info(ref.module, ref.name)
        if info is None:
            return []
        index: int = expr[2]
        found: list[ir.Expr] = []
        for returned in info.returns:
            if returned[0] != "t" or index + 1 >= len(returned):
                continue
            item = returned[index + 1]
            found.append(item)
            if item[0] == "n":
                found.extend(info.locals.get(item[1], ()))
        return found

    def _imported_sites(
        self, importer: ModuleKey, qualified: str, depth: int
    ) -> list[tuple[ModuleKey, ir.Expr]]:
        origin = self.import_origin(importer, qualified) if depth <= _MAX_DEPTH else None
        return self.binding_sites(origin[0], origin[1], depth + 1) if origin is not None else []

    def import_origin(self, importer: ModuleKey, qualified: str) -> tuple[ModuleKey, str] | None:
        """The project module and the name in it that `qualified` (as written in an
        import of `importer`: `.db.engine`, `app.config.TABLES`) imports."""
        stripped = qualified.lstrip(".")
        dots = qualified[: len(qualified) - len(stripped)]
        module, _, attr = stripped.rpartition(".")
        if not (dots + module) or is_library(stripped):
            return None
        target = self.modules.resolve_import(importer, dots + module)
        return (target, attr) if target is not None else None

    def provided_by(self, default: ir.Expr, frame: Frame) -> list[ir.Expr] | None:
        """For a parameter default `Depends(get_session)`, the calls that made what the
        project's provider yields or returns: the session call (`SessionLocal()`) and
        the factory's own call where the module binds it (`async_sessionmaker(engine,
        expire_on_commit=False)`). None when the default is not a project provider."""
        if default[0] != "c":
            return None
        callee = self.value(default[1], frame)
        if callee.ref is None or callee.ref.name not in _DEPENDS:
            return None
        provider_expr = ir.call_argument(default, 0, "dependency")
        provider = self.value(provider_expr, frame) if provider_expr is not None else NOTHING
        ref = provider.ref
        if ref is None or ref.module is None or ref.kind is not RefKind.FUNCTION:
            return None
        info = self.function_info(ref.module, ref.name)
        if info is None:
            return None
        made: list[ir.Expr] = []
        for handed in (*info.yields, *info.returns):
            values = info.locals.get(handed[1], ()) if handed[0] == "n" else (handed,)
            for value in values:
                call = value[1] if value[0] in ("e", "w") else value
                if call[0] != "c":
                    continue
                made.append(call)
                base = call[1]
                while base[0] in ("a", "c"):
                    base = base[1]
                if base[0] == "n":
                    made.extend(self.module_bindings(ref.module, base[1]))
                    for local in info.locals.get(base[1], ()):
                        made.extend(self._makers_a_getter_returns(local, ref.module, info))
                made.extend(self._factories_behind_method(call, ref.module, info))
        return made

    def _makers_a_getter_returns(
        self, value: ir.Expr, key: ModuleKey, caller: FunctionInfo
    ) -> list[ir.Expr]:
        """`session_factory = get_session_factory()` in the provider: the calls that
        made the maker the project function returns (see `returned_makers`)."""
        if value[0] != "c":
            return []
        frame = self.function_frame(key, caller.qualname)
        getter = self.value(value[1], frame).ref if frame is not None else None
        if getter is None or getter.kind is not RefKind.FUNCTION or getter.module is None:
            return []
        return self.returned_makers(getter.module, getter.name)

    def returned_makers(self, key: ModuleKey, qualname: str) -> list[ir.Expr]:
        """What the project function `qualname` returns, as the calls that made it:
        for `return _maker` the values the function (`global _maker; _maker =
        async_sessionmaker(..., expire_on_commit=False)`) and its module bind to
        `_maker`; for `return sessionmaker(...)` that call; for `return
        session_maker()`, that call and what the module binds `session_maker` to (the
        factory a session comes from decides how it expires)."""
        info = self.function_info(key, qualname)
        if info is None:
            return []
        made: list[ir.Expr] = []
        for returned in info.returns:
            if returned[0] == "c":
                made.append(returned)
                called = returned[1]
                if called[0] == "n" and called[1] not in info.locals:
                    made.extend(v for v in self.module_bindings(key, called[1]) if v[0] == "c")
            elif returned[0] == "n":
                name = returned[1]
                made.extend(v for v in info.locals.get(name, ()) if v[0] == "c")
                if name in info.global_names or name not in info.locals:
                    made.extend(self.module_bindings(key, name))
                    summary = self.modules.summary_of(key)
                    if summary is not None:
                        made.extend(e for _, e in summary.late_bindings.get(name, ()))
        return made

    def _factories_behind_method(
        self, call: ir.Expr, key: ModuleKey, caller: FunctionInfo
    ) -> list[ir.Expr]:
        """`get_db().get_session()` where the method returns `self.session_maker()`: what
        the class sets `self.session_maker` to (`async_sessionmaker(...,
        expire_on_commit=False)`), the factory the session comes from."""
        frame = self.function_frame(key, caller.qualname)
        method = self.value(call[1], frame) if frame is not None else NOTHING
        ref = method.ref
        if ref is None or ref.kind is not RefKind.BOUND_METHOD or ref.module is None:
            return []
        info = self.function_info(ref.module, ref.name)
        if info is None or info.owner is None:
            return []
        cls = self.class_info(ref.module, info.owner)
        if cls is None:
            return []
        found: list[ir.Expr] = []
        for returned in info.returns:
            target = returned[1] if returned[0] == "c" else None
            if target is None or target[0] != "a" or target[1] != ("n", "self"):
                continue
            for qualname in cls.methods.values():
                method_info = self.function_info(ref.module, qualname)
                if method_info is not None:
                    found.extend(method_info.self_attributes.get(target[2], ()))
        return found

    def module_bindings(self, key: ModuleKey, name: str, depth: int = 0) -> list[ir.Expr]:
        """What module `key` binds `name` to at its top level, through its imports."""
        return [expr for _, expr in self.binding_sites(key, name, depth)]

    def binding_sites(
        self, key: ModuleKey, name: str, depth: int = 0
    ) -> list[tuple[ModuleKey, ir.Expr]]:
        """`module_bindings`, each with the module whose top level binds it."""
        frame = self.module_frame(key)
        if frame is None:
            return []
        values = frame.summary.bindings.get(name, ())
        qualified = frame.summary.imports.get(name)
        if not values and qualified is not None:
            return self._imported_sites(key, qualified, depth)
        return [(key, value) for value in values]

    def export(self, key: ModuleKey, name: str, depth: int = 0) -> Value:
        """`module.name` for a project module: a name it binds, or a submodule."""
        frame = self.module_frame(key)
        found = self.module_name(frame, name, depth) if frame is not None else NOTHING
        if found.known:
            return found.borrowed()
        if not str(key).endswith("__init__.py"):
            return NOTHING
        submodule = self.modules.resolve_import(key, "." + name)
        if submodule is not None and submodule != key:
            return Value(ref=Ref(RefKind.MODULE, submodule), owner=Owner.BORROWED)
        return NOTHING

    # -- attributes -------------------------------------------------------------------------

    def attribute(self, base: Value, attr: str, depth: int = 0) -> Value:
        if depth > _MAX_DEPTH:
            return NOTHING
        ref = base.ref
        if base.kind is not None:
            kind = ATTRIBUTES.get((base.kind, attr))
            if kind is not None:
                return of_kind(kind, Owner.BORROWED)
            element = MAPPING_ATTRIBUTES.get((base.kind, attr))
            if element is not None:
                return Value(ref=Ref(RefKind.KIND_METHOD, name="[]" + attr, receiver=element))
            return Value(ref=Ref(RefKind.KIND_METHOD, name=attr, receiver=base.kind))
        if ref is None:
            return NOTHING
        if ref.kind is RefKind.LIBRARY:
            return library(f"{ref.name}.{attr}")
        if ref.kind is RefKind.MODULE:
            assert ref.module is not None
            return self.export(ref.module, attr, depth + 1)
        if ref.kind is RefKind.INSTANCE:
            assert ref.module is not None
            return self.instance_attribute(ref.module, ref.name, attr, depth + 1)
        if ref.kind is RefKind.CLASS:
            assert ref.module is not None
            return self._class_attribute(ref.module, ref.name, attr, depth + 1)
        return NOTHING

    def instance_attribute(self, key: ModuleKey, cls: str, attr: str, depth: int = 0) -> Value:
        memo = (key, cls, attr)
        found = self._instance_attributes.get(memo)
        if found is not None:
            return found
        self._instance_attributes[memo] = NOTHING
        value = self._instance_attribute(key, cls, attr, depth, set())
        self._instance_attributes[memo] = value
        return value

    def made_by_instance(self, key: ModuleKey, cls: str, attr: str) -> Kind | None:
        """The kind of connection or session the class's `__init__` makes and keeps on
        `self.<attr>` (`self.session = Session()`), one each instance owns; None when
        it is given one, or keeps none there."""
        info = self.class_info(key, cls)
        qualname = info.methods.get("__init__") if info is not None else None
        frame = self.function_frame(key, qualname) if qualname is not None else None
        if frame is None:
            return None
        for expr in frame.info.self_attributes.get(attr, ()):
            found = self.value(expr, frame)
            if found.kind is not None and found.kind.is_resource and found.owner is Owner.FRESH:
                return found.kind
        return None

    def opened_by_method(self, key: ModuleKey, cls: str, method: str) -> Opening | None:
        """What calling `method` on an instance of the project class `cls` opens and
        leaves open on the object (`def start_session(self): self.session =
        self.Session()`), for the caller to close with another method of the class
        (`close_session()`, whose body closes `self.session`): the kind, the
        attribute, and the closing methods. None for `__init__`/`__enter__` (the
        object's or the block's), for a method that returns something (what it
        returns is followed instead), closes what it opens, or whose class has no
        method that closes it."""
        memo = (key, cls, method)
        if memo in self._openings:
            return self._openings[memo]
        self._openings[memo] = None
        found = None
        if method not in ("__init__", "__enter__", "__aenter__"):
            found = self._opening(key, cls, method)
        self._openings[memo] = found
        return found

    def opened_by_constructor(self, key: ModuleKey, cls: str) -> Opening | None:
        """What making an instance of the project class `cls` opens and keeps on it
        (`def __init__(self): self.db = SessionLocal()`), for the maker to close with a
        method of the class (`close()`, whose body closes `self.db`); None when no method
        closes it (the object keeps it for its life)."""
        memo = (key, cls, "<constructor>")
        if memo in self._openings:
            return self._openings[memo]
        self._openings[memo] = None
        found = self._opening(key, cls, "__init__")
        if found is not None and not any(CLOSING_NAME.match(name) for name in found.closers):
            # Closed only by methods that do some work and close at their end, or by
            # `__del__`: the object is not made to be closed by its maker.
            found = None
        if found is not None:
            hierarchy = self.class_hierarchy(key, cls)
            managed = any(
                "__exit__" in info.methods or "__aexit__" in info.methods for _, info in hierarchy
            )
            found = replace(found, managed=managed)
        self._openings[memo] = found
        return found

    def _opening(self, key: ModuleKey, cls: str, method: str) -> Opening | None:
        # The nearest class that defines `method`: its bases are not looked up.
        defined = next(
            (
                (module, info.methods[method])
                for module, info in self.walk_hierarchy(key, cls)
                if method in info.methods
            ),
            None,
        )
        frame = self.function_frame(*defined) if defined is not None else None
        if frame is None or frame.info.returns or frame.info.yields:
            return None
        if not frame.info.self_attributes:
            return None
        for attr, exprs in frame.info.self_attributes.items():
            dotted = f"self.{attr}"
            if dotted in frame.info.released:
                continue
            for expr in exprs:
                opened = self.value(expr, frame)
                kind = opened.kind
                if kind is None or not kind.is_resource or opened.owner is not Owner.FRESH:
                    continue
                closers = frozenset(
                    name
                    for module, info in self.class_hierarchy(key, cls)
                    for name, qualname in info.methods.items()
                    if dotted in getattr(self.function_info(module, qualname), "released", ())
                )
                if not closers:
                    return None
                params = [p.name for p in frame.info.params[1:]]
                kept = {name for e in exprs for name in _names_in(e) if name in params}
                given = tuple((i, name) for i, name in enumerate(params) if name in kept)
                return Opening(kind, attr, closers, given)
        return None

    def wrapping(self, key: ModuleKey, cls: str) -> tuple[Wrapping, ...]:
        """The arguments the project class `cls` keeps on its objects for a method of
        its own to close: `DBSession(session)`, whose `__init__` does `self._session =
        session` and whose `close_session()` closes `self._session`. Whoever makes the
        object with a session of its own hands the session to it, and closes it by
        calling that method (or `with` the object, when its `__exit__` closes it)."""
        memo = (key, cls)
        known = self._wrappings.get(memo)
        if known is not None:
            return known
        self._wrappings[memo] = ()
        found = self._wrapping(key, cls)
        self._wrappings[memo] = found
        return found

    def _wrapping(self, key: ModuleKey, cls: str) -> tuple[Wrapping, ...]:
        hierarchy = self.class_hierarchy(key, cls)
        init = next(
            (
                (module, info.methods["__init__"])
                for module, info in hierarchy
                if "__init__" in info.methods
            ),
            None,
        )
        info = self.function_info(*init) if init is not None else None
        if info is None or info.is_staticmethod or info.is_classmethod:
            return ()
        parameters = [p.name for p in info.params[1:]]
        found: list[Wrapping] = []
        for attr, exprs in info.self_attributes.items():
            dotted = f"self.{attr}"
            if dotted in info.released or len(exprs) != 1 or exprs[0][0] != "n":
                continue
            name = exprs[0][1]
            if name not in parameters:
                continue
            closers = frozenset(
                method
                for module, holder in hierarchy
                for method, qualname in holder.methods.items()
                if method not in ("__init__", "__del__")
                and dotted in getattr(self.function_info(module, qualname), "released", ())
            )
            if any(not method.startswith("__") for method in closers):
                found.append(Wrapping(parameters.index(name), name, attr, closers))
        return tuple(found)

    def hands_out_wrapped(self, key: ModuleKey, qualname: str) -> Opening | None:
        """What the project function `qualname` returns inside an object of a class
        that keeps it for a method of its own to close (`return DBSession(session)`, the
        session fresh): the kind, the attribute and the closing methods. The caller owns
        the object, and closes the resource by calling one of them."""
        memo = (key, qualname)
        if memo not in self._wrapped_results:
            self._wrapped_results[memo] = None  # recursion
            self._wrapped_results[memo] = self._hands_out_wrapped(key, qualname)
        return self._wrapped_results[memo]

    def _hands_out_wrapped(self, key: ModuleKey, qualname: str) -> Opening | None:
        info = self.function_info(key, qualname)
        frame = self.function_frame(key, qualname)
        if info is None or frame is None or info.yields:
            return None
        for expr in info.returns:
            made = info.locals.get(expr[1], ()) if expr[0] == "n" else (expr,)
            for value in made:
                if value[0] != "c":
                    continue
                ref = self.value(value[1], frame).ref
                if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
                    continue
                for wrapped in self.wrapping(ref.module, ref.name):
                    argument = ir.call_argument(value, wrapped.position, wrapped.parameter)
                    inner = self.value(argument, frame) if argument is not None else NOTHING
                    if (
                        inner.kind is not None
                        and inner.kind.is_resource
                        and inner.owner is Owner.FRESH
                    ):
                        return Opening(inner.kind, wrapped.attribute, wrapped.closers)
        return None

    def class_hierarchy(self, key: ModuleKey, cls: str) -> list[tuple[ModuleKey, ClassInfo]]:
        """The project class and its project bases, nearest first (each once)."""
        return list(self.walk_hierarchy(key, cls))

    def walk_hierarchy(self, key: ModuleKey, cls: str) -> Iterator[tuple[ModuleKey, ClassInfo]]:
        """`class_hierarchy`, a class at a time: the bases of a class are looked up (their
        modules summarised) only when the walk gets past it."""
        found: list[tuple[ModuleKey, ClassInfo]] = []
        pending = [(key, cls)]
        while pending and len(found) < _MAX_DEPTH:
            module, name = pending.pop(0)
            info = self.class_info(module, name)
            if info is None or any(m == module and i is info for m, i in found):
                continue
            found.append((module, info))
            yield module, info
            for base in self.project_bases(module, info):
                if base.module is not None:
                    pending.append((base.module, base.name))

    def _instance_attribute(
        self, key: ModuleKey, cls: str, attr: str, depth: int, seen: set[tuple[ModuleKey, str]]
    ) -> Value:
        if (key, cls) in seen or depth > _MAX_DEPTH:
            return NOTHING
        seen.add((key, cls))
        info = self.class_info(key, cls)
        module = self.module_frame(key)
        if info is None or module is None:
            return NOTHING
        method = info.methods.get(attr)
        if method is not None:
            method_info = module.summary.functions.get(method)
            if method_info is not None and self._is_property(key, method_info, depth):
                return self.result(key, method, depth + 1)
            return Value(ref=Ref(RefKind.BOUND_METHOD, key, method), owner=Owner.BORROWED)
        annotation = info.annotations.get(attr)
        if annotation is not None:
            declared = self.annotation(annotation, module, depth + 1)
            if declared.known:
                return declared.borrowed()
        for method in self._methods_assigning(info, module.summary, attr):
            frame = self.function_frame(key, method)
            if frame is None:
                continue
            for expr in frame.info.self_attributes.get(attr, ()):
                found = self.value(expr, frame, depth + 1)
                if found.known:
                    return found.borrowed()
        for expr in info.attributes.get(attr, ()):
            found = self.value(expr, module, depth + 1)
            if found.known:
                return found.borrowed()
        for base in self.project_bases(key, info, depth):
            found = self._instance_attribute(base.module, base.name, attr, depth + 1, seen)  # type: ignore[arg-type]
            if found.known:
                return found
        return NOTHING

    def _class_attribute(self, key: ModuleKey, cls: str, attr: str, depth: int) -> Value:
        memo = (key, "class:" + cls, attr)
        found = self._instance_attributes.get(memo)
        if found is not None:
            return found
        self._instance_attributes[memo] = NOTHING  # a cycle of bases ends here
        value = self._class_attribute_of(key, cls, attr, depth)
        self._instance_attributes[memo] = value
        return value

    def _class_attribute_of(self, key: ModuleKey, cls: str, attr: str, depth: int) -> Value:
        info = self.class_info(key, cls)
        module = self.module_frame(key)
        if info is None or module is None:
            return NOTHING
        method = info.methods.get(attr)
        if method is not None:
            return Value(ref=Ref(RefKind.FUNCTION, key, method), owner=Owner.BORROWED)
        for expr in info.attributes.get(attr, ()):
            found = self.value(expr, module, depth + 1)
            if found.known:
                return found.borrowed()
        annotation = info.annotations.get(attr)
        if annotation is not None:
            declared = self.annotation(annotation, module, depth + 1)
            if declared.known:
                return declared.borrowed()
        for base in self.project_bases(key, info, depth):
            assert base.module is not None
            found = self._class_attribute(base.module, base.name, attr, depth + 1)
            if found.known:
                return found
        return NOTHING

    @staticmethod
    def _methods_assigning(info: ClassInfo, summary: ModuleSummary, attr: str) -> list[str]:
        """The methods of `info` that assign `self.attr`, `__init__` first."""
        found = []
        for name, qualname in info.methods.items():
            method = summary.functions.get(qualname)
            if method is not None and attr in method.self_attributes:
                found.append((name != "__init__", qualname))
        # Nested functions of methods assign `self.x` too (the summary files them
        # under their own qualname): look those up by prefix.
        prefix = info.qualname + "."
        for qualname, method in summary.functions.items():
            known = any(q == qualname for _, q in found)
            if qualname.startswith(prefix) and attr in method.self_attributes and not known:
                found.append((True, qualname))
        return [qualname for _, qualname in sorted(found)]

    def project_bases(self, key: ModuleKey, info: ClassInfo, depth: int = 0) -> list[Ref]:
        memo = (key, info.qualname)
        known = self._bases.get(memo)
        if known is not None:
            return known
        self._bases[memo] = []  # a class deriving from itself, through others
        found = self._project_bases(key, info, depth)
        self._bases[memo] = found
        return found

    def _project_bases(self, key: ModuleKey, info: ClassInfo, depth: int) -> list[Ref]:
        module = self.module_frame(key)
        if module is None:
            return []
        bases = []
        for expr in info.bases:
            base = self.value(expr, module, depth + 1)
            if base.ref is not None and base.ref.kind is RefKind.CLASS:
                bases.append(base.ref)
        return bases

    def is_enum(self, ref: Ref, depth: int = 0) -> bool:
        """Whether the project class `ref` is an enumeration (derives from `enum.Enum`,
        directly or through the project's classes): its members are the code's own."""
        return self.derives_from(ref, _ENUM_BASES, depth)

    def derives_from(self, ref: Ref, bases: frozenset[str], depth: int = 0) -> bool:
        """Whether the project class `ref` derives from one of the library classes
        `bases` (qualified), directly or through the project's classes."""
        if ref.kind is not RefKind.CLASS or ref.module is None or depth > _MAX_DEPTH:
            return False
        info = self.class_info(ref.module, ref.name)
        if info is None:
            return False
        if any(name in bases for name in self.library_bases(ref.module, info, depth)):
            return True
        return any(
            self.derives_from(base, bases, depth + 1)
            for base in self.project_bases(ref.module, info)
        )

    def library_bases(self, key: ModuleKey, info: ClassInfo, depth: int = 0) -> list[str]:
        module = self.module_frame(key)
        if module is None:
            return []
        names = []
        for expr in info.bases:
            base = self.value(expr, module, depth + 1)
            if base.ref is not None and base.ref.kind is RefKind.LIBRARY:
                names.append(base.ref.name)
        return names

    def is_property(self, key: ModuleKey, info: FunctionInfo) -> bool:
        """Whether the method `info` of module `key` is a property (`@property`,
        `functools.cached_property`, Pyramid's `reify`)."""
        return self._is_property(key, info, 0)

    def _is_property(self, key: ModuleKey, info: FunctionInfo, depth: int) -> bool:
        module = self.module_frame(key)
        if module is None:
            return False
        for decorator in info.decorators:
            found = self.value(decorator, module, depth + 1)
            if found.ref is not None and found.ref.name in _PROPERTY_DECORATORS:
                return True
            if ir.dotted(decorator) in ("property", "cached_property", "reify"):
                return True
        return False

    # -- calls --------------------------------------------------------------------------------

    def call(self, expr: ir.Expr, frame: Frame, depth: int = 0) -> Value:
        func = expr[1]
        if func[0] == "a" and func[2] in SAME_OBJECT_METHODS:
            # `engine.connect().execution_options(isolation_level=...)`: the same
            # connection (SQLAlchemy 1.x: a branch of it), owned as it was.
            receiver = self.value(func[1], frame, depth + 1)
            if receiver.kind is not None and receiver.kind.is_connection:
                return receiver
        if func[0] == "a" and func[2] in _ONE_OBJECT_METHODS:
            model = self._queried_class(expr, frame, depth + 1)
            if model is not None:
                return Value(ref=Ref(RefKind.INSTANCE, model.module, model.name))
        callee = self.value(expr[1], frame, depth + 1)
        if (
            not callee.known
            and func[0] == "a"
            and func[2] == "raw_connection"
            and not self.value(func[1], frame, depth + 1).known
        ):
            # `pgdb.engine.raw_connection()` on an object not known: only SQLAlchemy's
            # engines have that method, and each call checks out a DBAPI connection.
            return of_kind(Kind.RAW_CONNECTION)
        return self.called(callee, expr, frame, depth)

    def _queried_class(self, expr: ir.Expr, frame: Frame, depth: int) -> Ref | None:
        """The project class whose one object the call `expr` gives: from the class's
        query property (`Photo.query.filter_by(...).first()`, `cls.query.get(id)`), a
        session's `get(Photo, id)`, `query(Photo)...first()`, or `scalars(select(Photo)
        ...).one()` / `scalar(select(Photo)...)`; None otherwise."""
        func = expr[1]
        receiver = func[1]
        if func[2] in ("get", "get_one", "scalar") and self._is_session(receiver, frame, depth):
            first = expr[2][0] if expr[2] else ir.UNKNOWN
            return self._mapped_class(
                first if func[2] != "scalar" else _selected(first), frame, depth
            )
        while receiver[0] == "c" and receiver[1][0] == "a" and receiver[1][2] in _REFINING_METHODS:
            if receiver[1][2] in ("scalars", "execute") and self._is_session(
                receiver[1][1], frame, depth
            ):
                statement = receiver[2][0] if receiver[2] else ir.UNKNOWN
                return self._mapped_class(_selected(statement), frame, depth)
            receiver = receiver[1][1]
        if receiver[0] == "a" and receiver[2] == "query":
            return self._mapped_class(receiver[1], frame, depth)  # the query property
        if (
            receiver[0] == "c"
            and receiver[1][0] == "a"
            and receiver[1][2] == "query"
            and len(receiver[2]) == 1
            and self._is_session(receiver[1][1], frame, depth)
        ):
            return self._mapped_class(receiver[2][0], frame, depth)
        return None

    def _is_session(self, expr: ir.Expr, frame: Frame, depth: int) -> bool:
        return self.value(expr, frame, depth + 1).kind in _SESSIONS

    def _mapped_class(self, expr: ir.Expr, frame: Frame, depth: int) -> Ref | None:
        if expr[0] not in ("n", "a"):
            return None
        ref = self.value(expr, frame, depth + 1).ref
        return ref if ref is not None and ref.kind is RefKind.CLASS else None

    def called(self, callee: Value, expr: ir.Expr, frame: Frame, depth: int = 0) -> Value:
        """The value of calling `callee` with the arguments of the call `expr` (or
        none, when `expr` is empty)."""
        ref = callee.ref
        if callee.kind is not None:
            return self._call_object(callee, expr, frame, depth)
        if ref is None:
            return NOTHING
        if ref.kind is RefKind.LIBRARY:
            return self._call_library(ref.name, expr, frame, depth)
        if ref.kind is RefKind.KIND_METHOD:
            return self._call_kind_method(ref, frame)
        if ref.kind in _CALLABLE_REFS:
            assert ref.module is not None
            return self.result(ref.module, ref.name, depth + 1)
        if ref.kind is RefKind.CLASS:
            assert ref.module is not None
            return self._instantiate(ref, frame, depth)
        return NOTHING

    def _call_object(self, callee: Value, expr: ir.Expr, frame: Frame, depth: int) -> Value:
        kind = callee.kind
        if kind is Kind.SESSION_FACTORY:
            return self._new_session(Kind.SESSION, expr, frame, depth, callee)
        if kind is Kind.ASYNC_SESSION_FACTORY:
            return self._new_session(Kind.ASYNC_SESSION, expr, frame, depth, callee)
        if kind is Kind.SCOPED_SESSION:
            # The registry's session: the registry closes it on `remove()`, if the
            # registry is kept. One made here and dropped (`scoped_session(f)()`, a
            # local registry per call) keeps nothing: whoever called owns the session.
            if callee.owner is Owner.BOUND:
                return of_kind(Kind.SESSION, Owner.BOUND)
            owner = Owner.FRESH if callee.owner is Owner.FRESH else Owner.BORROWED
            return of_kind(Kind.SESSION, owner)
        return NOTHING

    def _call_library(self, name: str, expr: ir.Expr, frame: Frame, depth: int) -> Value:
        if name in self.session_factories:
            return of_kind(Kind.SESSION)
        kind = CONSTRUCTORS.get(name)
        if kind is not None:
            if kind.is_session:
                if (
                    expr
                    and not expr[2]
                    and all(key not in (None, "bind", "binds") for key, _ in expr[3])
                ):
                    # `Session()` bound to nothing: it can connect nowhere, so it holds no
                    # pool slot (a scratch session that lists `session.new`).
                    return of_kind(kind, Owner.BOUND)
                return self._new_session(kind, expr, frame, depth)
            if kind in (Kind.SESSION_FACTORY, Kind.ASYNC_SESSION_FACTORY, Kind.SCOPED_SESSION):
                # A factory bound to a connection makes sessions that own no pool slot:
                # `sessionmaker(bind=connection)`, `scoped_session(sessionmaker(bind=conn))`.
                bind = ir.call_argument(expr, -1, "bind") if expr else None
                made_by = ir.call_argument(expr, 0, "session_factory") if expr else None
                bound = bind is not None and self._is_connection(bind, frame, depth)
                if not bound and kind is Kind.SCOPED_SESSION and made_by is not None:
                    bound = self.value(made_by, frame, depth + 1).owner is Owner.BOUND
                if kind is Kind.SESSION_FACTORY and self._makes_async_sessions(expr, frame, depth):
                    kind = Kind.ASYNC_SESSION_FACTORY
                return of_kind(kind, Owner.BOUND if bound else Owner.FRESH)
            if kind.is_engine:
                return of_kind(kind, site=Site(frame.module, frame.function))
            return of_kind(kind)
        borrowed = BORROWING_CALLS.get(name)
        if borrowed is not None:
            return of_kind(borrowed, Owner.BORROWED)
        position = PASS_THROUGH_CALLS.get(name)
        if position is not None and expr:
            argument = ir.call_argument(expr, position)
            return self.value(argument, frame, depth + 1) if argument is not None else NOTHING
        if name in ("builtins.next", "builtins.anext") and expr:
            argument = ir.call_argument(expr, 0)
            if argument is None:
                return NOTHING
            generator = self.value(argument, frame, depth + 1)
            if generator.ref is not None and generator.ref.kind is RefKind.GENERATOR:
                # The generator's cleanup after `yield` never runs: the caller owns it.
                produced = self.produced(generator.ref, depth + 1)
                return (
                    Value(produced.kind, produced.ref, Owner.FRESH) if produced.known else NOTHING
                )
        return NOTHING

    def _makes_async_sessions(self, expr: ir.Expr, frame: Frame, depth: int) -> bool:
        """`sessionmaker(engine, class_=AsyncSession)`, the async factory before
        `async_sessionmaker` (SQLAlchemy 1.4's documented form)."""
        made = ir.call_argument(expr, -1, "class_") if expr else None
        if made is None:
            return False
        ref = self.value(made, frame, depth + 1).ref
        if ref is None:
            return False
        if ref.kind is RefKind.LIBRARY:
            return CONSTRUCTORS.get(ref.name) is Kind.ASYNC_SESSION
        if ref.kind is RefKind.CLASS and ref.module is not None:
            # The project's own subclass of AsyncSession.
            info = self.class_info(ref.module, ref.name)
            return info is not None and any(
                CONSTRUCTORS.get(base) is Kind.ASYNC_SESSION
                for base in self.library_bases(ref.module, info, depth + 1)
            )
        return False

    def commits_on_exit(self, callee: ir.Expr, frame: Frame) -> bool:
        """Whether the sessions `callee()` makes commit when their `with` block ends
        normally: the project's Session subclass whose `__exit__` (or `__aexit__`) calls
        `self.commit()`, made directly or by a factory given it as `class_=`
        (Flexget's `Session = sessionmaker(class_=ContextSession)`)."""
        made = self.value(callee, frame).ref
        if made is not None and made.kind is RefKind.CLASS and made.module is not None:
            return self._exit_commits(made.module, made.name, 0)
        for module, binding in self._name_binding_sites(callee, frame):
            session_class = ir.call_argument(binding, -1, "class_") if binding[0] == "c" else None
            module_frame = self.module_frame(module)
            if session_class is None or module_frame is None:
                continue
            ref = self.value(session_class, module_frame).ref
            if ref is not None and ref.kind is RefKind.CLASS and ref.module is not None:
                return self._exit_commits(ref.module, ref.name, 0)
        return False

    def _name_binding_sites(self, expr: ir.Expr, frame: Frame) -> list[tuple[ModuleKey, ir.Expr]]:
        """Where the module-level name `expr` (`Session`, `db.Session`) is bound, through
        imports and re-exports: each binding's module and expression."""
        if expr[0] == "n":
            if frame.lookup(expr[1]) is not None:
                return []  # a local or a parameter
            return self.binding_sites(frame.module, expr[1])
        if expr[0] == "a":
            base = self.value(expr[1], frame).ref
            if base is not None and base.kind is RefKind.MODULE and base.module is not None:
                return self.binding_sites(base.module, expr[2])
        return []

    def _exit_commits(self, key: ModuleKey, qualname: str, depth: int) -> bool:
        info = self.class_info(key, qualname)
        if info is None or depth > _MAX_DEPTH:
            return False
        for method in ("__exit__", "__aexit__"):
            exit_method = info.methods.get(method)
            found = self.function_info(key, exit_method) if exit_method else None
            if found is not None:
                return any(site.callee == "self.commit" for site in found.calls)
        return any(
            base.module is not None and self._exit_commits(base.module, base.name, depth + 1)
            for base in self.project_bases(key, info)
        )

    def _new_session(
        self, kind: Kind, expr: ir.Expr, frame: Frame, depth: int, factory: Value = NOTHING
    ) -> Value:
        """A new session; one bound to a connection holds no pool slot of its own (bound
        by its own `bind=`, or by its factory's)."""
        if factory.owner is Owner.BOUND:
            return of_kind(kind, Owner.BOUND)
        if expr:
            bind = ir.call_argument(expr, 0, "bind")
            if bind is not None and self._is_connection(bind, frame, depth):
                return of_kind(kind, Owner.BOUND)
        return of_kind(kind)

    def _is_connection(self, expr: ir.Expr, frame: Frame, depth: int) -> bool:
        bound = self.value(expr, frame, depth + 1)
        if bound.kind is not None:
            return bound.kind.is_connection
        if expr[0] == "c" and expr[1][0] == "a" and expr[1][2] == "connection" and not expr[2]:
            # `session.connection()` on an object not known: the connection of that
            # session's transaction (a flush listener's), which the session releases.
            return True
        # An untyped name that says it is a connection (`connection` in a mapper
        # event hook, `conn`, `bind` of a migration).
        written = ir.dotted(expr) or ""
        last = written.rsplit(".", 1)[-1]
        return last in ("conn", "connection", "bind", "connectable") or last.endswith("_conn")

    def _call_kind_method(self, ref: Ref, frame: Frame) -> Value:
        receiver = ref.receiver
        if receiver is None:
            return NOTHING
        produced = METHODS.get((receiver, ref.name))
        if produced is not None:
            if produced.is_engine:
                return of_kind(produced, Owner.BORROWED)  # shares the receiver's pool
            return of_kind(produced)
        borrowed = BORROWING_METHODS.get((receiver, ref.name))
        if borrowed is not None:
            return of_kind(borrowed, Owner.BORROWED)
        return NOTHING

    def _instantiate(self, ref: Ref, frame: Frame, depth: int) -> Value:
        assert ref.module is not None
        info = self.class_info(ref.module, ref.name)
        if info is not None:
            for base in self.library_bases(ref.module, info, depth):
                kind = CONSTRUCTORS.get(base)
                if kind is not None and (kind.is_session or kind is Kind.FLASK_SQLALCHEMY):
                    # `class MySession(Session)`; `class MultiTenantSQLAlchemy(SQLAlchemy)`,
                    # the extension with a method or two of the project's
                    return of_kind(kind)
        return Value(ref=Ref(RefKind.INSTANCE, ref.module, ref.name))

    # -- function results -----------------------------------------------------------------------

    def result(self, key: ModuleKey, qualname: str, depth: int = 0) -> Value:
        """What calling the function `qualname` of module `key` returns."""
        memo = (key, qualname)
        found = self._results.get(memo)
        if found is not None:
            return found
        self._results[memo] = NOTHING  # recursion
        value = self._result(key, qualname, depth)
        self._results[memo] = value
        return value

    def returned_strings(self, key: ModuleKey, qualname: str) -> list[str] | None:
        """The strings the project function `qualname` can return, when every `return`
        gives a string literal: directly, through a conditional expression, or through
        locals bound only to such (`name = "a" if flag else "b"; return name`). None
        when any return gives anything else."""
        info = self.function_info(key, qualname)
        if info is None or not info.returns or info.yields:
            return None
        found: list[str] = []
        for expr in info.returns:
            strings = _literal_strings(expr, info, 0)
            if strings is None:
                return None
            found.extend(strings)
        return found

    def returned_library_calls(self, key: ModuleKey, qualname: str) -> frozenset[str]:
        """The library functions whose results the project function `qualname` returns
        (`return psycopg2.connect(url)`, or a local bound to such a call), qualified."""
        info = self.function_info(key, qualname)
        frame = self.function_frame(key, qualname)
        if info is None or frame is None or info.yields:
            return frozenset()
        found: set[str] = set()
        for expr in info.returns:
            values = list(info.locals.get(expr[1], ())) if expr[0] == "n" else [expr]
            for value in values:
                if value[0] != "c":
                    continue
                ref = self.value(value[1], frame).ref
                if ref is not None and ref.kind is RefKind.LIBRARY and ref.name:
                    found.add(ref.name)
        return frozenset(found)

    def returned_parameters(
        self, key: ModuleKey, qualname: str
    ) -> tuple[FunctionInfo, list[str]] | None:
        """The parameters the project function `qualname` can return as given (or an
        item of, `for c in candidates: return c`), when every `return` gives one of
        them or a literal (`return default if missing else column`): what such a call
        gives is one of its arguments, an item of one, or a literal. None
        when any return gives anything else, or no parameter."""
        info = self.function_info(key, qualname)
        if info is None or not info.returns or info.yields:
            return None
        params: list[str] = []
        for expr in info.returns:
            if _literal_strings(expr, info, 0, params) is None:
                return None
        return (info, params) if params else None

    def decorated_with(self, key: ModuleKey, info: FunctionInfo, names: frozenset[str]) -> bool:
        return any(ref.name in names for ref in self.decorator_refs(key, info))

    def decorator_refs(self, key: ModuleKey, info: FunctionInfo) -> Iterator[Ref]:
        """What each decorator of `info` (or the decorator factory called) refers to,
        read where the function is defined."""
        module = self.module_frame(key)
        if module is None:
            return
        frame: Frame = module
        if info.parent is not None:
            frame = self.function_frame(key, info.parent) or module
        for decorator in info.decorators:
            target = decorator[1] if decorator[0] == "c" else decorator
            ref = self.value(target, frame).ref
            if ref is not None:
                yield ref

    def _result(self, key: ModuleKey, qualname: str, depth: int) -> Value:
        frame = self.function_frame(key, qualname)
        if frame is None:
            return NOTHING
        info = frame.info
        if info.is_generator:
            made = (
                RefKind.CONTEXT_MANAGER
                if self.decorated_with(key, info, CONTEXT_MANAGER_DECORATORS)
                else RefKind.GENERATOR
            )
            return Value(ref=Ref(made, key, qualname))
        declared = (
            self.annotation(info.return_annotation, frame, depth + 1)
            if info.return_annotation is not None
            else NOTHING
        )
        returned = [
            self._declared_made(expr, declared, frame, depth) or self._returned(expr, frame, depth)
            for expr in info.returns
        ]
        return self._merged_result(key, info, declared, returned)

    def _declared_made(
        self, expr: ir.Expr, declared: Value, frame: FunctionFrame, depth: int
    ) -> Value | None:
        """A `return factory()` of a function declared `-> Session`, when nothing
        says what `factory` is (read off a registry, a settings dict, a parameter):
        a call that gives a session makes one, so the caller owns it (tildes'
        `get_session_from_config`, whose factory comes from Pyramid's registry)."""
        if declared.kind not in (Kind.SESSION, Kind.ASYNC_SESSION) or expr[0] != "c":
            return None
        callee = self.value(expr[1], frame, depth + 1)
        if callee.known or self.value(expr, frame, depth + 1).known:
            return None
        return of_kind(declared.kind, Owner.FRESH)

    def _merged_result(
        self, key: ModuleKey, info: FunctionInfo, declared: Value, returned: list[Value]
    ) -> Value:
        """What a call gives, from the function's declared type and what each of its
        `return`s gives: a kind every known return agrees on, owned by the caller only
        when every return makes it afresh (and no cache keeps it)."""
        qualname = info.qualname
        cached = self.decorated_with(key, info, CACHE_DECORATORS)
        returned = [v for v in returned if v.known]
        kinds = {v.kind for v in returned}
        refs = {v.ref for v in returned}
        if declared.kind is Kind.SESSION and kinds == {Kind.SCOPED_SESSION}:
            # `-> Session` on a helper that returns `scoped_session(...)` (often
            # through `cast(Session, ...)`): the registry, proxying its session.
            declared = NOTHING
        returned_kind = agreed_kind(kinds) if returned and None not in kinds else None
        if (
            declared.kind is not None
            and returned_kind is not None
            and agreed_kind({declared.kind, returned_kind}) is None
        ):
            # `def get_db_session() -> Engine: return sessionmaker(bind=engine)`: what
            # the code returns, not what the annotation says.
            declared = NOTHING
        kind = declared.kind
        if kind is None:
            kind = agreed_kind(kinds)
        if kind is None:
            if declared.ref is not None:
                return declared.borrowed()
            if len(refs) == 1 and None not in refs:
                return returned[0] if not cached else returned[0].borrowed()
            return NOTHING
        matching = [v for v in returned if v.kind is not None and agreed_kind({v.kind, kind})]
        if cached or not matching or len(matching) != len(returned):
            owner = Owner.BORROWED
        elif all(v.owner is Owner.FRESH for v in matching):
            owner = Owner.FRESH
        elif all(v.owner is Owner.BOUND for v in matching):
            owner = Owner.BOUND
        else:
            owner = Owner.BORROWED
        site = None
        if kind.is_engine and not cached and matching and all(v.site for v in matching):
            site = Site(key, qualname, info.line)
        return Value(kind=kind, owner=owner, site=site)

    def item(self, expr: ir.Expr, index: int, frame: Frame, depth: int = 0) -> Value:
        """What item `index` of `expr`'s value is, as an unpacking binds it: an element
        of a tuple display, or of what a project function returns (`engine, conn =
        connect(url)`, whose `return engine, engine.connect()` hands out both)."""
        if depth > _MAX_DEPTH:
            return NOTHING
        tag = expr[0]
        if tag == "t":
            items = expr[1:]
            return self.value(items[index], frame, depth + 1) if index < len(items) else NOTHING
        if tag == "w":
            return self.item(expr[1], index, frame, depth + 1)
        if tag == "c":
            callee = self.value(expr[1], frame, depth + 1)
            ref = callee.ref
            if callee.kind is None and ref is not None and ref.kind in _CALLABLE_REFS:
                assert ref.module is not None
                return self.result_item(ref.module, ref.name, index, depth + 1)
        return NOTHING

    def result_item(self, key: ModuleKey, qualname: str, index: int, depth: int = 0) -> Value:
        """What item `index` of the tuple the function `qualname` returns is."""
        memo = (key, qualname, index)
        found = self._result_items.get(memo)
        if found is not None:
            return found
        self._result_items[memo] = NOTHING  # recursion
        value = NOTHING
        frame = self.function_frame(key, qualname)
        if frame is not None and not frame.info.is_generator:
            info = frame.info
            declared = self._declared_item(info.return_annotation, index, frame, depth)
            returned = [
                self._returned(expr[1 + index], frame, depth)
                for expr in info.returns
                if expr[0] == "t" and index < len(expr) - 1
            ]
            value = self._merged_result(key, info, declared, returned)
        self._result_items[memo] = value
        return value

    def _declared_item(
        self, annotation: ir.Expr | None, index: int, frame: Frame, depth: int
    ) -> Value:
        """Item `index` of a `-> tuple[Engine, Connection]` annotation."""
        if annotation is None or annotation[0] != "s" or annotation[2][0] != "t":
            return NOTHING
        base = annotation[1]
        ref = self.value(base, frame, depth + 1).ref
        is_tuple = ir.dotted(base) == "tuple" or (
            ref is not None and ref.kind is RefKind.LIBRARY and ref.name in _TUPLE_FORMS
        )
        items = annotation[2][1:]
        if not is_tuple or index >= len(items):
            return NOTHING
        return self.annotation(items[index], frame, depth + 1)

    def _returned(self, expr: ir.Expr, frame: FunctionFrame, depth: int) -> Value:
        found = self.value(expr, frame, depth + 1)
        local = expr[1] if expr[0] == "n" else None
        if local is not None and local in frame.info.stored:
            return found.borrowed()  # also kept elsewhere (`g.db`, `self.x`, a cache)
        return found

    def produced(self, ref: Ref, depth: int = 0) -> Value:
        """What a generator or context manager (`ref`) yields to its user."""
        assert ref.module is not None
        memo = (ref.module, ref.name)
        found = self._produced.get(memo)
        if found is not None:
            return found
        self._produced[memo] = NOTHING
        value = NOTHING
        frame = self.function_frame(ref.module, ref.name)
        if frame is not None:
            values = [self.value(expr, frame, depth + 1) for expr in frame.info.yields]
            kinds = {v.kind for v in values if v.known}
            if len(kinds) == 1 and None not in kinds:
                value = of_kind(next(iter(kinds)), Owner.BORROWED)  # type: ignore[arg-type]
            elif len(values) == 1 and values[0].known:
                value = values[0].borrowed()
        self._produced[memo] = value
        return value

    def entered(self, expr: ir.Expr, frame: Frame, depth: int = 0) -> Value:
        """What `with expr as x` binds to `x`."""
        if expr[0] == "c" and expr[1][0] == "a" and expr[1][2] == "begin":
            receiver = self.value(expr[1][1], frame, depth + 1)
            if receiver.kind is not None and receiver.kind.is_engine:
                kind = Kind.ASYNC_CONNECTION if receiver.kind.is_async else Kind.CONNECTION
                return of_kind(kind, Owner.BORROWED)
        value = self.value(expr, frame, depth + 1)
        if value.kind is not None:
            return value.borrowed() if value.kind.is_resource else NOTHING
        ref = value.ref
        if (ref is None or ref.kind is RefKind.LIBRARY) and _calls_session_scope(expr):
            # `with current_app.session_scope() as session:` on an object the checker
            # does not know (a framework's app class): SQLAlchemy's documented name for
            # the context manager that hands out a session and closes it.
            return of_kind(Kind.SESSION, Owner.BORROWED)
        if ref is None:
            return NOTHING
        if ref.kind is RefKind.CONTEXT_MANAGER:
            return self.produced(ref, depth + 1)
        if ref.kind is RefKind.INSTANCE:
            assert ref.module is not None
            for method in ("__enter__", "__aenter__"):
                enter = self._instance_attribute(ref.module, ref.name, method, depth + 1, set())
                if enter.ref is not None and enter.ref.kind is RefKind.BOUND_METHOD:
                    assert enter.ref.module is not None
                    result = self.result(enter.ref.module, enter.ref.name, depth + 1)
                    return result.borrowed() if result.known else NOTHING
            return value.borrowed()
        return NOTHING

    # -- annotations ----------------------------------------------------------------------------

    def annotation(self, expr: ir.Expr | None, frame: Frame, depth: int = 0) -> Value:
        if expr is None or depth > _MAX_DEPTH:
            return NOTHING
        tag = expr[0]
        if tag == "str":
            return self.annotation(ir.annotation_from_string(expr[1]), frame, depth + 1)
        if tag == "bor":
            return self._union((expr[1], expr[2]), frame, depth)
        if tag == "s":
            base = self.value(expr[1], frame, depth + 1)
            if base.ref is not None and base.ref.name in _OPTIONAL_FORMS:
                index = expr[2]
                options = index[1:] if index[0] == "t" else (index,)
                if base.ref.name.endswith("Annotated"):
                    options = options[:1]
                return self._union(options, frame, depth)
            return self._annotated(base)
        if tag in ("n", "a"):
            declared = self._annotated(self.value(expr, frame, depth + 1))
            if not declared.known:
                # A type alias, in any module of the project: `SessionDep =
                # Annotated[Session, Depends(get_session)]` declares a Session.
                sites = self._name_binding_sites(expr, frame)
                if len(sites) == 1 and sites[0][1][0] == "s":
                    module, alias = sites[0]
                    alias_frame = self.module_frame(module)
                    if alias_frame is not None:
                        return self.annotation(alias, alias_frame, depth + 1)
            return declared
        return NOTHING

    def _union(self, options: tuple[ir.Expr, ...], frame: Frame, depth: int) -> Value:
        """`Engine | None`: the engine. `Engine | Database` where `Database` is a class
        of the project or of another library (mautrix's asyncpg database): either,
        depending on the caller, so nothing is assumed."""
        declared = [self.annotation(o, frame, depth + 1) for o in options]
        if any(d.kind is not None for d in declared) and any(
            d.kind is None and self._names_another_class(o, frame, depth)
            for o, d in zip(options, declared)
        ):
            return NOTHING
        return _one_of(declared)

    def _names_another_class(self, option: ir.Expr, frame: Frame, depth: int) -> bool:
        if option[0] == "s":
            option = option[1]  # `list[Row]`, `Database[...]`
        if option[0] not in ("n", "a"):
            return False
        ref = self.value(option, frame, depth + 1).ref
        if ref is None:
            return False
        if ref.kind is RefKind.CLASS:
            return True
        return ref.kind is RefKind.LIBRARY and not ref.name.startswith(_PLAIN_TYPE_MODULES)

    @staticmethod
    def _annotated(declared: Value) -> Value:
        ref = declared.ref
        if ref is None:
            return NOTHING
        if ref.kind is RefKind.LIBRARY:
            kind = ANNOTATIONS.get(ref.name)
            return of_kind(kind, Owner.BORROWED) if kind is not None else NOTHING
        if ref.kind is RefKind.CLASS:
            return Value(ref=Ref(RefKind.INSTANCE, ref.module, ref.name), owner=Owner.BORROWED)
        return NOTHING

    # -- pytest fixtures --------------------------------------------------------------------------

    def fixtures(self, key: ModuleKey) -> dict[str, str]:
        """The fixtures module `key` defines: requested name -> function qualname."""
        found = self._fixtures.get(key)
        if found is not None:
            return found
        found = {}
        module = self.module_frame(key)
        if module is not None:
            for qualname, info in module.summary.functions.items():
                if info.parent is not None or info.owner is not None:
                    continue
                requested = self._fixture_name(module, info)
                if requested is not None:
                    found.setdefault(requested, qualname)
        self._fixtures[key] = found
        return found

    def _fixture_name(self, module: ModuleFrame, info: FunctionInfo) -> str | None:
        for decorator in info.decorators:
            target = decorator[1] if decorator[0] == "c" else decorator
            found = self.value(target, module)
            if found.ref is None or found.ref.name not in FIXTURE_DECORATORS:
                continue
            if decorator[0] == "c":
                requested = ir.call_argument(decorator, -1, "name")
                if requested is not None:
                    if requested[0] == "str" and requested[1].isidentifier():
                        return str(requested[1])
                    return None
            return info.name
        return None

    def fixture(self, key: ModuleKey, name: str, requester: str, depth: int = 0) -> Value:
        """What the fixture `name` yields to `requester` (a test or fixture of `key`)."""
        own = self.fixtures(key).get(name)
        if own is not None and own != requester:
            return self.fixture_value(key, own, depth + 1)
        # Not defined here, or a fixture overriding the one of the same name it requests:
        # pytest looks in the conftests above.
        for conftest in self.modules.fixture_modules(key):
            defined = self.fixtures(conftest).get(name)
            if defined is not None:
                return self.fixture_value(conftest, defined, depth + 1)
        return NOTHING

    def fixture_value(self, key: ModuleKey, qualname: str, depth: int = 0) -> Value:
        memo = (key, qualname)
        found = self._fixture_values.get(memo)
        if found is not None:
            return found
        self._fixture_values[memo] = NOTHING
        value = NOTHING
        frame = self.function_frame(key, qualname)
        if frame is not None:
            info = frame.info
            produced = info.yields if info.yields else info.returns
            values = [self.value(e, frame, depth + 1) for e in produced]
            kind = agreed_kind({v.kind for v in values})
            if kind is not None:
                # Borrowed from the fixture, which cleans up after the test; a factory
                # (or session) bound to a connection the fixture opened stays bound.
                bound = all(v.owner is Owner.BOUND for v in values)
                value = of_kind(kind, Owner.BOUND if bound else Owner.BORROWED)
        self._fixture_values[memo] = value
        return value

    def module_functions(self, key: ModuleKey) -> Iterator[FunctionInfo]:
        module = self.module_frame(key)
        if module is not None:
            yield from module.summary.functions.values()


def _selected(statement: ir.Expr) -> ir.Expr:
    """What `select(Photo).where(...)` selects, when it is one thing (else UNKNOWN)."""
    while statement[0] == "c" and statement[1][0] == "a" and statement[1][2] in _REFINING_METHODS:
        statement = statement[1][1]
    if statement[0] != "c" or len(statement[2]) != 1:
        return ir.UNKNOWN
    func = statement[1]
    name = func[1] if func[0] == "n" else func[2] if func[0] == "a" else None
    return statement[2][0] if name == "select" else ir.UNKNOWN


def _calls_session_scope(expr: ir.Expr) -> bool:
    """`session_scope()` or `app.session_scope()`."""
    if expr[0] != "c":
        return False
    func = expr[1]
    name = func[1] if func[0] == "n" else func[2] if func[0] == "a" else None
    return bool(name == "session_scope")
