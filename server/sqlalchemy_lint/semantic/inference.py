"""What an expression of the checked module is, asked with libcst's nodes.

Rules and the lifetime tracker hold libcst nodes; the evaluator (`evaluate.py`)
reads `ir`. This adapter lowers a node, finds the frame of its scope (its local
bindings come from libcst's scopes; the module's top level, like every other
module's, from its summary) and asks the evaluator, memoizing per node.

Evidence, in the evaluator's order: a call to a known constructor (after
resolving imports, aliases and re-exports through the project's modules), a
method on a receiver of known kind (`engine.connect()`), a name's assignments and
annotations in its scope and the enclosing ones, `self.x` attributes assigned in
the class, module-level names and function results of any module of the project,
and, in test modules, what the pytest fixture named by an unannotated parameter
yields.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from . import ir
from .evaluate import GLOBAL, Binding, ClassBodyFrame, Evaluator, Frame, is_library
from .fixtures import is_pytest_module, receives_fixtures
from .flow import names_bound_otherwise, reaching_assignment
from .kinds import INPUT_OBJECTS, Kind
from .library_exports import STAR_EXPORTS
from .lower_cst import from_cst
from .model import Assignment, ModuleModel, Scope
from .options import AnalysisOptions
from .parameter_fates import Fate, ParameterFates, called_function, parameter_names
from .summary import FunctionInfo, ModuleSummary, Param, summarise_source, summarise_tree
from .values import BUFFER, NOTHING, ModuleKey, RefKind, Value

if TYPE_CHECKING:
    from pathlib import Path

    from .project import ProjectIndex, ProjectView


# What Flask-SQLAlchemy's `db` hands out from `sqlalchemy.orm` (the rest of its names,
# `db.text`, `db.select`, `db.Column`, are `sqlalchemy`'s).
_ORM_NAMES = frozenset(
    {
        *("relationship", "relation", "backref", "dynamic_loader", "aliased"),
        *("column_property", "synonym", "composite", "deferred", "with_polymorphic"),
        *("joinedload", "selectinload", "subqueryload", "lazyload", "noload", "raiseload"),
        *("immediateload", "contains_eager", "defer", "undefer", "load_only", "Mapped"),
        *("mapped_column", "declared_attr", "validates", "Session", "sessionmaker"),
    }
)


# What Flask-SQLAlchemy's `db` has of its own (no SQLAlchemy name: `db.session` is
# its scoped session, `db.Model` its declarative base).
_EXTENSION_OWN = frozenset(
    {
        *("session", "engine", "engines", "get_engine", "Model", "Query", "metadata"),
        *("metadatas", "init_app", "create_all", "drop_all", "reflect", "paginate"),
        *("get_or_404", "first_or_404", "one_or_404", "create_session"),
        *("create_scoped_session", "get_binds", "get_tables_for_bind", "app"),
    }
)


class StandaloneSource:
    """The evaluator's `ModuleSource` when there is no project: the module alone."""

    def __init__(self, key: ModuleKey, summary: ModuleSummary) -> None:
        self.current = key
        self.current_summary = summary
        self.dependencies: dict[Path, str] = {}
        self.missing: set[Path] = set()
        self.incomplete = False

    def summary_of(self, key: ModuleKey) -> ModuleSummary | None:
        return self.current_summary if key == self.current else None

    def resolve_import(self, importer: ModuleKey, module: str) -> ModuleKey | None:
        return None

    def fixture_modules(self, key: ModuleKey) -> list[ModuleKey]:
        return []

    def is_pytest_module(self, key: ModuleKey) -> bool:
        return False

    def modules_mentioning(self, key: ModuleKey, word: str) -> list[ModuleKey]:
        return []

    def template(self, name: str) -> str | None:
        return None  # templates are looked for in a project


