"""Where code of the checked module runs: once per request (or message, job,
task), once per loop iteration, or once.

Whether a function runs again and again is decided project-wide, from the
summaries (`repetition.py`): request handlers and hooks recognised from the
frameworks' registration forms (route decorators on a Flask/Quart/FastAPI/
Starlette/Sanic app or router, or any object in a module that imports such a
framework; FastAPI dependencies through `Depends(...)`; Starlette `Route(...)`
and Flask `add_url_rule(...)`; Django views, decorated, class-based, or functions
taking `request` in a `views` module), bot handlers, tasks, and the functions
they call, in any module. This adapter answers for libcst's scopes, and keeps the
questions that are about nodes (the enclosing loop, the `__main__` guard).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from . import ir
from .evaluate import ModuleSource
from .flow import broad_handler_contains, finally_contains, method_calls, nodes_of
from .inference import Resolver
from .kinds import Kind
from .lower_cst import from_cst
from .model import ModuleModel, Scope, binding_scope, global_readers
from .options import AnalysisOptions
from .program_values import ProgramValues
from .project import is_test_file
from .repetition import Repetition, Repetitions, reaches
from .sql_runners import SqlRunners
from .summary import (
    FATE_DROPPED,
    FATE_LOCAL,
    FATE_OTHER,
    FATE_RETURNED,
    FATE_STORED,
    FATE_WITH,
    IN_LOOP,
    IN_MAIN_GUARD,
    IN_TRY,
    FunctionInfo,
    ModuleSummary,
)
from .transaction_managers import manages_the_registry
from .values import ModuleKey


@dataclass(frozen=True)
class RequestContext:
    """Why a function runs per request, in words for a message."""

    function: str  # the function that runs per request
    why: str  # e.g. "is a request handler (`@app.get`)"


# Where migration scripts live (Alembic's `versions`, other tools' `migrations`).
_MIGRATION_FOLDERS = frozenset({"versions", "migrations"})
_MIGRATION_STEPS = frozenset({"upgrade", "downgrade"})
# What leaves a session without a transaction, ready for the next call.
_RESETS = frozenset({"close", "rollback"})
# What ends a `scoped_session` registry's session for the current thread (a bound
# `db.remove` handed to a teardown hook counts as well).
_REGISTRY_RELEASES = frozenset({"remove", "close"})
# Words in another module that may end a registry's sessions (`session = Registry()`
# there, then `session.close()`).
# Hooks with which web frameworks end a registry's sessions after each request, and
# the call that ends every session.
_TEARDOWN_WORDS = frozenset({"teardown_appcontext", "teardown_request", "close_all_sessions"})
_REMOVAL_WORDS = ("remove", "close", *sorted(_TEARDOWN_WORDS))
# Libraries whose registries end their sessions themselves, after each request or
# transaction.
_SESSION_MANAGERS = frozenset({"flask_sqlalchemy", "zope"})


# Methods that run when an instance of their class is made (or entered by a `with`).
_RUN_BY_MAKING = frozenset(
    {"__init__", "__enter__", "__aenter__", "__post_init__", "__attrs_post_init__"}
)


class ExecutionContexts:
    def __init__(
        self,
        model: ModuleModel,
        resolver: Resolver,
        path: Path | None,
        options: AnalysisOptions | None = None,
    ) -> None:
        self.model = model
        self.resolver = resolver
        self.path = path
        self._registries_ended: dict[str, bool] = {}
        self.repetitions = Repetitions(
            resolver.evaluator,
            resolver.view,
            options.request_handler_decorators if options else (),
        )
        self.program_values = ProgramValues(resolver.evaluator, self.repetitions)
        self.sql_runners = SqlRunners(resolver.evaluator)
        # A module global's importers, by name: asked by SQA102's script check and by
        # SQA105 for the same global (each search reads the project's summaries).
        self._importers_of: dict[str, list[ModuleKey]] = {}
        self._module_imported: bool | None = None

    def _functions(self, scope: Scope) -> list[tuple[Scope, str]]:
        """`scope` and the functions around it (lambdas skipped), with their qualnames."""
        found = []
        current: Scope | None = scope
        while current is not None and not current.is_module:
            if isinstance(current.node, cst.FunctionDef):
                found.append((current, self.resolver.frame(current).function))
            current = current.parent
        return found

    # -- running once ----------------------------------------------------------------------

    def is_pytest_fixture(self, scope: Scope) -> bool:
        info = self._info(scope)
        return info is not None and self.repetitions.is_fixture(self.resolver.key, info)

    def closed_by_fixture_users(self, scope: Scope) -> bool:
        """A fixture whose value a fixture or test that asks for it closes (`def
        tables(dbsession): ... dbsession.close()`), in its module or one that mentions
        its name: the teardown is there."""
        if not self.is_pytest_fixture(scope):
            return False
        name = scope.name
        key = self.resolver.key
        view = self.resolver.view
        for module in [key, *view.modules_mentioning(key, name)]:
            summary = view.summary_of(module)
            if summary is None:
                continue
            for info in summary.functions.values():
                if name in info.released and any(p.name == name for p in info.params):
                    return True
        return False

    def runs_once(self, scope: Scope) -> bool:
        """Exempt from SQA103: cached factories, fixtures and CLI commands."""
        info = self._info(scope)
        if info is None:
            return False
        key = self.resolver.key
        repetitions = self.repetitions
        return (
            repetitions.is_cached(key, info)
            or repetitions.is_fixture(key, info)
            or repetitions.is_cli_command(key, info)
        )

    def is_entry_point(self, scope: Scope) -> bool:
        """`runs_once`, or a program's entry point that runs once (`main`, an app
        factory, a migration step, a script function only its `__main__` block calls)."""
        if self.runs_once(scope):
            return True
        frame = self.resolver.frame(scope)
        return self.repetitions.entry_point_run_once(self.resolver.key, frame.function)

    def run_once_per_process(self, scope: Scope) -> bool:
        """`Repetitions.runs_once_per_process` for the function `scope`."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        qualname = self.resolver.frame(scope).function
        return self.repetitions.runs_once_per_process(self.resolver.key, qualname)

    def runs_per_test(self, scope: Scope) -> bool:
        """`Repetitions.runs_per_test` for the function `scope`."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        qualname = self.resolver.frame(scope).function
        return self.repetitions.runs_per_test(self.resolver.key, qualname)

    def default_taken(self, call: cst.Call) -> tuple[str, str] | None:
        """For `call` as the default of a parameter of a module-level function (`def
        get_names(session=SESSION()):`), made once when the `def` runs: the function
        and the parameter, when some call of the function in the project passes
        nothing for that parameter, so that it gets the one made at import."""
        param = self.model.parent(call)
        function = self.model.parent(param) if isinstance(param, cst.Param) else None
        function = self.model.parent(function) if isinstance(function, cst.Parameters) else None
        if (
            not isinstance(param, cst.Param)
            or param.default is not call
            or not isinstance(function, cst.FunctionDef)
            or self.model.scope_of.get(function) is None
        ):
            return None
        scope = self.model.scope_of[function]
        if scope.parent is None or not scope.parent.is_module:
            return None
        name = param.name.value
        positional = [p.name.value for p in function.params.params]
        position = positional.index(name) if name in positional else None
        key = self.resolver.key
        qualname = self.resolver.frame(scope).function
        for caller in self.repetitions.callers(key, qualname):
            if caller.registration is None and caller.site.argument_for(name, position) is None:
                return function.name.value, name
        return None

    def called_from_several_places(self, scope: Scope, node: cst.CSTNode | None = None) -> bool:
        """Whether the project's own code (not its tests) calls the function `scope`
        from two places or more, or calls it without the analysis telling where: some
        evidence that it runs more than once in a run. `node`: the code in question,
        whose parameter guards leave out the calls that do not reach it."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        key = self.resolver.key
        qualname = self.resolver.frame(scope).function
        owner, _, method = qualname.rpartition(".")
        if owner and method in _RUN_BY_MAKING:
            qualname = owner  # `__enter__` runs where its class is made (and entered)
        repetitions = self.repetitions
        guards = parameter_guards(self.model, node, scope) if node is not None else ()
        info = repetitions.evaluator.function_info(key, qualname) if guards else None
        sites = {
            (caller.module, caller.site.line, caller.site.column)
            for caller in (
                *repetitions.callers(key, qualname),
                *repetitions.unresolved_callers(key, qualname),
            )
            if caller.registration is None
            and not (isinstance(caller.module, Path) and is_test_file(caller.module))
            and (info is None or reaches(caller.site, info, guards))
            # The module's own `__main__` block (or its `main()`): the function run by
            # hand, as a program of its own, not a second call in the program that
            # calls it.
            and not (
                caller.module == key
                and (
                    caller.site.flags & IN_MAIN_GUARD
                    or (caller.function and repetitions.entry_point_run_once(key, caller.function))
                )
            )
        }
        return len(sites) >= 2

    def caller_dropping_the_result(self, scope: Scope) -> tuple[str, Repetition] | None:
        """A function that keeps what the function `scope` returns in a local it
        neither returns, stores, hands on nor releases (`engine = self.connect_to_db()`,
        used, then left behind), and runs again and again (per request, event, loop
        round, ...), with why, when every project call of `scope` keeps its result so.
        None when some call keeps, releases or throws away the result, when some call
        cannot be told apart, when nothing calls it, or when no caller is known to
        run again and again."""
        if not isinstance(scope.node, cst.FunctionDef):
            return None
        key = self.resolver.key
        qualname = self.resolver.frame(scope).function
        repetitions = self.repetitions
        callers = repetitions.callers(key, qualname)
        if not callers or repetitions.calls_it_cannot_resolve(key, qualname):
            return None
        evaluator = self.resolver.evaluator
        found: tuple[str, Repetition] | None = None
        for caller in callers:
            site = caller.site
            if caller.registration is not None or not caller.function:
                return None
            calling = evaluator.function_info(caller.module, caller.function)
            if (
                calling is None
                or site.fate != FATE_LOCAL
                or site.local is None
                or site.local in calling.released
                or _handed_on(site.local, calling)
            ):
                return None
            if found is None:
                repetition = repetitions.of_function(caller.module, caller.function)
                if repetition is not None:
                    found = (calling.name, repetition)
        return found

    def lent_for_one_call(self, scope: Scope, attribute: str) -> bool:
        """Whether what the object of the method `scope` keeps on `self.<attribute>` is
        only lent to it for one call of that method: `__init__` sets it from a
        parameter, and every project call of the class (there is one at least) binds
        the instance to a local of a function, outside any loop, calls one method on it
        once (this one, or another that does not call it), and touches neither the
        instance nor what it lent afterwards (`service = Service(db)`, `return
        service.route(id)`). What the method leaves broken is then not used again
        through the object: the lender, told by what the method returns, is the one to
        roll back."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        key = self.resolver.key
        evaluator = self.resolver.evaluator
        method = evaluator.function_info(key, self.resolver.frame(scope).function)
        if method is None or method.owner is None:
            return False
        init = evaluator.function_info(key, f"{method.owner}.__init__")
        if init is None:
            return False
        params = [p.name for p in init.params[1:]]
        kept = init.self_attributes.get(attribute, ())
        if len(kept) != 1 or kept[0][0] != "n" or kept[0][1] not in params:
            return False
        param = kept[0][1]
        repetitions = self.repetitions
        callers = repetitions.callers(key, method.owner)
        if not callers or repetitions.calls_it_cannot_resolve(key, method.owner):
            return False
        for caller in callers:
            site = caller.site
            if caller.registration is not None or not caller.function:
                return False
            if site.fate != FATE_LOCAL or site.local is None or site.flags & IN_LOOP:
                return False
            lender = evaluator.function_info(caller.module, caller.function)
            lent = site.argument_for(param, params.index(param))
            if lender is None or not lent:
                return False
            local = site.local
            uses = [c for c in lender.calls if c.callee.startswith(local + ".")]
            if len(uses) != 1 or uses[0].flags & IN_LOOP:
                return False
            called = uses[0].callee[len(local) + 1 :]
            if called != method.name and not self._never_calls(
                key, f"{method.owner}.{called}", method.name
            ):
                return False  # another method, which may run this one, then go on
            after = (uses[0].line, uses[0].column)
            for call in lender.calls:
                if (call.line, call.column) <= after:
                    continue
                if call.callee.startswith(lent + ".") or any(
                    argument in (lent, local) or argument.endswith(("=" + lent, "=" + local))
                    for argument in call.arguments
                ):
                    return False
        return True

    def _never_calls(self, key: ModuleKey, qualname: str, method: str) -> bool:
        """Whether the method `qualname` is known and calls no `self.<method>()`."""
        info = self.resolver.evaluator.function_info(key, qualname)
        return info is not None and all(c.callee != "self." + method for c in info.calls)

    def callers_release_the_result(self, scope: Scope) -> bool:
        """Whether some project call of the function `scope` releases what it gets
        (`with C(url) as c:`, or `conn = get_conn()` and later `conn.close()` there):
        an engine made per call for it is then left behind, its pool still holding the
        connection, each time."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        key = self.resolver.key
        evaluator = self.resolver.evaluator
        for caller in self.repetitions.callers(key, self.resolver.frame(scope).function):
            site = caller.site
            if site.fate == FATE_WITH:
                return True
            if site.fate == FATE_LOCAL and site.local is not None:
                calling = evaluator.function_info(caller.module, caller.function)
                if calling is not None and site.local in calling.released:
                    return True
        return False

    def handle_kind(self, expr: cst.BaseExpression, scope: Scope) -> Kind | None:
        """What SQLAlchemy handle `expr` is: for a parameter without an annotation that
        a module-level function never rebinds, the one kind every call of the function
        in the project passes for it (`def push_rows(con, rows):` called as
        `push_rows(engine, rows)`; `def fix(engine):` called as `fix(conn)`: what the
        callers pass outweighs the name); otherwise as the resolver tells."""
        kind = self.resolver.kind_of(expr, scope)
        if not isinstance(expr, cst.Name):
            return kind
        name = expr.value
        bound = binding_scope(name, scope)
        if (
            bound is None
            or not isinstance(bound.node, cst.FunctionDef)
            or name not in bound.params
            or name in bound.assignments
            or bound.params[name].annotation is not None
        ):
            return kind
        kinds = self.program_values.passed_handles(
            self.resolver.key, self.resolver.frame(bound).function, name
        )
        return next(iter(kinds)) if len(kinds) == 1 else kind

    def callers_drop_the_result(self, node: cst.CSTNode) -> bool:
        """Whether every call of the function `node` is in throws away what it returns
        (`create_statistic(...)` as a statement of its own), and the project has such
        calls and no call it cannot tell apart. A function nothing calls (an API, a
        handler a framework calls and serialises the result of) may have its result
        read."""
        function = next(
            (a for a in self.model.ancestors(node) if isinstance(a, cst.FunctionDef)), None
        )
        if function is None:
            return False
        key = self.resolver.key
        qualname = self.resolver.frame(self.model.scope_of[function]).function
        callers = self.repetitions.callers(key, qualname)
        return (
            bool(callers)
            and all(c.registration is None and c.site.fate == FATE_DROPPED for c in callers)
            and not self.repetitions.calls_it_cannot_resolve(key, qualname)
        )

    def fastapi_dependents(self, scope: Scope) -> list[str]:
        """The functions of the project whose parameter FastAPI fills by calling the
        function `scope` (`db: Session = Depends(get_db)`). FastAPI hands them what it
        returns for one request and, unless it is a generator, does nothing with it
        afterwards."""
        if not isinstance(scope.node, cst.FunctionDef):
            return []
        key = self.resolver.key
        function = self.resolver.frame(scope).function
        return [
            caller.function
            for caller in self.repetitions.callers(key, function)
            if caller.registration == "depends"
        ]

    def is_command(self, scope: Scope) -> bool:
        """`scope` is a program's command (see `Repetitions.is_command`)."""
        if not isinstance(scope.node, cst.FunctionDef):
            return False
        frame = self.resolver.frame(scope)
        return self.repetitions.is_command(self.resolver.key, frame.function)

    def is_migration_step(self, scope: Scope) -> bool:
        """`upgrade()` / `downgrade()` of a migration script (a module in a `versions`
        folder, as Alembic and sqlalchemy-migrate keep them, or in a `migrations`
        folder, as home-grown schema upgraders do): the migration tool runs it once, and
        an exception it raises ends that run. So is a function of the script only its
        steps call, outside any `try` (`upgrade_testsuite(engine, name)`)."""
        node = scope.node
        key = self.resolver.key
        if not (
            isinstance(node, cst.FunctionDef)
            and scope.parent is not None
            and scope.parent.is_module
            and isinstance(key, Path)
            and any(part in _MIGRATION_FOLDERS for part in key.parts[:-1])
        ):
            return False
        if node.name.value in _MIGRATION_STEPS:
            return True
        callers = self.repetitions.callers(key, node.name.value)
        return bool(callers) and all(
            c.module == key
            and c.function in _MIGRATION_STEPS
            and c.registration is None
            and not c.site.flags & IN_TRY
            for c in callers
        )

    def _info(self, scope: Scope):  # type: ignore[no-untyped-def]
        if not isinstance(scope.node, cst.FunctionDef):
            return None
        frame = self.resolver.frame(scope)
        return self.resolver.evaluator.function_info(self.resolver.key, frame.function)

    # -- running again and again --------------------------------------------------------------

    def request_context(self, scope: Scope) -> RequestContext | None:
        """Whether `scope` (or a function around it) runs per request, judged from this
        module alone (SQA105 asks this of every function)."""
        for _, qualname in self._functions(scope):
            found = self.repetitions.of_function(self.resolver.key, qualname, project_wide=False)
            if found is not None and found.per_request:
                return RequestContext(found.function, found.why)
        return None

    def repetition(self, scope: Scope, node: cst.CSTNode | None = None) -> Repetition | None:
        """Why `scope` (or a function around it) runs again and again, project-wide.
        `node`: the code in question, in `scope`; a test of a parameter of `scope`
        around it (`if db_url:`, `engine or make_engine()`) leaves out the callers that
        do not reach it (see `CallSite.guards`)."""
        guards = parameter_guards(self.model, node, scope) if node is not None else ()
        for index, (_, qualname) in enumerate(self._functions(scope)):
            found = self.repetitions.of_function(
                self.resolver.key, qualname, guards=guards if index == 0 else ()
            )
            if found is not None:
                return found
        return None

    def instance_repetition(self, scope: Scope, attribute: str | None = None) -> Repetition | None:
        """For a method that makes something once per instance and keeps it on
        `self.<attribute>` (`if self._engine is None: self._engine = ...`), why its
        class is instantiated per operation."""
        qualname = self.resolver.frame(scope).function
        if not qualname:
            return None
        return self.repetitions.per_instance(self.resolver.key, qualname, attribute)

    def repetition_keeping(self, scope: Scope, attribute: str) -> Repetition | None:
        """`repetition(scope)` for a resource `scope` keeps on `self.<attribute>`:
        instances whose maker releases that attribute do not count."""
        for _, qualname in self._functions(scope):
            found = self.repetitions.instance_keeping(self.resolver.key, qualname, attribute)
            if found is not None:
                return found
        return None

    # -- loops and guards ------------------------------------------------------------------

    @staticmethod
    def varies_with_loop(expr: cst.BaseExpression, loop: cst.CSTNode) -> bool:
        """Whether `expr` reads what `loop` binds anew on each iteration: its target, or
        a name its body assigns from one (`url = f"...{ip}..."` in `for ip in ips:`)."""
        bound: set[str] = set()
        assigned: list[tuple[set[str], set[str]]] = []  # (targets, names read)
        pending: list[cst.CSTNode] = [loop]
        while pending:
            node = pending.pop()
            if isinstance(node, (cst.For, cst.CompFor)):
                bound |= _names(node.target)
            elif isinstance(node, cst.Assign):
                targets = set().union(*(_names(t.target) for t in node.targets))
                assigned.append((targets, _names(node.value)))
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            pending.extend(node.children)
        grown = True
        while grown:
            grown = False
            for targets, read in assigned:
                if read & bound and not targets <= bound:
                    bound |= targets
                    grown = True
        return bool(_names(expr) & bound)

    def enclosing_loop(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The innermost loop or comprehension that runs `node` repeatedly, within its scope."""
        child = node
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                return ancestor
            if isinstance(ancestor, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and (
                child is ancestor.elt
            ):
                return ancestor
            if isinstance(ancestor, cst.DictComp) and child in (ancestor.key, ancestor.value):
                return ancestor
            if isinstance(ancestor, cst.CompFor) and child is not ancestor.iter:
                return ancestor
            child = ancestor
        return None

    def only_the_script_uses(self, call: cst.Call) -> bool:
        """`conn = engine.connect()` at module level that only the module's own top-level
        code uses (a script's or a migration's statements, and the functions they hand
        it to), or its steps that run once (`main()` reading the global): no other
        function reads the global, and no other module can import it. It lives and
        dies with the script's run, not with requests."""
        target = self._module_global(call)
        if target is None:
            return False
        model = self.model
        name = target.value
        steps = bool(self.script_steps_reading(name))
        if not steps:
            if not any(use is not target for use in model.module_scope.references.get(name, ())):
                return False  # nothing at top level uses it either: it is there for others
            if self._functions_read(name):
                return False  # a function reads it when it is called, whenever that is
        return not self._imported_elsewhere(name)

    def script_steps_reading(self, name: str) -> list[Scope]:
        """The functions that read the module global `name`, when each is a step of
        the script (`_a_step_of_the_script`); empty when another function reads it."""
        readers = global_readers(self.model, name)
        if all(self._a_step_of_the_script(reader) for reader in readers):
            return readers
        return []

    def _a_step_of_the_script(self, scope: Scope) -> bool:
        """A function of the module that runs once as the script's own step: `main()`,
        or one only the `__main__` block (or such a step) calls."""
        if (
            not isinstance(scope.node, cst.FunctionDef)
            or scope.parent is not self.model.module_scope
        ):
            return False
        qualname = self.resolver.frame(scope).function
        return self.repetitions.entry_point_run_once(self.resolver.key, qualname)

    def never_used(self, call: cst.Call) -> bool:
        """`session = Session()` at module level that nothing reads: no statement or
        function of the module, and no other module imports it."""
        target = self._module_global(call)
        if target is None:
            return False
        name = target.value
        if any(use is not target for use in self.model.module_scope.references.get(name, ())):
            return False
        return not self._functions_read(name) and not self._imported_elsewhere(name)

    def _module_global(self, call: cst.Call) -> cst.Name | None:
        """The name `call` is bound to by a module-level `name = call` or `name: T =
        call` (not in a class)."""
        target = self._assigned_target(call)
        if not isinstance(target, cst.Name):
            return None
        if any(isinstance(a, cst.ClassDef) for a in self.model.ancestors(call)):
            return None
        return target

    def _assigned_target(self, call: cst.Call) -> cst.BaseAssignTargetExpression | None:
        """The one target of `target = call` or `target: T = call`."""
        statement = self.model.statement_of(call)
        if isinstance(statement, cst.AnnAssign) and statement.value is call:
            return statement.target
        if (
            isinstance(statement, cst.Assign)
            and statement.value is call
            and len(statement.targets) == 1
        ):
            return statement.targets[0].target
        return None

    def lazily_kept_global(self, call: cst.Call) -> str | None:
        """The module global a function fills with `call` once, for every later caller:
        `_session = make()` in a function that declares `global _session` and assigns it
        only under `if _session is None:` (or `if not _session:`)."""
        # (A name declared `global` in a function takes no annotation there.)
        target = self._assigned_target(call)
        if not isinstance(target, cst.Name):
            return None
        name = target.value
        model = self.model
        scope = model.enclosing_scope.get(call)
        if scope is None or scope.is_module or name not in scope.global_names:
            return None
        for ancestor in model.ancestors(call):
            if ancestor is scope.node:
                return None
            if isinstance(ancestor, cst.If) and _tests_unset(ancestor.test, name):
                return name
        return None

    def module_level_instances(self, cls: str) -> list[ModuleKey]:
        """The modules whose top level makes an instance of the module's class `cls`
        (`db = SampleDB(url)`): one instance for the process, shared by everything that
        uses it."""
        return [
            caller.module
            for caller in self.repetitions.callers(self.resolver.key, cls)
            if not caller.function and caller.registration is None
        ]

    def importers_of(self, name: str) -> list[ModuleKey]:
        """The project's modules that may import the module global `name`."""
        return self._importers(name)

    def global_readers(self, call: cst.Call) -> list[Scope] | None:
        """The functions of the module that read the module global `call` is bound to
        (None: `call` is not bound to a plain module global)."""
        target = self._module_global(call)
        return global_readers(self.model, target.value) if target is not None else None

    def reset_after_every_use(self, call: cst.Call) -> bool:
        """Whether every function of the module that reads the module global `call` is
        bound to (a session) uses it only in the body of a `try` whose `finally` closes
        or rolls it back, or whose handler of every exception does, and no other module
        imports it: whatever fails in one call, the next starts with a session that
        holds no failed transaction."""
        target = self._module_global(call)
        if target is None or self._importers(target.value):
            return False
        name = target.value
        readers = global_readers(self.model, name)
        return bool(readers) and all(self._reset_in(name, scope) for scope in readers)

    def registry_removed(self, call: cst.Call) -> bool:
        """Whether the program may end the sessions of the module-global registry
        `call` is bound to (`db = scoped_session(...)`): this module calls its
        `remove()` (or `close()`) anywhere, or closes a session it takes from it, or
        calls `close_all_sessions()`; or another module that mentions it also mentions
        `remove`, `close` or a teardown hook. True when
        the registry is not a plain module global (nothing to tell)."""
        target = self._module_global(call)
        if target is None:
            return True
        if manages_the_registry(self.model, self.resolver, call):
            return True  # zope.sqlalchemy closes each session when its transaction ends
        name = target.value
        module = self.model.module_scope
        for scope in (module, *_scopes_below(module)):
            for reference in scope.references.get(name, ()):
                if self._released_through(reference) and not self._never_run(scope):
                    return True
                called = self.model.parent(reference)
                if isinstance(called, cst.Call) and self._closed_where_taken(called, scope):
                    return True  # `db = Registry()` ... `db.close()`: the thread's session
        if any(
            self.resolver.qualify(c.func) == "sqlalchemy.orm.close_all_sessions"
            for c in self.model.calls
        ):
            return True
        # Another module may end them (this one's own uses were read above).
        view = self.resolver.view
        mentioning = set(view.modules_mentioning(self.resolver.key, name)) - {self.resolver.key}
        return any(
            mentioning.intersection(view.modules_mentioning(self.resolver.key, word))
            for word in _REMOVAL_WORDS
        )

    def registry_ended_elsewhere(self, name: str) -> bool:
        """Whether something may end the sessions of the registry global `name` (this
        module's or imported) besides the functions that close them: its `remove()`
        here or in another module that mentions it, a web framework's teardown hook,
        or a library that manages its sessions (Flask-SQLAlchemy, zope). Unlike
        `registry_removed`, a `close()` does not count: it is what is being judged."""
        ended = self._registries_ended.get(name)
        if ended is None:
            ended = self._registries_ended[name] = self._registry_ended_elsewhere(name)
        return ended

    def _registry_ended_elsewhere(self, name: str) -> bool:
        if any(
            isinstance(c.func, cst.Attribute)
            and c.func.attr.value == "remove"
            and ir.dotted(from_cst(c.func.value)) == name
            and not self._disposes_beside(c)
            for c in self.model.calls
        ):
            return True
        words = {n.value for n in nodes_of(self.model.module, cst.Name, into_functions=True)}
        if words & (_TEARDOWN_WORDS | _SESSION_MANAGERS):
            return True
        view = self.resolver.view
        key = self.resolver.key
        if any(view.modules_mentioning(key, manager) for manager in _SESSION_MANAGERS):
            return True  # Flask-SQLAlchemy's or zope's registry, ended per request
        others = set(view.modules_mentioning(key, name))
        if any(others.intersection(view.modules_mentioning(key, w)) for w in _TEARDOWN_WORDS):
            return True
        for module in others:
            summary = view.summary_of(module)
            if summary is None:
                return True  # cannot tell
            for function in summary.functions.values():
                if (
                    any(c.callee == f"{name}.remove" for c in function.calls)
                    and not any(c.callee.endswith(".dispose") for c in function.calls)
                    and self._may_run(module, summary, function)
                ):
                    return True
            if any(c.callee == f"{name}.remove" for c in summary.module_calls):
                return True
        return False

    def _may_run(self, module: ModuleKey, summary: ModuleSummary, function: FunctionInfo) -> bool:
        """Whether something may run the function `function` of `module`: a nested or
        decorated one (a framework registers it), one its module calls or hands to a
        call (`app.teardown_appcontext(shutdown_session)`), or one another module names
        (`def shutdown_session(): db.remove()` that nothing names runs never)."""
        if function.parent is not None or function.owner is not None or function.decorators:
            return True
        named = function.name
        sites = [*summary.module_calls, *(c for f in summary.functions.values() for c in f.calls)]
        if any(
            site.callee == named or any(a.rpartition("=")[2] == named for a in site.arguments)
            for site in sites
        ):
            return True
        if named in summary.bindings or named in (summary.exported or ()):
            return True
        view = self.resolver.view
        return any(m != module for m in view.modules_mentioning(self.resolver.key, named))

    def _disposes_beside(self, call: cst.Call) -> bool:
        """A `remove()` in a function that also disposes of an engine (a storage's
        `close()`): the program's last use of the database, not the end of each unit
        of work."""
        scope = self.model.enclosing_scope[call]
        if scope.is_module:
            return False
        return any(
            isinstance(c.func, cst.Attribute)
            and c.func.attr.value == "dispose"
            and self.model.enclosing_scope[c] is scope
            for c in self.model.calls
        )

    def _closed_where_taken(self, call: cst.Call, scope: Scope) -> bool:
        """`with registry() as s:`, or `s = registry()` with `s.close()` in the same
        function: the session the registry gave this thread is closed there."""
        parent = self.model.parent(call)
        if isinstance(parent, cst.WithItem):
            return True
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
            return False
        target = parent.targets[0].target
        if not isinstance(target, cst.Name):
            return False
        return any(
            self._released_through(reference)
            for reference in scope.references.get(target.value, ())
        )

    def _never_run(self, scope: Scope) -> bool:
        """Whether `scope` is a module-level function that nothing runs: undecorated (no
        framework registers it), named nowhere else in its module, and named by no other
        module of the project (`def shutdown_session(): db.remove()` that no teardown
        hook was ever given)."""
        node = scope.node
        if not isinstance(node, cst.FunctionDef) or node.decorators:
            return False
        if scope.parent is not self.model.module_scope or scope.class_info is not None:
            return False  # nested, or a method: a framework may call it by its name
        function = node.name.value
        module = self.model.module_scope
        if any(function in s.references for s in (module, *_scopes_below(module))):
            return False
        view = self.resolver.view
        return not [
            m
            for m in view.modules_mentioning(self.resolver.key, function)
            if m != self.resolver.key
        ]

    def _released_through(self, reference: cst.Name) -> bool:
        """`reference.remove` or `reference.close` (called, or handed to a hook)."""
        attribute = self.model.parent(reference)
        return (
            isinstance(attribute, cst.Attribute)
            and attribute.value is reference
            and attribute.attr.value in _REGISTRY_RELEASES
        )

    def caught_in_readers(self, call: cst.Call) -> bool:
        """Whether a function of the module that reads the module global `call` is
        bound to uses it in the body of a `try` with handlers (which may swallow its
        failure and carry on), or another module imports it (unknown uses)."""
        target = self._module_global(call)
        if target is None or self._importers(target.value):
            return True
        name = target.value
        return any(
            any(
                isinstance(a, (cst.Try, cst.TryStar)) and a.handlers
                for reference in scope.references.get(name, ())
                for a in self._ancestors_within(reference, scope)
            )
            for scope in global_readers(self.model, name)
        )

    def _ancestors_within(self, node: cst.CSTNode, scope: Scope) -> Iterator[cst.CSTNode]:
        for ancestor in self.model.ancestors(node):
            if ancestor is scope.node:
                return
            yield ancestor

    def _reset_in(self, name: str, scope: Scope) -> bool:
        model = self.model
        references = scope.references.get(name, ())
        resets: list[cst.CSTNode] = list(method_calls(model, scope, name, _RESETS))
        # A `try` is an ancestor of its `finally` and its handlers too: the resets
        # themselves count. A handler that catches everything and rolls back resets it
        # whenever something failed (`except: session.rollback(); raise`).
        return bool(resets) and all(
            finally_contains(model, reference, resets)
            or broad_handler_contains(model, reference, resets)
            for reference in references
        )

    def _functions_read(self, name: str) -> bool:
        return bool(global_readers(self.model, name))

    def _imported_elsewhere(self, name: str) -> bool:
        """Whether another module of the project may import the global `name`."""
        if self.resolver.path is None:
            return True
        return bool(self._importers(name))

    def importers(self, call: cst.Call) -> list[ModuleKey]:
        """The project's modules that may import the module global `call` is bound to."""
        target = self._module_global(call)
        return self._importers(target.value) if target is not None else []

    def _importers(self, name: str) -> list[ModuleKey]:
        found = self._importers_of.get(name)
        if found is None:
            found = self._importers_of[name] = self._search_importers(name)
        return found

    def _search_importers(self, name: str) -> list[ModuleKey]:
        key = self.resolver.key  # the module's real path, as imports resolve to
        if self.resolver.path is None or not isinstance(key, Path):
            return []
        view = self.resolver.view
        found: set[ModuleKey] = set()
        exporters: list[Path] = [key]
        seen: set[Path] = {key}
        # A package that re-exports the module's names (`from .db import *` in its
        # `__init__.py`) hands them to whoever imports them from the package.
        while exporters:
            exporter = exporters.pop()
            stem = exporter.stem if exporter.name != "__init__.py" else exporter.parent.name
            if not stem.isidentifier():
                continue  # `migrate_db_1.3.py`: no module can import it
            by_stem = set(view.modules_mentioning(key, stem))
            by_name = set(view.modules_mentioning(key, name))
            for other in by_stem - found:
                summary = view.summary_of(other)
                names_it = _Naming(view, other, exporter, stem)
                imports_it = other in by_name and _imports(summary, names_it, name)
                if imports_it:
                    found.add(other)
                if (
                    isinstance(other, Path)
                    and other.name == "__init__.py"
                    and other not in seen
                    and (imports_it or _star_imports(summary, names_it))
                ):
                    # ... and so does one that imports it by name (`from .database
                    # import session`): `from app.database import session` gets it.
                    seen.add(other)
                    exporters.append(other)
        return sorted(found, key=str)

    def reruns_as_a_script(self) -> bool:
        """A Streamlit script that no module of the project imports: `streamlit run`
        runs its top level again on every interaction. (A helper module that imports
        streamlit for `st.secrets` runs once, when a page first imports it.)"""
        if not self.repetitions.is_page(self.resolver.key):
            return False
        if self._module_imported is None:
            self._module_imported = self._search_module_importers()
        return not self._module_imported

    def _search_module_importers(self) -> bool:
        key = self.resolver.key
        if self.resolver.path is None or not isinstance(key, Path):
            return True  # not known: it may be imported
        return bool(self.modules_importing(key))

    def modules_importing(self, key: Path) -> list[ModuleKey]:
        """The project's other modules that import the module `key` (itself, a name of
        it, or all of them), and those that mention it but are not read (they may)."""
        stem = key.stem if key.name != "__init__.py" else key.parent.name
        if not stem.isidentifier():
            return []  # `1_Overview.py` in a multipage app's `pages/`
        view = self.resolver.view
        found: list[ModuleKey] = []
        for other in view.modules_mentioning(key, stem):
            if other == key:
                continue
            summary = view.summary_of(other)
            if summary is None:
                found.append(other)
                continue
            names_it = _Naming(view, other, key, stem)
            if _star_imports(summary, names_it) or any(
                names_it(qualified) or names_it(qualified.rpartition(".")[0])
                for qualified in summary.imported_modules()
            ):
                found.append(other)
        return found

    def in_main_guard(self, node: cst.CSTNode) -> bool:
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, cst.If) and _is_main_guard(ancestor.test):
                return True
        return False

    def at_startup(self, node: cst.CSTNode) -> bool:
        """In an ASGI app's `if scope["type"] == "lifespan":` branch, which the server
        runs once, when the application starts (as the summaries' `AT_STARTUP`)."""
        for ancestor in self.model.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.If) and _is_lifespan_test(ancestor.test):
                return True
        return False


class _Naming:
    """Whether a dotted module name an importer writes names the module `exporter`:
    it ends with its stem and, where the importer's import can be resolved, resolves
    to it (`from stocks.schemas.rebalancing import *` does not name
    `stocks/jobs/rebalancing.py`)."""

    def __init__(self, view: ModuleSource, importer: ModuleKey, exporter: Path, stem: str) -> None:
        self.view = view
        self.importer = importer
        self.exporter = exporter
        self.stem = stem

    def __call__(self, module: str) -> bool:
        if module.rpartition(".")[2] != self.stem:
            return False
        resolved = self.view.resolve_import(self.importer, module)
        if resolved is None:
            # `from .seed_companies import seed_companies`: a function named like the
            # module, imported from a module that is not this one.
            holder = module.rpartition(".")[0]
            if holder.strip("."):
                found = self.view.resolve_import(self.importer, holder)
                return found is None or found == self.exporter
        return resolved is None or resolved == self.exporter


def _star_imports(summary: ModuleSummary | None, names_it: _Naming) -> bool:
    """`from .stem import *`."""
    return summary is not None and any(names_it(module) for module in summary.star_imports)


def _imports(summary: ModuleSummary | None, names_it: _Naming, name: str) -> bool:
    """Whether a module imports `name` from the module, or that module itself
    (`from test_endpoint import db`, `import app.test_endpoint`): a mention in a
    comment or a function named like it (`def test_endpoint():`) does not, nor an
    import of another module of the same name."""
    if summary is None:
        return True  # not read: it may
    for qualified in summary.imported_modules():
        module, _, imported = qualified.rpartition(".")
        if names_it(qualified) or (imported == name and names_it(module)):
            return True
    # `from .db import *` takes the name too; `from pygame import *` does not.
    return any(
        module.rpartition(".")[2] == "" or names_it(module) for module in summary.star_imports
    )