class CstFrame(Frame):
    """A function (or lambda) scope of the checked module, as libcst's model has it."""

    def __init__(self, resolver: Resolver, scope: Scope, outer: Frame) -> None:
        self.module = resolver.key
        self.outer = outer
        self.scope = scope
        self.model = resolver.model
        node = scope.node
        qualnames = resolver.qualnames()
        self.function = qualnames.get(node, "")
        if not self.function:  # a lambda: named after the function around it
            names: list[str] = []
            current: Scope | None = scope
            while current is not None and not current.is_module:
                names.append(current.name)
                current = current.parent
            self.function = ".".join(reversed(names))
        if isinstance(node, cst.FunctionDef) and scope.class_info is not None:
            self.owner_class = (
                qualnames.get(scope.class_info.node) or self.function.rpartition(".")[0]
            )
            decorators = {
                d.decorator.value for d in node.decorators if isinstance(d.decorator, cst.Name)
            }
            self.is_classmethod = "classmethod" in decorators
            self.is_staticmethod = "staticmethod" in decorators
            params = node.params
            positional = [*params.posonly_params, *params.params]
            # `self` / `cls`; a staticmethod's first parameter is an argument like the rest.
            self._first = (
                positional[0].name.value if positional and not self.is_staticmethod else None
            )
        else:
            self._first = None
        self.receives_fixtures = resolver.pytest_module and receives_fixtures(scope)

    def lookup(self, name: str) -> Binding | None:
        scope = self.scope
        if name in scope.global_names:
            return GLOBAL
        param = scope.params.get(name)
        if param is not None:
            annotation = from_cst(param.annotation.annotation) if param.annotation else None
            default = from_cst(param.default) if param.default is not None else None
            return Binding(
                annotation=annotation,
                param=Param(name, annotation, default),
                first_param=name == self._first,
            )
        annotated = scope.annotations.get(name)
        assignments = scope.assignments.get(name)
        if annotated is None and assignments is None:
            return None
        values = tuple(_assigned(a) for a in assignments or ()) + self._added(name)
        return Binding(
            values=values,
            annotation=from_cst(annotated) if annotated is not None else None,
            configured_binds=self._configured_binds(name),
        )

    def _added(self, name: str) -> tuple[ir.Expr, ...]:
        """What `name += value` statements add: part of the local's value, one more of
        the values it is made from (as module summaries record it)."""
        added: list[ir.Expr] = []
        for reference in self.scope.references.get(name, ()):
            parent = self.model.parent(reference)
            if isinstance(parent, cst.AugAssign) and parent.target is reference:
                added.append(from_cst(parent.value))
        return tuple(added)

    def _configured_binds(self, name: str) -> tuple[ir.Expr, ...]:
        """The `bind=` of `name.configure(...)` calls in this scope."""
        binds = []
        for reference in self.scope.references.get(name, ()):
            attribute = self.model.parent(reference)
            if not isinstance(attribute, cst.Attribute) or attribute.attr.value != "configure":
                continue
            call = self.model.parent(attribute)
            if not isinstance(call, cst.Call) or call.func is not attribute:
                continue
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "bind":
                    binds.append(from_cst(arg.value))
        return tuple(binds)