def _tests_unset(test: cst.BaseExpression, name: str) -> bool:
    """`name is None`, `name == None` or `not name`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name) and test.expression.value == name
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        return (
            isinstance(test.left, cst.Name)
            and test.left.value == name
            and isinstance(target.operator, (cst.Is, cst.Equal))
            and isinstance(target.comparator, cst.Name)
            and target.comparator.value == "None"
        )
    return False


def _scopes_below(scope: Scope) -> Iterator[Scope]:
    for child in scope.children:
        yield child
        yield from _scopes_below(child)


def _is_lifespan_test(test: cst.BaseExpression) -> bool:
    """`scope["type"] == "lifespan"`."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = (test.left, test.comparisons[0].comparator)
    typed = any(
        isinstance(side, cst.Subscript)
        and len(side.slice) == 1
        and isinstance(side.slice[0].slice, cst.Index)
        and isinstance(side.slice[0].slice.value, cst.SimpleString)
        and side.slice[0].slice.value.evaluated_value == "type"
        for side in sides
    )
    return typed and any(
        isinstance(side, cst.SimpleString) and side.evaluated_value == "lifespan" for side in sides
    )


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left = test.left
    right = test.comparisons[0].comparator
    names = {n.value for n in (left, right) if isinstance(n, cst.Name)}
    strings = {s.evaluated_value for s in (left, right) if isinstance(s, cst.SimpleString)}
    return names == {"__name__"} and "__main__" in strings


def _names(node: cst.CSTNode) -> set[str]:
    """Every name read or bound in `node` (not inside nested functions)."""
    found: set[str] = set()
    pending: list[cst.CSTNode] = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif not isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            pending.extend(current.children)
    return found


def _handed_on(local: str, function: FunctionInfo) -> bool:
    """Whether `function` gives its local `local` to a call (as an argument, or as the
    receiver of a method) whose result it returns, keeps or passes on: what it
    makes from the local (`return async_sessionmaker(engine)`, `self.conn =
    engine.connect()`) keeps the local alive beyond the call."""
    for call in function.calls:
        if call.fate not in (FATE_RETURNED, FATE_STORED, FATE_OTHER):
            continue
        if call.callee.startswith(local + ".") or any(
            argument == local or argument.endswith("=" + local) for argument in call.arguments
        ):
            return True
    return False


def parameter_guards(model: ModuleModel, node: cst.CSTNode, scope: Scope) -> tuple[str, ...]:
    """The guards of `node` in the function `scope` (see `CallSite.guards`), as the
    module summaries record them for calls: tests of a parameter the function has not
    rebound before, around it (`if p:`, `if p is None:`, the arms of `a if p else b`,
    what follows `p or`)."""
    if not isinstance(scope.node, cst.FunctionDef):
        return ()
    found: list[str] = []
    child: cst.CSTNode = node
    for ancestor in model.ancestors(node):
        if ancestor is scope.node:
            break
        guard: str | None = None
        if isinstance(ancestor, cst.If):
            guard = _parameter_guard(model, ancestor.test, scope, node)
            if guard is not None and child is not ancestor.body:
                guard = guard[1:] if guard.startswith("!") else f"!{guard}"
            if child is ancestor.test:
                guard = None
        elif isinstance(ancestor, cst.IfExp) and child is not ancestor.test:
            guard = _parameter_guard(model, ancestor.test, scope, node)
            if guard is not None and child is ancestor.orelse:
                guard = guard[1:] if guard.startswith("!") else f"!{guard}"
        elif (
            isinstance(ancestor, cst.BooleanOperation)
            and isinstance(ancestor.operator, cst.Or)
            and child is ancestor.right
        ):
            left = _parameter_guard(model, ancestor.left, scope, node)
            guard = f"!{left}" if left is not None and not left.startswith("!") else None
        if guard is not None:
            found.append(guard)
        child = ancestor
    return tuple(reversed(found))


def _parameter_guard(
    model: ModuleModel, test: cst.BaseExpression, scope: Scope, node: cst.CSTNode
) -> str | None:
    """ "p" for `p` or `p is not None`, "!p" for `not p` or `p is None`, where `p` is a
    parameter of `scope` no statement before `node` rebinds; None otherwise."""
    negated = False
    checked: cst.BaseExpression = test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        checked, negated = test.expression, True
    elif (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, (cst.Is, cst.IsNot))
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        checked, negated = test.left, isinstance(test.comparisons[0].operator, cst.Is)
    if not isinstance(checked, cst.Name) or checked.value not in scope.params:
        return None
    name = checked.value
    for assignment in scope.assignments.get(name, ()):
        statement = assignment.node
        if any(a is statement for a in model.ancestors(node)):
            continue  # (the statement the code is part of: `p = p or make()`)
        if model.order.get(statement, 0) < model.order.get(node, 0):
            return None
    return f"!{name}" if negated else name