class Resolver:
    def __init__(
        self,
        model: ModuleModel,
        path: Path | None = None,
        project: ProjectIndex | None = None,
        options: AnalysisOptions | None = None,
        *,
        source: str | None = None,
        tree: ast.Module | None = None,
        stamp: object = None,
        offline: bool = False,
    ) -> None:
        self.model = model
        self.path = path
        self.project = project
        self.options = options or AnalysisOptions()
        self.pytest_module = is_pytest_module(path)
        text = source if source is not None else model.module.code
        self.text = text  # the module's source, for cheap text pre-checks of rules
        self.view: ProjectView | StandaloneSource
        if project is not None:
            self.view = project.view(path, text, stamp=stamp, tree=tree, offline=offline)
            self.key: ModuleKey = self.view.current
        else:
            summary = summarise_tree(tree) if tree is not None else summarise_source(text)
            self.key = path.resolve() if path is not None else BUFFER
            self.view = StandaloneSource(self.key, summary)
        self.evaluator = Evaluator(self.view, options)
        self._module_frame = self.evaluator.module_frame(self.key)
        self._frames: dict[int, Frame] = {}
        self._values: dict[cst.CSTNode, Value] = {}
        self._bound_otherwise: dict[int, frozenset[str]] | None = None
        self._qualified: dict[str, str | None] = {}
        self._extensions: dict[str, bool] = {}  # names bound to Flask-SQLAlchemy's `db`
        self._qualnames: dict[cst.CSTNode, str] | None = None
        self._factories_autocommit: bool | None = None
        self._parameter_fates: ParameterFates | None = None

    # -- frames ------------------------------------------------------------------------

    def qualnames(self) -> dict[cst.CSTNode, str]:
        """Each function and class of the module -> its qualname in the module's summary
        (`Class.method`, `outer.inner`, `f#2` for a second `def f`), so that libcst's
        scopes and the summary's functions are the same things to the evaluator."""
        if self._qualnames is None:
            self._qualnames = _qualnames(self.model.module)
        return self._qualnames

    def frame(self, scope: Scope) -> Frame:
        found = self._frames.get(id(scope))
        if found is not None:
            return found
        if scope.is_module or scope.parent is None:
            frame: Frame = self._module_frame if self._module_frame is not None else _EmptyFrame()
        else:
            frame = CstFrame(self, scope, self.frame(scope.parent))
        self._frames[id(scope)] = frame
        return frame

    # -- names ---------------------------------------------------------------------

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """`sa.orm.Session` -> `sqlalchemy.orm.Session`, through the module's imports and
        the project modules that re-export library names (`from .db import create_engine`)."""
        attributes: list[str] = []
        # Exact type tests (libcst's node classes are final): isinstance() on its
        # abstract base classes is slow, and this runs for every call of the module.
        while type(expr) is cst.Attribute:  # a loop: chains may be thousands long
            attributes.append(expr.attr.value)
            expr = expr.value
        if type(expr) is not cst.Name:
            return None
        head = self.model.imports.get(expr.value)
        if head is None:
            head = self._star_imported(expr.value)
            if head is None:
                return self._through_extension(expr.value, attributes)
        separator = "" if head.endswith(".") else "."  # `from . import x` gives "."
        written = head + separator + ".".join(reversed(attributes)) if attributes else head
        if not head.startswith(".") and is_library(head):
            return written
        if written not in self._qualified:
            canonical = self._canonical(written)
            if canonical == written:  # not a library's name: maybe one `db` hands out
                canonical = self._through_extension(expr.value, attributes) or written
            self._qualified[written] = canonical
        return self._qualified[written]

    def _through_extension(self, name: str, attributes: list[str]) -> str | None:
        """`db.text` where the module's (or an imported) `db` is Flask-SQLAlchemy's
        extension, which hands out SQLAlchemy's names: `sqlalchemy.text`,
        `sqlalchemy.orm.relationship`."""
        if len(attributes) != 1 or attributes[0] in _EXTENSION_OWN:
            return None
        known = self._extensions.get(name)
        if known is None:
            frame = self._module_frame
            value = self.evaluator.name(name, frame) if frame is not None else None
            known = self._extensions[name] = (
                value is not None and value.kind is Kind.FLASK_SQLALCHEMY
            )
        if not known:
            return None
        attribute = attributes[0]
        return (
            f"sqlalchemy.orm.{attribute}" if attribute in _ORM_NAMES else f"sqlalchemy.{attribute}"
        )

    def _star_imported(self, name: str) -> str | None:
        """`request` in a module that does `from flask import *`: one of the library
        objects where outside input enters (`flask.request`, `sys.argv`), or a name of
        SQLAlchemy's or SQLModel's (`create_engine` after `from sqlalchemy import *`),
        brought in by a star import of its module. (Other library names a star import
        may bring are not followed: they are too common to guess at.)"""
        for module in self.model.star_imports:
            candidate = f"{module}.{name}"
            if candidate in INPUT_OBJECTS or name in STAR_EXPORTS.get(module, ()):
                return candidate
        return None

    def _canonical(self, written: str) -> str:
        """A project name that is a library object re-exported: the library's name."""
        value = self.evaluator.imported(self.key, written)
        if value.ref is not None and value.ref.kind is RefKind.LIBRARY:
            return value.ref.name
        return written

    # -- kinds ---------------------------------------------------------------------

    def returned_strings(self, call: cst.Call, scope: Scope) -> list[str] | None:
        """The string literals a call of a project function can give (see
        `Evaluator.returned_strings`); None for any other call."""
        ref = self.value_of(call.func, scope).ref
        if ref is None or ref.kind is not RefKind.FUNCTION or ref.module is None:
            return None
        return self.evaluator.returned_strings(ref.module, ref.name)

    def returned_library_calls(self, call: cst.Call, scope: Scope) -> frozenset[str]:
        """What library calls a call of a project function hands on (see
        `Evaluator.returned_library_calls`); empty for any other call."""
        ref = self.value_of(call.func, scope).ref
        if ref is None or ref.kind is not RefKind.FUNCTION or ref.module is None:
            return frozenset()
        return self.evaluator.returned_library_calls(ref.module, ref.name)

    def returned_arguments(self, call: cst.Call, scope: Scope) -> list[cst.Arg] | None:
        """The arguments of `call` that a project function returns as given (see
        `Evaluator.returned_parameters`): what the call gives is one of them or one of
        the function's string literals. None for any other call, and when an argument
        cannot be matched to its parameter (`*args`, `**kwargs`, a left-out parameter
        whose default is not a literal)."""
        ref = self.value_of(call.func, scope).ref
        if ref is None or ref.kind is not RefKind.FUNCTION or ref.module is None:
            return None
        found = self.evaluator.returned_parameters(ref.module, ref.name)
        if found is None or any(arg.star for arg in call.args):
            return None
        info, returned = found
        # (`self` / `cls` of a method is bound, not passed)
        names = parameter_names(info, info.owner is not None and not info.is_staticmethod)
        given: list[cst.Arg] = []
        for name in dict.fromkeys(returned):
            position = names.index(name) if name in names else None
            arg = next(
                (a for a in call.args if a.keyword is not None and a.keyword.value == name),
                None,
            )
            if arg is None and position is not None:
                positional = [a for a in call.args if a.keyword is None]
                arg = positional[position] if position < len(positional) else None
            if arg is not None:
                given.append(arg)
                continue
            default = next((p.default for p in info.params if p.name == name), None)
            if default is None or default[0] != "str":
                return None  # left out, and not at a literal default
        return given

    def value_of(self, expr: cst.BaseExpression, scope: Scope) -> Value:
        found = self._values.get(expr)
        if found is not None:
            return found
        lowered = from_cst(expr)
        if type(expr) is cst.Call and type(self.model.parent(expr)) is cst.Await:
            # `await engine.connect()`: only an AsyncEngine's connect() can be awaited,
            # whatever an untyped `engine` was taken to be.
            lowered = ("w", lowered)
        frame = self.frame(scope)
        if scope.is_module:
            frame = self._class_body_frame(expr) or frame
        value = self.evaluator.value(lowered, frame)
        if type(expr) is cst.Name:
            value = self._reaching_value(expr, scope, value) or value
        self._values[expr] = value
        return value

    def _reaching_value(self, use: cst.Name, scope: Scope, merged: Value) -> Value | None:
        """What the one assignment that reaches `use` makes, when the name is bound
        several times in its scope and that assignment's kind is not the one the
        evaluator took from all of them (`c = conn.cursor()` in the `if`, `c =
        scoped_session(...)` in the `else`: `c.execute(...)` in the `if` is the
        cursor's)."""
        name = use.value
        assignments = scope.assignments.get(name, [])
        if (
            use not in self.model.order  # a name made up to ask about (`cst.Name("db")`)
            or len(assignments) < 2
            or name in scope.params
            or name in scope.global_names
            or name in scope.annotations
        ):
            return None
        if self._bound_otherwise is None:
            self._bound_otherwise = names_bound_otherwise(self.model)
        otherwise = self._bound_otherwise.get(id(scope.node), frozenset())
        if name in otherwise or "*" in otherwise:
            return None
        reaching = reaching_assignment(self.model, use, assignments)
        if reaching is None or reaching.value is None:
            return None
        value = self.value_of(reaching.value, scope)
        if value.kind is merged.kind:
            return None
        return value.borrowed() if scope.is_module else value

    def _class_body_frame(self, node: cst.CSTNode) -> Frame | None:
        """The frame of the class body `node` is directly in, if it is in one."""
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return None
            if isinstance(ancestor, cst.ClassDef):
                qualname = self.qualnames().get(ancestor)
                info = self.evaluator.class_info(self.key, qualname) if qualname else None
                if info is None or self._module_frame is None:
                    return None
                return ClassBodyFrame(self.key, info, self._module_frame)
        return None

    def kind_of(self, expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> Kind | None:
        return self.value_of(expr, scope).kind

    def call_kind(self, call: cst.Call, scope: Scope, depth: int = 0) -> Kind | None:
        return self.value_of(call, scope).kind

    def call_value(self, call: cst.Call, scope: Scope) -> Value:
        return self.value_of(call, scope)

    def item_value(self, call: cst.Call, index: int, scope: Scope) -> Value:
        """Item `index` of what `call` gives, as an unpacking binds it (`engine, conn =
        connect(url)`)."""
        return self.evaluator.item(from_cst(call), index, self.frame(scope))

    def name_kind(self, name: str, scope: Scope, depth: int = 0) -> Kind | None:
        return self.evaluator.name(name, self.frame(scope)).kind

    def commits_on_exit(self, call: cst.Call, scope: Scope) -> bool:
        """The session `call` makes commits when its `with` block ends normally (a
        project Session class whose `__exit__` commits, or a factory of one)."""
        return self.evaluator.commits_on_exit(from_cst(call.func), self.frame(scope))

    def imported_bindings(self, name: str) -> list[ir.Expr]:
        """For a name this module imports from the project, what the module it comes
        from binds it to (`sessionmaker(bind=engine, expire_on_commit=False)`)."""
        qualified = self.model.imports.get(name)
        if qualified is None:
            return []
        return self.evaluator.imported_bindings(self.key, qualified)

    def returned_makers(self, func: cst.BaseExpression, scope: Scope) -> list[ir.Expr]:
        """For `get_session_maker` (a project function), the calls that made what it
        returns (see `Evaluator.returned_makers`); nothing for anything else."""
        ref = self.value_of(func, scope).ref
        if ref is None or ref.kind is not RefKind.FUNCTION or ref.module is None:
            return []
        return self.evaluator.returned_makers(ref.module, ref.name)

    def session_factory_calls(self, names: Sequence[str]) -> list[ir.Expr]:
        """The calls of `names` (`async_sessionmaker`, `AsyncSession`) that this module
        and the project's modules mentioning them bind (at module level, on a class or
        an instance, in a function) or return."""
        keys: list[ModuleKey] = [self.key]
        for name in names:
            keys.extend(self.view.modules_mentioning(self.key, name))
        found: list[ir.Expr] = []
        for key in dict.fromkeys(keys):
            summary = self.view.summary_of(key)
            if summary is None:
                continue
            module = self.evaluator.module_frame(key)
            bound = [*summary.bindings.values()]
            bound.extend(v for c in summary.classes.values() for v in c.attributes.values())
            for function in summary.functions.values():
                bound.extend(function.self_attributes.values())
                bound.extend(function.locals.values())
                bound.append(function.returns)
            for values in bound:
                for value in values:
                    callee = ir.dotted(value[1]) if value[0] == "c" else None
                    if callee is None or callee.rpartition(".")[2] not in names:
                        continue
                    if module is not None and self.evaluator.value(value[1], module).kind in (
                        Kind.SESSION_FACTORY,
                        Kind.ASYNC_SESSION_FACTORY,
                    ):
                        # `AsyncSession()` where the project named its factory so: a
                        # session of that factory, which is found (and judged) itself.
                        continue
                    found.append(value)
        return found

    def factories_autocommit(self) -> bool:
        """Every session factory and session the project binds is made with
        `autocommit=True` (a 1.x project that passes its one factory around)."""
        if self._factories_autocommit is None:
            made = self.session_factory_calls(("sessionmaker", "Session"))
            self._factories_autocommit = bool(made) and all(
                any(name == "autocommit" and value == ("n", "True") for name, value in call[3])
                for call in made
            )
        return self._factories_autocommit

    def provided_by(self, default: cst.BaseExpression, scope: Scope) -> list[ir.Expr] | None:
        """For a parameter default `Depends(provider)`, the calls that made what the
        project's provider hands out (see `Evaluator.provided_by`)."""
        return self.evaluator.provided_by(from_cst(default), self.frame(scope))

    def callee_parameter(
        self, call: cst.Call, argument: cst.Arg, scope: Scope
    ) -> tuple[FunctionInfo, str] | None:
        """The project function (or bound method) `call` runs, and the name of its
        parameter that `argument` is passed to; None when either is unknown."""
        found = self.passed_parameter(call, argument, scope)
        if found is None:
            return None
        key, qualname, name = found
        info = self.evaluator.function_info(key, qualname)
        return (info, name) if info is not None else None

    def swallows_errors(self, call: cst.Call, scope: Scope) -> bool:
        """`call` runs a project function that catches every exception and raises
        none (see `FunctionInfo.swallows_errors`): the call returns, whatever fails."""
        called = called_function(self.evaluator, self.value_of(call.func, scope).ref)
        return called is not None and called[1].swallows_errors

    def passed_parameter(
        self, call: cst.Call, argument: cst.Arg, scope: Scope
    ) -> tuple[ModuleKey, str, str] | None:
        """The module and qualname of the project function (or bound method) `call`
        runs, and the name of its parameter that `argument` is passed to."""
        if argument.star:
            return None
        called = called_function(self.evaluator, self.value_of(call.func, scope).ref)
        if called is None:
            return None
        module, info, params = called
        if argument.keyword is not None:
            name = argument.keyword.value
            return (module, info.qualname, name) if name in params else None
        index = [a for a in call.args if a.keyword is None].index(argument)
        if index >= len(params):
            return None
        return module, info.qualname, params[index]

    def parameter_fate(self, call: cst.Call, argument: cst.Arg, scope: Scope) -> Fate:
        """What the project function `call` runs does with `argument`: releases it or
        keeps it, itself or through the helpers it hands it to."""
        found = self.passed_parameter(call, argument, scope)
        if found is None:
            return Fate.NONE
        if self._parameter_fates is None:
            self._parameter_fates = ParameterFates(self.evaluator)
        return self._parameter_fates.of(*found)


def _assigned(assignment: Assignment) -> ir.Expr:
    """What an assignment binds, lowered: a `for` loop's target is an element of
    what it iterates (`("s", iterable, UNKNOWN)`, as summaries have it)."""
    if assignment.value is not None:
        value = from_cst(assignment.value)
        return ("e", value) if assignment.via_with else value
    if assignment.unpacked is not None:
        unpacked, index = assignment.unpacked
        return ir.item_of(from_cst(unpacked), index)
    if isinstance(assignment.node, (cst.For, cst.CompFor)):
        return ir.element_of(from_cst(assignment.node.iter))
    return ir.UNKNOWN


def _qualnames(module: cst.Module) -> dict[cst.CSTNode, str]:
    """Name definitions as `summary._Builder` does: in source order, a repeated
    qualname numbered from its second definition on."""
    found: dict[cst.CSTNode, str] = {}
    counts: dict[str, int] = {}
    # (statements, prefix) to visit, in source order: an explicit stack, not recursion.
    pending: list[tuple[Sequence[cst.CSTNode], str]] = [(module.body, "")]
    while pending:
        statements, prefix = pending.pop()
        later: list[tuple[Sequence[cst.CSTNode], str]] = []
        for statement in statements:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                qualname = prefix + statement.name.value
                counts[qualname] = counts.get(qualname, 0) + 1
                if counts[qualname] > 1:
                    qualname = f"{qualname}#{counts[qualname]}"
                found[statement] = qualname
                later.append((_body_of(statement), qualname + "."))
            else:
                later.extend((block, prefix) for block in _blocks_of(statement))
        pending.extend(reversed(later))
    return found


def _body_of(node: cst.FunctionDef | cst.ClassDef) -> Sequence[cst.CSTNode]:
    body = node.body
    return body.body if isinstance(body, cst.IndentedBlock) else ()


def _blocks_of(statement: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    """The statement lists inside a compound statement, in the order the summary
    builder walks them: body, except handlers, else, finally, match cases."""
    blocks: list[Sequence[cst.CSTNode]] = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.IndentedBlock):
        blocks.append(body.body)
    for item in getattr(statement, "handlers", ()):
        if isinstance(item.body, cst.IndentedBlock):
            blocks.append(item.body.body)
    orelse = getattr(statement, "orelse", None)
    if isinstance(orelse, cst.If):  # elif
        blocks.extend(_blocks_of(orelse))
    elif isinstance(orelse, cst.Else) and isinstance(orelse.body, cst.IndentedBlock):
        blocks.append(orelse.body.body)
    final = getattr(statement, "finalbody", None)
    if isinstance(final, cst.Finally) and isinstance(final.body, cst.IndentedBlock):
        blocks.append(final.body.body)
    for case in getattr(statement, "cases", ()):
        if isinstance(case.body, cst.IndentedBlock):
            blocks.append(case.body.body)
    return blocks


class _EmptyFrame(Frame):
    """The module level of a module whose summary could not be had."""

    module: ModuleKey = BUFFER

    def lookup(self, name: str) -> Binding | None:
        return None


__all__ = ["NOTHING", "Resolver", "StandaloneSource"]
