"""Follow each resource from the call that creates it to its release.

For every call that creates a connection or session inside a function, decide:

- RELEASED: used as a (async) context manager (at once or later), closed in a
  `finally`, wrapped in `contextlib.closing` / `ExitStack.enter_context`, or its
  `close` handed over as a callback;
- HANDED_OUT: returned, yielded, stored on an attribute, a global, a dict slot or
  a container, captured by a closure, or given to a constructor that keeps it:
  whoever receives it is responsible;
- CLOSE_NOT_GUARANTEED: closed, but outside a `finally`, so an exception between
  creation and close leaks it;
- LEAKED: none of the above.

The same tracker answers, for engines, whether an engine is disposed or handed
out (the SQA103 exemptions).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from .contexts import ExecutionContexts
from .evaluate import Opening, Wrapping
from .flow import (
    always_true,
    begins_transaction,
    catches_everything,
    comes_before,
    dominates,
    finally_contains,
    leaves_the_loop,
    method_calls,
    nodes_of,
    own_returns,
    reaching_assignments,
    within,
)
from .inference import Resolver
from .kinds import (
    CLOSE_METHODS,
    CONSTRUCTORS,
    DISPOSE_METHODS,
    OWNING_CALLS,
    OWNING_METHODS,
    PASS_THROUGH_CALLS,
    QUERY_RUNNING_METHODS,
    REGISTRY_RELEASE_METHODS,
    SAME_OBJECT_METHODS,
    STORING_METHODS,
    Kind,
)
from .model import Assignment, ModuleModel, Scope, binding_scope
from .parameter_fates import Fate
from .project import is_test_file
from .summary import ModuleSummary
from .transaction_managers import joins_a_transaction_manager
from .values import Owner, RefKind, Value

# Methods whose result keeps the object they are called on (a `scoped_session`
# registry's `query_property()`, a descriptor for model classes).
_KEEPING_METHODS = frozenset({"query_property"})

# What SQLAlchemy makes that keeps the engine or connection it is bound to.
_FACTORIES = frozenset({Kind.SESSION_FACTORY, Kind.ASYNC_SESSION_FACTORY, Kind.SCOPED_SESSION})
_HOLDERS = frozenset(
    {
        Kind.SESSION,
        Kind.ASYNC_SESSION,
        Kind.SESSION_FACTORY,
        Kind.ASYNC_SESSION_FACTORY,
        Kind.SCOPED_SESSION,
    }
)


# `unittest.mock.patch("...")` (and the `mock` backport); `patch.object(module, "...")`.
_MOCK_MODULES = frozenset({"unittest.mock", "mock"})
_PATCH_OBJECT = frozenset({"unittest.mock.patch.object", "mock.patch.object"})
# What a test patches to make SQLAlchemy's objects mocks.
_MAKERS = frozenset(
    {
        "sessionmaker",
        "async_sessionmaker",
        "Session",
        "AsyncSession",
        "create_engine",
        "create_async_engine",
        "scoped_session",
    }
)


_GENERATOR_CLOSES = frozenset({"close", "aclose"})
# What a function does with a `scoped_session` registry that takes this thread's
# session (a query, a change, a commit).
_REGISTRY_SESSION_USES = frozenset(
    {
        "query",
        "execute",
        "scalar",
        "scalars",
        "get",
        "add",
        "add_all",
        "delete",
        "merge",
        "flush",
        "commit",
        "exec",
    }
)


# What only a mock has (`unittest.mock`): its record of the calls made on it, and
# what it was told to give.
_MOCK_ATTRIBUTES = frozenset(
    {
        "call_args", "call_args_list", "call_count", "called", "method_calls",
        "mock_calls", "return_value", "side_effect", "reset_mock",
    }
)  # fmt: skip

# `Query` methods that turn a legacy query into a construct of a larger statement
# without running it.
_STATEMENT_CONSTRUCTS = frozenset({"subquery", "cte", "scalar_subquery", "as_scalar", "exists"})


class Verdict(enum.Enum):
    RELEASED = "released"
    HANDED_OUT = "handed out"
    CLOSE_NOT_GUARANTEED = "close not guaranteed"
    LEAKED = "leaked"


class Escape(enum.Enum):
    RETURNED = "returned"
    YIELDED = "yielded"
    STORED = "stored"  # global, class attribute, dict slot, container
    ON_INSTANCE = "stored on the instance"  # `self.x = ...`: lives as long as the object
    REQUEST_STORED = "stored on the request context"  # flask.g: lives one request
    OWNED = "given to an owner"  # constructor argument, closure, unknown container


@dataclass
class Lifetime:
    call: cst.Call
    kind: Kind
    scope: Scope
    verdict: Verdict
    variable: str | None = None
    releases: list[cst.Call] = field(default_factory=list)  # close()/dispose() calls seen
    escapes: set[Escape] = field(default_factory=set)
    chained: bool = False  # `engine.connect().execute(...)` or `f(engine.connect())`
    stores: list[cst.CSTNode] = field(default_factory=list)  # where it was STORED
    attribute: str | None = None  # `self.<attribute> = ...`: where the instance keeps it
    # CLOSE_NOT_GUARANTEED with a close in a `finally`: a call that runs before the
    # `try` that closes it (`conn.execute(...)` on the line after `connect()`).
    used_before_try: cst.CSTNode | None = None
    # CLOSE_NOT_GUARANTEED with closes on the normal paths but one: a `return` ahead of
    # them all (`if user is None: return ...`), which leaves it open whenever taken.
    left_open_by: cst.Return | None = None
    # CLOSE_NOT_GUARANTEED, closed only by a nested generator after it yields (a
    # streamed response's `def generate(): ...; yield chunk; db.close()`): that one.
    closed_by_generator: cst.FunctionDef | None = None
    # An item of a generator kept in a local (`db = next(gen)`), released by closing
    # that generator (`gen.close()`): the local's name.
    generator: str | None = None
    # This thread's session of a module-level `scoped_session` registry, which a
    # function takes by using it (`SESSION.query(...)`) and closes itself: the registry.
    registry: str | None = None
    # Unpacked from what the call gives (`_, conn = connect()`): its position there.
    item: int | None = None
    # Read from the object the call makes (`Db(url).session`): that attribute.
    member: str | None = None
    # Opened on an object by one of its methods (`adaptor.start_session()`), closed
    # by others (`adaptor.close_session()`): what the object keeps, and where.
    opened_on: Opening | None = None
    # `session.close()` on an AsyncSession (or AsyncConnection) as a bare statement:
    # it only makes a coroutine, which nothing runs, so it closes nothing.
    unawaited_closes: list[cst.Call] = field(default_factory=list)

    def given_to(self, call: cst.Call) -> bool:
        """Whether `call` is given the local that holds the resource (`insert_rates(conn)`,
        a project function that closes it, rather than `conn.close()`)."""
        return any(
            isinstance(a.value, cst.Name) and a.value.value == self.variable for a in call.args
        )


_CALLABLE = (RefKind.FUNCTION, RefKind.BOUND_METHOD)


class _Use(enum.Enum):
    RELEASED = 1
    RELEASE_CALL = 2
    ESCAPE = 3
    USE = 4
    WRAPPED = 5  # given to an object that keeps it for a method of its own to close


class LifetimeTracker:
    def __init__(self, model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts) -> None:
        self.model = model
        self.resolver = resolver
        self.contexts = contexts
        self._closes_all_sessions: bool | None = None

    # -- creation sites -------------------------------------------------------------

    def resources(self) -> Iterator[Lifetime]:
        """Every connection or session created inside a function, or by a script's
        top level for its own statements, with its verdict."""
        for call in self.model.calls:
            scope = self.model.enclosing_scope[call]
            if call in self.model.class_body_calls or _sets_options(call):
                continue
            value = self.resolver.call_value(call, scope)
            kind = value.kind
            if kind is None:
                if not scope.is_module:
                    yield from self._unpacked_resources(call, scope)
                    yield from self._member_resources(call, value, scope)
                    yield from self._opened_on_object(call, scope)
                    yield from self._opened_by_constructor(call, value, scope)
                    yield from self._wrapped_by_callee(call, scope)
                elif self._constructor_opening(value) is not None and (
                    self.contexts.in_main_guard(call) or self._owned_by_script(call, Kind.SESSION)
                ):
                    # `Handler().apply_file(path)` under a script's `__main__` guard,
                    # or kept in a global only the script's own statements use (asked
                    # last: who calls the functions reading it is a project search).
                    yield from self._opened_by_constructor(call, value, scope)
                continue
            if value.owner is not Owner.FRESH:
                continue  # not a resource, or one this code does not own
            if scope.is_module and not (
                kind.is_resource
                and (self._owned_by_script(call, kind) or self.contexts.reruns_as_a_script())
            ):
                # A module global, kept for the process (SQA105's question); one a
                # script makes for its own statements is the script's, as `main()`'s.
                continue
            if kind.is_session and joins_a_transaction_manager(self.model, self.resolver, call):
                continue  # zope.sqlalchemy's transaction commits and closes it
            if self._under_a_patched_maker(call) or self._read_as_a_mock(call, scope):
                continue  # a test's `@patch("app.db.sessionmaker")`: it makes mocks
            if self._expected_to_raise(call):
                continue  # `with pytest.raises(OperationalError): engine.connect()`
            if kind.is_resource:
                life = self.track(call, kind, scope, CLOSE_METHODS)
                if (
                    life.verdict is Verdict.LEAKED
                    and kind.is_session
                    and self.test_sessions_closed_at_teardown()
                ):
                    life.verdict = Verdict.RELEASED  # `close_all_sessions()` closes it
                if life.verdict in (
                    Verdict.LEAKED,
                    Verdict.CLOSE_NOT_GUARANTEED,
                ) and self._kept_by_a_service_loop(life):
                    life.verdict = Verdict.RELEASED  # the thread's, for its life
                if (
                    life.verdict is Verdict.CLOSE_NOT_GUARANTEED
                    and kind.is_session
                    and self._only_closed(life)
                ):
                    # Nothing runs on it before its close: a session takes a connection
                    # only for its first statement, so an exception leaks none.
                    life.verdict = Verdict.RELEASED
                yield life
            elif kind is Kind.SCOPED_SESSION:
                # A registry made per call holds the session it hands out until its
                # `remove()`; one that is dropped holds it until garbage collection.
                yield self.track(call, kind, scope, REGISTRY_RELEASE_METHODS)
        yield from self._registry_sessions()

    def _only_closed(self, life: Lifetime) -> bool:
        """Whether the local that holds `life` is read only as the receiver of its
        closes (`session = Session()`, then `session.close()`), or to look at the object
        itself (`assert db is not None`, `isinstance(db, Session)`): nothing is run on
        it, nor is it handed to anyone."""
        if life.variable is None or not life.releases:
            return False
        receivers = {
            id(close.func.value) for close in life.releases if isinstance(close.func, cst.Attribute)
        }
        references = life.scope.references.get(life.variable, ())
        loads = [r for r in references if not isinstance(self.model.parent(r), cst.AssignTarget)]
        return bool(loads) and all(id(r) in receivers or self._looked_at(r) for r in loads)

    def _looked_at(self, reference: cst.Name) -> bool:
        """`x is None`, `x is not None`, `isinstance(x, Session)`: a test of the object
        itself, which runs nothing on it."""
        parent = self.model.parent(reference)
        if isinstance(parent, cst.Comparison):
            return all(isinstance(t.operator, (cst.Is, cst.IsNot)) for t in parent.comparisons)
        if isinstance(parent, cst.ComparisonTarget):
            return isinstance(parent.operator, (cst.Is, cst.IsNot))
        if isinstance(parent, cst.Arg):
            call = self.model.parent(parent)
            return (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "isinstance"
                and call.args[0] is parent
            )
        return False

    def _kept_by_a_service_loop(self, life: Lifetime) -> bool:
        """A resource of a function that never returns, managed by the loop it ends in:
        a `while True:` loop that nothing breaks out of or returns from (a scheduler
        thread's main loop) and that closes the resource to open it again (reconnecting
        after an error: `session.close()`, then `session = Session(engine)`). What the
        function opens before that loop, and what the loop opens after closing the
        last, is the thread's, for the thread's life. (One the loop never closes is
        reported as never closed.)"""
        function = life.scope.node
        if not isinstance(function, cst.FunctionDef) or life.variable is None:
            return False
        body = function.body.body
        loop = body[-1] if body else None
        if not (isinstance(loop, cst.While) and always_true(loop.test)) or loop.orelse:
            return False
        if leaves_the_loop(self.model, loop):
            return False
        order = self.model.order
        closes = method_calls(self.model, life.scope, life.variable, CLOSE_METHODS)
        in_loop = [c for c in closes if order[loop] < order[c]]
        if order[life.call] < order[loop]:
            return bool(in_loop)
        return any(order[c] < order[life.call] for c in in_loop)

    def _registry_sessions(self) -> Iterator[Lifetime]:
        """`SESSION.query(...)` ... `SESSION.close()` in a function, on a module-level
        `scoped_session` registry (this module's or imported), or `session =
        self.Session()` ... `session.close()` on a registry of the module or the
        instance: the function takes this thread's session from the registry (by using
        it, or by calling the registry), and ends it itself. Followed from its first
        use to its closes, as a session the function made, when nothing else ends the
        registry's sessions (a `remove()`, a web framework's teardown): then a close an
        exception skips leaves the thread's session holding its connection and
        transaction until the thread's next use."""
        closes: dict[tuple[int, str], list[cst.Call]] = {}
        scopes: dict[int, Scope] = {}
        registries: dict[tuple[int, str], str] = {}
        for call in self.model.calls:
            func = call.func
            if not (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.attr.value == "close"
            ):
                continue
            scope = self.model.enclosing_scope[call]
            name = func.value.value
            if scope.is_module or not isinstance(scope.node, cst.FunctionDef):
                continue
            bound = binding_scope(name, scope)
            if bound is not None and not bound.is_module:
                registry = self._registry_called_for(name, bound) if bound is scope else None
                if registry is None:
                    continue  # a local or a parameter, not a registry's session
                registries[(id(scope), name)] = registry
            closes.setdefault((id(scope), name), []).append(call)
            scopes[id(scope)] = scope
        for (scope_id, name), all_closing in closes.items():
            scope = scopes[scope_id]
            registry = registries.get((scope_id, name))
            if registry is None and (
                self.resolver.kind_of(cst.Name(name), scope) is not Kind.SCOPED_SESSION
            ):
                continue
            if self.contexts.registry_ended_elsewhere(registry or name):
                continue
            for taken, closing in self._registry_takes(scope, name, registry, all_closing):
                life = self._registry_session(scope, name, registry, taken, closing)
                if life is not None:
                    yield life

    def _registry_takes(
        self, scope: Scope, name: str, registry: str | None, closing: list[cst.Call]
    ) -> Iterator[tuple[cst.Call | None, list[cst.Call]]]:
        """Each `session = Session()` of the function with the closes it reaches (a
        handler that takes the thread's session in each branch of an `if`, or again
        after closing it); one take of None, with every close, for a registry used by
        its global name."""
        if registry is None:
            yield None, closing
            return
        assignments = scope.assignments[name]
        if len(assignments) == 1:
            yield self._registry_call(name, scope), closing
            return
        for assignment in assignments:
            reached = [
                close
                for close in closing
                if isinstance(close.func, cst.Attribute)
                and isinstance(close.func.value, cst.Name)
                and any(
                    a is assignment
                    for a in reaching_assignments(self.model, close.func.value, assignments)
                )
            ]
            if reached and isinstance(assignment.value, cst.Call):
                yield assignment.value, reached

    def _registry_session(
        self,
        scope: Scope,
        name: str,
        registry: str | None,
        taken: cst.Call | None,
        closing: list[cst.Call],
    ) -> Lifetime | None:
        """The thread's session `taken` from the registry (or first used, when taken is
        None) and ended by `closing`, followed from its first use to those closes."""
        first = self._first_session_use(scope, name, closing, after=taken)
        if first is None:
            return None
        # Reported where the function takes the session: its call of the registry
        # (`session = self.Session()`), else its first use of the registry.
        life = Lifetime(
            call=taken or first, kind=Kind.SESSION, scope=scope, verdict=Verdict.RELEASED
        )
        life.variable = name
        life.registry = registry or name
        life.releases = list(closing)
        # Unlike a session made here, this one can hold a connection as soon as
        # its first use fails: only a close that surely follows that use counts.
        guarded: list[cst.CSTNode] = [c for c in closing if self._in_finally(c)]
        if finally_contains(self.model, first, guarded):
            pass
        elif guarded:
            life.used_before_try = first
            life.verdict = Verdict.CLOSE_NOT_GUARANTEED
        elif not self._closed_on_every_exception(closing):
            life.verdict = Verdict.CLOSE_NOT_GUARANTEED
        return life

    def _registry_call(self, name: str, scope: Scope) -> cst.Call | None:
        """The `registry()` call the local `name` is bound to (see `_registry_called_for`)."""
        value = scope.assignments[name][0].value
        return value if isinstance(value, cst.Call) else None

    def _registry_called_for(self, name: str, scope: Scope) -> str | None:
        """For a local bound only to `registry()` (`session = self.Session()`, where
        `self.Session` is a `scoped_session`; maybe again, in another branch or after a
        close): the registry, as written."""
        assignments = scope.assignments.get(name, [])
        if not assignments or name in scope.params:
            return None
        found: set[str] = set()
        for assignment in assignments:
            written = self._registry_written(assignment, scope)
            if written is None:
                return None
            found.add(written)
        return found.pop() if len(found) == 1 else None

    def _registry_written(self, assignment: Assignment, scope: Scope) -> str | None:
        value = assignment.value
        if not isinstance(value, cst.Call) or value.args or assignment.via_with:
            return None
        registry = value.func
        written = (
            registry.value
            if isinstance(registry, cst.Name)
            else f"self.{registry.attr.value}"
            if isinstance(registry, cst.Attribute)
            and isinstance(registry.value, cst.Name)
            and registry.value.value == "self"
            else None
        )
        if written is None or self.resolver.kind_of(registry, scope) is not Kind.SCOPED_SESSION:
            return None
        return written

    def _first_session_use(
        self, scope: Scope, name: str, closing: list[cst.Call], after: cst.Call | None = None
    ) -> cst.Call | None:
        """The first `name.<method>(...)` of `scope` that runs SQL or changes what the
        session holds, before the first of `closing` (and after `after`)."""
        order = self.model.order
        end = min(order[c] for c in closing)
        start = order[after] if after is not None else -1
        uses = method_calls(self.model, scope, name, _REGISTRY_SESSION_USES)
        return min((c for c in uses if start < order[c] < end), key=order.__getitem__, default=None)

    def _under_a_patched_maker(self, call: cst.Call) -> bool:
        """Whether `call` runs where a test patches what SQLAlchemy makes things with
        (`@patch("app.config.sessionmaker")` on the test or its class, or a `with
        patch(...)` block around it): what it gives is a mock."""
        for ancestor in self.model.ancestors(call):
            patches: list[cst.BaseExpression] = []
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                patches = [d.decorator for d in ancestor.decorators]
            elif isinstance(ancestor, cst.With):
                patches = [item.item for item in ancestor.items]
            if any(self._patches_a_maker(p) for p in patches):
                return True
        return False

    def _read_as_a_mock(self, call: cst.Call, scope: Scope) -> bool:
        """Whether the test reads what `call` gives as a mock does
        (`handler.db_session().execute.call_args_list`, `session.commit.assert_called()`
        on the local bound to it): a test patched what makes it (in a `setUp` or a
        fixture, out of sight)."""
        if not self.resolver.pytest_module and not is_test_file(self.resolver.path):
            return False
        if self._mock_attribute_above(call):
            return True
        parent = self.model.parent(call)
        if not (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return False
        name = parent.targets[0].target.value
        return any(self._mock_attribute_above(ref) for ref in scope.references.get(name, ()))

    def _mock_attribute_above(self, node: cst.CSTNode) -> bool:
        """`node.execute.call_args_list`, `node.assert_called_once()`: a mock's own
        attribute read on `node`, directly or through attributes and calls of it."""
        current = node
        while True:
            parent = self.model.parent(current)
            if isinstance(parent, cst.Call) and parent.func is current:
                current = parent  # `factory().__enter__().execute.call_args_list`
                continue
            if not isinstance(parent, cst.Attribute) or parent.value is not current:
                return False
            if parent.attr.value in _MOCK_ATTRIBUTES or parent.attr.value.startswith("assert_"):
                return True
            current = parent

    def _expected_to_raise(self, call: cst.Call) -> bool:
        """Whether `call` is the last statement of a `with pytest.raises(...):` (or
        `self.assertRaises(...)`) block: the test expects it to fail, so it makes
        nothing to release."""
        statement = self.model.statement_of(call)
        line = self.model.parent(statement)
        block = self.model.parent(line) if isinstance(line, cst.SimpleStatementLine) else None
        if not isinstance(block, cst.IndentedBlock) or block.body[-1] is not line:
            return False
        owner = self.model.parent(block)
        if not isinstance(owner, cst.With):
            return False
        for item in owner.items:
            expected = item.item
            if not isinstance(expected, cst.Call):
                continue
            func = expected.func
            if isinstance(func, cst.Attribute) and func.attr.value in _RAISES_METHODS:
                return True
            if self.resolver.qualify(func) == "pytest.raises":
                return True
        return False

    def _patches_a_maker(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call):
            return False
        patcher = self.resolver.qualify(expr.func) or ""
        if patcher.rpartition(".")[0] not in _MOCK_MODULES and patcher not in _PATCH_OBJECT:
            return False
        position = 1 if patcher in _PATCH_OBJECT else 0
        written = expr.args[position].value if len(expr.args) > position else None
        if not isinstance(written, cst.SimpleString):
            return False
        target = written.evaluated_value
        return isinstance(target, str) and target.rpartition(".")[2] in _MAKERS

    def test_sessions_closed_at_teardown(self) -> bool:
        """A test module whose conftest (or itself, or the module of a base class of
        its test classes: `class TestSessions(TestCase)`, whose `teardown_method` is
        there) calls SQLAlchemy's `close_all_sessions()` (in a fixture's or a test
        class's teardown): every session its tests and fixtures leave open is closed
        there."""
        if self._closes_all_sessions is None:
            resolver = self.resolver
            found = False
            if resolver.pytest_module or is_test_file(resolver.path):
                view = resolver.view
                evaluator = resolver.evaluator
                summary = view.summary_of(resolver.key)
                bases = [
                    module
                    for name in (summary.classes if summary is not None else ())
                    for module, _ in evaluator.class_hierarchy(resolver.key, name)[1:]
                ]
                for key in dict.fromkeys(
                    [resolver.key, *view.fixture_modules(resolver.key), *bases]
                ):
                    summary = view.summary_of(key)
                    if summary is not None and _calls_close_all_sessions(summary):
                        found = True
                        break
            self._closes_all_sessions = found
        return self._closes_all_sessions

    def _owned_by_script(self, call: cst.Call, kind: Kind) -> bool:
        """A module-level connection or session only the module's own statements use;
        or a connection nothing uses at all (checked out at import, for no one; also
        one whose result the statement drops: `engine.connect()` to try the database)."""
        contexts = self.contexts
        return contexts.only_the_script_uses(call) or (
            kind.is_connection
            and (contexts.never_used(call) or isinstance(self.model.parent(call), cst.Expr))
        )

    def _unpacked_resources(self, call: cst.Call, scope: Scope) -> Iterator[Lifetime]:
        """The connections and sessions a call hands out in a tuple, as its caller
        unpacks them (`_, conn = get_engine_and_connection()`): each followed from
        its name."""
        node: cst.CSTNode = call
        parent = self.model.parent(node)
        if isinstance(parent, cst.Await):
            node, parent = parent, self.model.parent(parent)
        if not isinstance(parent, cst.Assign) or parent.value is not node:
            return
        if len(parent.targets) != 1:
            return
        target = parent.targets[0].target
        if not isinstance(target, (cst.Tuple, cst.List)):
            return
        for index, element in enumerate(target.elements):
            if isinstance(element, cst.StarredElement):
                return  # the positions after it cannot be told
            if not isinstance(element.value, cst.Name):
                continue
            value = self.resolver.item_value(call, index, scope)
            kind = value.kind
            if kind is None or not kind.is_resource or value.owner is not Owner.FRESH:
                continue
            life = Lifetime(call=call, kind=kind, scope=scope, verdict=Verdict.LEAKED, item=index)
            yield self._follow_variable(life, element.value.value, parent, CLOSE_METHODS)

    def _member_resources(self, call: cst.Call, value: Value, scope: Scope) -> Iterator[Lifetime]:
        """`session = Db(url).session`, where `Db.__init__` makes the session it keeps
        there: the object is dropped at once, so the session is the caller's to close,
        followed from its name."""
        ref = value.ref
        if ref is None or ref.kind is not RefKind.INSTANCE or ref.module is None:
            return
        attribute = self.model.parent(call)
        if not isinstance(attribute, cst.Attribute) or attribute.value is not call:
            return
        assign = self.model.parent(attribute)
        if (
            not isinstance(assign, cst.Assign)
            or assign.value is not attribute
            or len(assign.targets) != 1
            or not isinstance(assign.targets[0].target, cst.Name)
        ):
            return
        member = attribute.attr.value
        kind = self.resolver.evaluator.made_by_instance(ref.module, ref.name, member)
        if kind is None:
            return
        life = Lifetime(call=call, kind=kind, scope=scope, verdict=Verdict.LEAKED, member=member)
        yield self._follow_variable(life, assign.targets[0].target.value, assign, CLOSE_METHODS)

    def _opened_on_object(self, call: cst.Call, scope: Scope) -> Iterator[Lifetime]:
        """`adaptor.start_session()` as a statement, on an object of the project this
        function makes (`adaptor = PlatformAdaptor(**config)`), whose method opens a
        session on the object for its user to close with another of its methods
        (`adaptor.close_session()`): the function owns that session, followed from
        the object's name, with those methods as its closes."""
        statement = self.model.parent(call)
        if isinstance(statement, cst.Await):
            statement = self.model.parent(statement)
        func = call.func
        if (
            not isinstance(statement, cst.Expr)
            or not isinstance(func, cst.Attribute)
            or not isinstance(func.value, cst.Name)
        ):
            return
        name = func.value.value
        if name in scope.params or name in scope.global_names or name not in scope.assignments:
            return  # the caller's object, or the module's: theirs to close
        ref = self.resolver.value_of(func.value, scope).ref
        if ref is None or ref.kind is not RefKind.INSTANCE or ref.module is None:
            return
        opening = self.resolver.evaluator.opened_by_method(ref.module, ref.name, func.attr.value)
        if opening is None:
            return
        life = Lifetime(call=call, kind=opening.kind, scope=scope, verdict=Verdict.LEAKED)
        life.opened_on = opening
        yield self._follow_variable(life, name, statement, opening.closers)

    def _opened_by_constructor(
        self, call: cst.Call, value: Value, scope: Scope
    ) -> Iterator[Lifetime]:
        """`db = DatabaseManager()`, an object of the project whose `__init__` opens a
        session (or connection) on it for its maker to close with a method of the class
        (`db.close()`): the function owns that session, followed from the object, with
        those methods as its closes."""
        opening = self._constructor_opening(value)
        if opening is None or _passes_any(call, opening.given, scope):
            return  # (`Wrapper(session=db)`: it keeps the caller's session)
        life = Lifetime(call=call, kind=opening.kind, scope=scope, verdict=Verdict.LEAKED)
        life.opened_on = opening
        yield self._track_from(life, call, CLOSE_METHODS, opening.closers)

    def _constructor_opening(self, value: Value) -> Opening | None:
        """What the `__init__` of the project class `value` is an instance of opens."""
        ref = value.ref
        if ref is None or ref.kind is not RefKind.INSTANCE or ref.module is None:
            return None
        return self.resolver.evaluator.opened_by_constructor(ref.module, ref.name)

    def _wrapped_by_callee(self, call: cst.Call, scope: Scope) -> Iterator[Lifetime]:
        """`db = database.make_session()`, where the project's `make_session` returns a
        fresh session inside an object that keeps it for a method of its own to close
        (`return DBSession(self.session_factory())`, closed by `close_session()`): the
        caller owns that session, followed from the object."""
        ref = self.resolver.value_of(call.func, scope).ref
        if ref is None or ref.kind not in _CALLABLE or ref.module is None:
            return
        opening = self.resolver.evaluator.hands_out_wrapped(ref.module, ref.name)
        if opening is None:
            return
        life = Lifetime(call=call, kind=opening.kind, scope=scope, verdict=Verdict.LEAKED)
        life.opened_on = opening
        yield self._track_from(life, call, CLOSE_METHODS, opening.closers)

    def engines(self) -> Iterator[Lifetime]:
        """Every `create_engine(...)`-style call, with what happens to the engine."""
        for call in self.model.calls:
            qualified = self.resolver.qualify(call.func)
            if qualified is None:
                continue
            kind = CONSTRUCTORS.get(qualified)
            if kind is None or not kind.is_engine:
                continue
            scope = self.model.enclosing_scope[call]
            yield self.track(call, kind, scope, DISPOSE_METHODS)

    def kept_by_dependents(self, engine: Lifetime) -> bool:
        """Whether a connection, session or session factory made from this engine (in
        the scope that made it) is kept beyond the call, on the instance or in a global
        (`self.connection = engine.connect()`, `data.Session = sessionmaker(bind=engine)`,
        a module's `Session.configure(bind=engine)`): the engine lives as long as it,
        so the call does not drop it."""
        if engine.variable is None:
            return False
        made = list(self._calls_made_from(engine, engine.variable))
        if any(self._binds_a_kept_factory(call, engine.scope) for call in made):
            return True
        # (Through a local factory too: `SessionLocal = sessionmaker(bind=engine)`, then
        # `self.db = SessionLocal()`, a Scrapy pipeline's session for the crawl.)
        return any(
            dependent.escapes & {Escape.STORED, Escape.ON_INSTANCE}
            for dependent in self._made_through_factories(engine)
        )

    def stored_dependents(self, engine: Lifetime) -> list[Lifetime]:
        """What is made from this engine in the scope that made it (a session factory,
        a connection) and stored somewhere (`_SESSION_MAKER = Session`)."""
        if engine.variable is None:
            return []
        made = list(self._calls_made_from(engine, engine.variable))
        return [d for _, d in self._dependents(engine, made) if Escape.STORED in d.escapes]

    def _binds_a_kept_factory(self, call: cst.Call, scope: Scope) -> bool:
        """`Session.configure(bind=engine)` on a factory that is not a local of
        `scope` (a module's, or an instance's): its sessions use the engine from now
        on, so it keeps the engine."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "configure"):
            return False
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in scope.assignments:
            return False
        kind = self.resolver.value_of(receiver, scope).kind
        return kind in _FACTORIES

    def handed_out_through_dependents(self, engine: Lifetime) -> bool:
        """Whether what is made from this engine in the scope that made it (a
        connection, a session, or a session from a factory bound to it) is returned or
        yielded: `Session = sessionmaker(bind=engine); return Session()`. The engine
        lives as long as what the caller got, as if it were returned itself."""
        return any(
            dependent.escapes & {Escape.RETURNED, Escape.YIELDED}
            for dependent in self._made_through_factories(engine)
        )

    def _made_through_factories(self, engine: Lifetime) -> Iterator[Lifetime]:
        """What the engine's scope makes from it: connections, sessions and session
        factories bound to it, and the sessions those local factories make."""
        if engine.variable is None:
            return
        names, seen = [engine.variable], {engine.variable}
        while names:
            name = names.pop()
            calls = self._calls_made_from(engine, name, by_calling=name != engine.variable)
            for kind, dependent in self._dependents(engine, calls):
                yield dependent
                factory = dependent.variable
                if kind in _FACTORIES and factory is not None and factory not in seen:
                    seen.add(factory)
                    names.append(factory)

    def handed_out_unused(self, engine: Lifetime) -> bool:
        """Returned to the caller and nothing else here: no connection, session or
        factory made from it first (`return create_engine(url)`)."""
        if engine.escapes != {Escape.RETURNED}:
            return False
        return engine.variable is None or not any(
            self._calls_made_from(engine, engine.variable, by_calling=True)
        )

    def _calls_made_from(
        self, engine: Lifetime, name: str, by_calling: bool = False
    ) -> Iterator[cst.Call]:
        """Calls in the engine's scope made from `name` (`name.connect()`,
        `sessionmaker(bind=name)`; with `by_calling`, `name()` too: a factory's)."""
        for call in self.model.calls:
            if call is engine.call or self.model.enclosing_scope[call] is not engine.scope:
                continue
            called = by_calling and isinstance(call.func, cst.Name) and call.func.value == name
            if called or _made_from(call, name):
                yield call

    def _dependents(
        self, engine: Lifetime, calls: Iterable[cst.Call]
    ) -> Iterator[tuple[Kind, Lifetime]]:
        """Of `calls`, those that make a connection, session or session factory, each
        followed as a resource of its own."""
        for call in calls:
            kind = self.resolver.call_value(call, engine.scope).kind
            if kind is not None and (kind.is_connection or kind in _HOLDERS):
                yield kind, self.track(call, kind, engine.scope, CLOSE_METHODS)

    def owned_only_by_rebound_names(self, life: Lifetime, loop: cst.CSTNode) -> bool:
        """Whether every call in `loop` given the resource (`sessionmaker(bind=engine)`,
        `MetaData(bind=engine)`) binds what it makes to a plain name of the module that
        the next iteration binds anew: each iteration drops its owners with it."""
        if life.variable is None or not life.scope.is_module:
            return False
        found = False
        for ref in life.scope.references.get(life.variable, ()):
            if not within(self.model, ref, loop):
                continue
            argument = self.model.parent(ref)
            if not isinstance(argument, cst.Arg):
                continue
            call = self.model.parent(argument)
            statement = self.model.parent(call) if call is not None else None
            if not (
                isinstance(statement, cst.Assign)
                and statement.value is call
                and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)
            ):
                return False
            if self._read_after(statement.targets[0].target.value, loop):
                return False  # the last one is kept (a retry loop's connection)
            found = True
        return found

    def _read_after(self, name: str, loop: cst.CSTNode) -> bool:
        """Whether the module reads `name` after `loop` (or in a function)."""
        model = self.model
        module = model.module_scope
        for ref in module.references.get(name, ()):
            if not within(model, ref, loop) and model.order[ref] > model.order[loop]:
                return True
        return any(name in scope.references for scope in module.children)

    # -- tracking -------------------------------------------------------------------

    def track(
        self, call: cst.Call, kind: Kind, scope: Scope, release_methods: frozenset[str]
    ) -> Lifetime:
        life = Lifetime(call=call, kind=kind, scope=scope, verdict=Verdict.LEAKED)
        if self._never_started(call, kind, scope):
            life.verdict = Verdict.RELEASED  # it never holds a connection to release
            return life
        return self._track_from(life, call, release_methods)

    def _track_from(
        self,
        life: Lifetime,
        node: cst.CSTNode,
        release_methods: frozenset[str],
        closers: frozenset[str] = frozenset(),
    ) -> Lifetime:
        """`life`'s fate from where `node` (that gives it) is used. `closers`: the
        methods of the object `node` gives that close it (a wrapping object's)."""
        kind, scope = life.kind, life.scope
        while True:
            parent = self.model.parent(node)
            if isinstance(parent, (cst.Await, cst.IfExp, cst.BooleanOperation)):
                node = parent
                continue
            if release_methods is DISPOSE_METHODS and _is_comprehension_value(parent, node):
                # `[create_engine(u) for u in urls]`: the engines share the list's fate.
                assert parent is not None
                node = parent
                continue
            if isinstance(parent, cst.WithItem) and parent.item is node:
                life.verdict = Verdict.RELEASED
                return life
            if isinstance(parent, cst.Attribute) and parent.value is node:
                grand = self.model.parent(parent)
                method = parent.attr.value
                called = isinstance(grand, cst.Call) and grand.func is parent
                if called and (method in release_methods or method in closers):
                    life.verdict = Verdict.RELEASED
                    return life
                if called and method in SAME_OBJECT_METHODS:
                    assert isinstance(grand, cst.Call)
                    node = grand  # returns the same connection / an engine sharing the pool
                    continue
                if called and method == "begin" and kind.is_session:
                    # `with Session(engine).begin():` ends the transaction and leaves
                    # a session holding no connection.
                    assert isinstance(grand, cst.Call)
                    if isinstance(self.model.parent(grand), cst.WithItem):
                        life.verdict = Verdict.RELEASED
                        return life
                if kind.is_session and (method == "bind" or (called and method == "get_bind")):
                    # `Session().get_bind()`: only the engine is wanted; the session
                    # never takes a connection.
                    life.verdict = Verdict.RELEASED
                    return life
                life.chained = True
                life.verdict = Verdict.LEAKED
                return life
            if isinstance(parent, cst.Arg) and parent.value is node:
                outer = self.model.parent(parent)
                assert isinstance(outer, cst.Call)
                if self._passes_through(outer, parent):
                    node = outer  # `cast(Session, factory())` is the session itself
                    continue
                wrapping = self._wrapping_constructor(outer, parent, scope)
                if wrapping is not None:
                    # `DBSession(Session(engine))`: followed as the object that keeps it,
                    # closed by that object's method.
                    node = outer
                    closers = closers | wrapping.closers
                    life.opened_on = Opening(kind, wrapping.attribute, wrapping.closers)
                    continue
                use = self._argument_use(outer, scope, parent)
                if use in (_Use.RELEASED, _Use.RELEASE_CALL):
                    # `close_db(SessionLocal())`: nothing runs between the creation
                    # and the helper that closes it, as for `s = ...; close_db(s)`.
                    life.verdict = Verdict.RELEASED
                elif use is _Use.ESCAPE:
                    life.escapes.add(Escape.OWNED)
                    life.verdict = Verdict.HANDED_OUT
                else:
                    life.chained = True
                    life.verdict = Verdict.LEAKED
                return life
            if isinstance(parent, cst.Return):
                life.escapes.add(Escape.RETURNED)
                life.verdict = Verdict.HANDED_OUT
                return life
            if isinstance(parent, cst.Yield):
                life.escapes.add(Escape.YIELDED)
                # `yield SessionLocal()` in a fixture: nothing can close it after (a
                # registry's `registry()` is the registry's to remove)
                from_registry = self.resolver.kind_of(life.call.func, scope) is Kind.SCOPED_SESSION
                life.verdict = (
                    Verdict.LEAKED
                    if self._provides_once(scope) and not from_registry
                    else Verdict.HANDED_OUT
                )
                return life
            if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
                targets = (
                    [t.target for t in parent.targets]
                    if isinstance(parent, cst.Assign)
                    else [parent.target]
                )
                if len(targets) == 1 and isinstance(targets[0], cst.Name):
                    name = targets[0].value
                    if name in scope.global_names:
                        life.escapes.add(Escape.STORED)
                        life.stores.append(parent)
                        life.verdict = Verdict.HANDED_OUT
                        return life
                    if scope.is_module and release_methods is not CLOSE_METHODS:
                        # A module global; followed all the same, to see its releases
                        # (a script's loop that disposes each engine it makes). The
                        # connections and sessions `resources()` follows at module
                        # level are the script's own, not kept for others.
                        life.escapes.add(Escape.STORED)
                    return self._follow_variable(life, name, parent, release_methods | closers)
                escape = self._store_escape(targets)
                life.escapes.add(escape)
                if escape is Escape.STORED:
                    life.stores.append(parent)
                elif escape is Escape.ON_INSTANCE and len(targets) == 1:
                    target = targets[0]
                    assert isinstance(target, cst.Attribute)
                    life.attribute = target.attr.value
                life.verdict = Verdict.HANDED_OUT
                return life
            if isinstance(parent, cst.NamedExpr) and parent.value is node:
                if any(isinstance(a, cst.WithItem) for a in self._ancestors_in_scope(parent)):
                    life.verdict = Verdict.RELEASED
                    return life
                if isinstance(parent.target, cst.Name):
                    return self._follow_variable(
                        life, parent.target.value, parent, release_methods | closers
                    )
            if isinstance(parent, cst.Expr):
                # Dropped at once: a connection is checked out already (leaked); a session
                # or a registry takes one only on its first use, and never gets one.
                unused = (kind.is_session or kind is Kind.SCOPED_SESSION) and node is life.call
                life.verdict = Verdict.RELEASED if unused else Verdict.LEAKED
                return life
            if isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement, cst.Lambda)):
                life.escapes.add(Escape.OWNED)
                life.verdict = Verdict.HANDED_OUT
                return life
            # Anything else (comparisons, comprehension elements, subscripts, ...):
            # we cannot tell who owns it, and a linter that guesses cries wolf.
            life.escapes.add(Escape.OWNED)
            life.verdict = Verdict.HANDED_OUT
            return life

    def _called(self, ref: cst.Name) -> bool:
        parent = self.model.parent(ref)
        return isinstance(parent, cst.Call) and parent.func is ref

    def _in_transaction_block(self, ref: cst.Name, name: str) -> bool:
        """`ref` opens or sits inside a `with name.begin():` block of its own scope."""
        for ancestor in self.model.ancestors(ref):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            if isinstance(ancestor, cst.With) and begins_transaction(ancestor, name):
                return True
        return False

    def _ends_transaction(self, ref: cst.Name) -> bool:
        """`s.rollback()` or `s.commit()`: ends what transaction there is, and checks
        no connection out when there is none (the `except` around a `with s.begin():`
        block that rolls back)."""
        parent = self.model.parent(ref)
        if not (isinstance(parent, cst.Attribute) and parent.value is ref):
            return False
        call = self.model.parent(parent)
        return (
            isinstance(call, cst.Call)
            and call.func is parent
            and parent.attr.value in ("rollback", "commit")
        )

    def _idle_reference(self, ref: cst.Name) -> bool:
        """A reference that cannot make a session take a connection: `del s`, `next(s)`,
        reading the engine it is bound to (`pd.read_sql(sql, s.bind)`, `s.get_bind()`:
        the engine checks out a connection of its own)."""
        parent = self.model.parent(ref)
        if isinstance(parent, cst.Del):
            return True
        if isinstance(parent, cst.Attribute) and parent.value is ref:
            outer = self.model.parent(parent)
            if parent.attr.value == "bind":
                if isinstance(outer, cst.Attribute):
                    # `s.bind.url`, `s.bind.dialect.name`: facts about the engine.
                    return not isinstance(self.model.parent(outer), cst.Call)
                return not isinstance(outer, (cst.AssignTarget, cst.Call))
            if parent.attr.value == "get_bind":
                return isinstance(outer, cst.Call) and outer.func is parent
            if parent.attr.value == "query":
                return self._only_statement_built(parent)
        if isinstance(parent, cst.Arg):
            call = self.model.parent(parent)
            return (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value in ("next", "anext")
            )
        return False

    def _only_statement_built(self, query: cst.Attribute) -> bool:
        """`s.query(Run).filter(...).statement`: a legacy query built only for its
        SELECT (`pd.read_sql(s.query(Run).statement, s.bind)`) runs nothing on `s`;
        nor does one made a construct of another statement (`.subquery()`, `.cte()`)."""
        node: cst.CSTNode = query
        while True:
            outer = self.model.parent(node)
            if isinstance(outer, cst.Call) and outer.func is node:
                node = outer  # `.query(...)`, `.filter(...)`: builds the query
                continue
            if not isinstance(outer, cst.Attribute) or outer.value is not node:
                return False
            if outer.attr.value == "statement":
                return True
            if outer.attr.value in _STATEMENT_CONSTRUCTS:
                call = self.model.parent(outer)
                return isinstance(call, cst.Call) and call.func is outer
            if outer.attr.value in QUERY_RUNNING_METHODS:
                return False
            node = outer

    def _passes_through(self, call: cst.Call, argument: cst.Arg) -> bool:
        """`typing.cast(T, x)` and the like hand back `x` itself."""
        position = PASS_THROUGH_CALLS.get(self.resolver.qualify(call.func) or "")
        if position is None or argument.keyword is not None:
            return False
        positional = [a for a in call.args if a.keyword is None]
        return position < len(positional) and positional[position] is argument

    def _wrapping_constructor(
        self, call: cst.Call, argument: cst.Arg, scope: Scope
    ) -> Wrapping | None:
        """How the project class that `call` instantiates keeps `argument` for a method
        of its own to close (`DBSession(session)`, see `Evaluator.wrapping`), if it does."""
        if argument.star:
            return None
        ref = self.resolver.value_of(call.func, scope).ref
        if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
            return None
        wrappings = self.resolver.evaluator.wrapping(ref.module, ref.name)
        if not wrappings:
            return None
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in call.args):
            return None
        for wrapping in wrappings:
            if argument.keyword is not None:
                if argument.keyword.value == wrapping.parameter:
                    return wrapping
            elif wrapping.position < len(positional) and positional[wrapping.position] is argument:
                return wrapping
        return None

    def _store_escape(self, targets: Iterable[cst.BaseExpression]) -> Escape:
        for target in targets:
            if isinstance(target, cst.Attribute):
                base = self.resolver.qualify(target.value)
                if base in ("flask.g", "quart.g"):
                    return Escape.REQUEST_STORED
                if isinstance(target.value, cst.Name) and target.value.value == "self":
                    return Escape.ON_INSTANCE
        return Escape.STORED

    def _argument_use(self, call: cst.Call, scope: Scope, argument: cst.Arg | None = None) -> _Use:
        if argument is not None and _keyword(argument) in _MOCK_RESULTS:
            # `mocker.patch.object(tasks, "task_session", return_value=session)`: the code
            # under test gets it from the mock, and owns it from then on.
            return _Use.ESCAPE
        qualified = self.resolver.qualify(call.func)
        if qualified in OWNING_CALLS:
            return _Use.RELEASED
        if CONSTRUCTORS.get(qualified or "") in _HOLDERS:
            # `return sessionmaker(bind=engine)`: the factory keeps the engine it binds.
            return _Use.ESCAPE if self._value_escapes(call, scope) else _Use.USE
        if qualified is not None and qualified.startswith("sqlalchemy.") and not _binds(argument):
            # `Table(name, metadata, autoload_with=conn)`, `select(...)`, `inspect(conn)`:
            # SQLAlchemy's other constructors use a connection they are given, and keep
            # only one given as `bind=` (`MetaData(bind=conn)` before 2.0).
            return _Use.USE
        if self._closes_argument(call, argument, scope):
            return _Use.RELEASED
        if self._closes_argument_once_used(call, argument, scope):
            return _Use.RELEASED
        if self._closes_argument(call, argument, scope, surely=False):
            return _Use.RELEASE_CALL  # `analyze(session)`, which closes it at its end
        if self._keeps_argument(call, argument, scope):
            return _Use.ESCAPE  # `register_callbacks(app, session)`, which keeps it
        func = call.func
        if isinstance(func, cst.Attribute):
            if func.attr.value in OWNING_METHODS:
                return _Use.RELEASED
            if func.attr.value in STORING_METHODS:
                return _Use.ESCAPE
            callee_name = func.attr.value
        elif isinstance(func, cst.Name):
            callee_name = func.value
        else:
            return _Use.USE
        # `return Repository(session)`: a constructor keeps what it is given, so the
        # resource lives as long as the new object; `Repository(session).count()`
        # does not make it live any longer.
        if (
            callee_name == "cls"
            or (callee_name[:1].isupper() and not callee_name.isupper())
            # `DB(engine, session)`: a class of the project, whatever its name's case
            or _refers_to_a_class(self.resolver.value_of(func, scope))
        ):
            return _Use.ESCAPE if self._value_escapes(call, scope) else _Use.USE
        if callee_name in ("partial", "finalize", "register", "addfinalizer", "callback"):
            return _Use.ESCAPE
        return _Use.USE

    def _closes_argument(
        self, call: cst.Call, argument: cst.Arg | None, scope: Scope, surely: bool = True
    ) -> bool:
        """`read_only_transaction(session)` where the project's `read_only_transaction`
        closes the parameter it is given whatever happens (`finally: session.close()`,
        or `with session:`): it takes over the release. With `surely` false: closes it
        on some path (`session.close()` at its end, or a helper it hands it to that
        does), a release that an exception skips."""
        if argument is None:
            return False
        fate = self.resolver.parameter_fate(call, argument, scope)
        return bool(fate & (Fate.RELEASED_SURELY if surely else Fate.RELEASED))

    def _closes_argument_once_used(
        self, call: cst.Call, argument: cst.Arg | None, scope: Scope
    ) -> bool:
        """`index_entity(session, ...)` where the project's `index_entity` hands the
        session, before any use of it, to a helper that closes it whatever happens
        (`with session:`): a session takes its connection on its first use, so what
        raises before holds none. (Not a connection: it holds one from the start.)"""
        if argument is None or not isinstance(argument.value, cst.Name):
            return False
        if self.resolver.kind_of(argument.value, scope) not in (
            Kind.SESSION,
            Kind.ASYNC_SESSION,
        ):
            return False
        fate = self.resolver.parameter_fate(call, argument, scope)
        return bool(fate & Fate.RELEASED_SURELY_ONCE_USED)

    def _keeps_argument(self, call: cst.Call, argument: cst.Arg | None, scope: Scope) -> bool:
        """The project function called keeps the parameter it is given beyond the call:
        stores it, hands it to an object it keeps, or reads it in a callback it
        registers (`@app.callback` inside `set_callbacks(app, session)`)."""
        if argument is None:
            return False
        return bool(self.resolver.parameter_fate(call, argument, scope) & Fate.KEPT)

    def early_return(self, life: Lifetime) -> cst.Return | None:
        """A `return` that leaves the function after the creation and before any of its
        releases (`if cached: return cached` ahead of `engine.dispose()`): the release
        is skipped on that path whenever it is taken, not only when something raises."""
        return next(self._early_returns(life), None)

    def _early_returns(self, life: Lifetime) -> Iterator[cst.Return]:
        """Each `return` that `early_return` describes, in the order of the code."""
        function = life.scope.node
        if not life.releases or not isinstance(function, cst.FunctionDef):
            return
        created = self.model.statement_of(life.call)
        releases = [self.model.statement_of(r) for r in life.releases]
        for node in own_returns(function.body):
            if not dominates(self.model, created, node):
                continue  # not on a path that made the object
            if any(dominates(self.model, r, node) for r in releases):
                continue  # released before it returns
            if finally_contains(self.model, node, releases):
                continue
            if not any(comes_before(self.model, node, r) for r in releases):
                continue  # the releases are all behind it: they belong to other paths
            yield node

    def _return_leaving_it_open(self, life: Lifetime, name: str) -> cst.Return | None:
        """`early_return` for a connection or session closed by plain `close()` calls: a
        `return` ahead of every close leaves it open on that path, taken without any
        exception. A session holds a connection only once used: some use of it must
        come first on that path."""
        uses = [
            self.model.statement_of(ref)
            for ref in life.scope.references.get(name, ())
            if not self._idle_reference(ref)
            and self._classify_reference(ref, CLOSE_METHODS)[0] is _Use.USE
        ]
        for node in self._early_returns(life):
            if not life.kind.is_session or any(
                use is not None and dominates(self.model, use, node) for use in uses
            ):
                return node
        return None

    def _value_escapes(self, value: cst.CSTNode, scope: Scope, depth: int = 0) -> bool:
        """Whether the object `value` evaluates to outlives the function."""
        node = value
        parent = self.model.parent(node)
        while isinstance(parent, (cst.Await, cst.IfExp)):
            node, parent = parent, self.model.parent(parent)
        if isinstance(parent, (cst.Return, cst.Yield, cst.Element, cst.DictElement)):
            return True
        if isinstance(parent, cst.WithItem):
            return False
        if isinstance(parent, cst.Arg):
            outer = self.model.parent(parent)
            return (
                isinstance(outer, cst.Call)
                and self._argument_use(outer, scope, parent) is _Use.ESCAPE
            )
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            targets = (
                [t.target for t in parent.targets]
                if isinstance(parent, cst.Assign)
                else [parent.target]
            )
            if len(targets) != 1 or not isinstance(targets[0], cst.Name):
                return True
            name = targets[0].value
            if name in scope.global_names or scope.is_module or depth > 2:
                return True
            if self._captured_by_closure(scope, name):
                return True
            start = self.model.order[node]
            for ref in scope.references.get(name, ()):
                if self.model.order[ref] > start and self._value_escapes(ref, scope, depth + 1):
                    return True
            return False
        return False

    def _ancestors_in_scope(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for ancestor in self.model.ancestors(node):
            yield ancestor
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.Module)):
                return

    # -- following a variable --------------------------------------------------------

    def _never_started(self, call: cst.Call, kind: Kind, scope: Scope) -> bool:
        """`conn = async_engine.connect()` without `await`: an AsyncConnection holds no
        connection until it is awaited, started or entered, and `conn.execute()` on it
        raises. Whether it is ever started decides if it can leak."""
        parent = self.model.parent(call)
        if kind is not Kind.ASYNC_CONNECTION or isinstance(parent, cst.Await):
            return False
        if isinstance(parent, cst.Expr):
            return True  # `async_engine.connect()` on its own line
        if not (
            isinstance(parent, cst.Assign)
            and parent.value is call
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return False  # entered, passed on or stored: followed as any resource
        name = parent.targets[0].target.value
        if self._captured_by_closure(scope, name):
            return False  # a nested function may start it
        for ref in scope.references.get(name, ()):
            above = self.model.parent(ref)
            if isinstance(above, cst.Attribute) and above.value is ref:
                if above.attr.value == "start":
                    return False  # `await conn.start()`
                continue  # `conn.begin`, `conn.execute`: raise AsyncContextNotStarted
            return False  # `await conn`, `async with conn`, passed on, returned, stored, ...
        return True  # only its methods are touched, and those raise until it starts

    def _follow_variable(
        self,
        life: Lifetime,
        name: str,
        binding: cst.CSTNode,
        release_methods: frozenset[str],
    ) -> Lifetime:
        life.variable = name
        scope = life.scope
        start = self.model.order[life.call]
        end = self._next_rebinding(scope, name, binding, start)
        references = list(scope.references.get(name, ()))
        # A script's global that only its steps read (`main()`): what they do with it
        # is what the script does; any other function that reads it keeps it.
        steps = self.contexts.script_steps_reading(name) if scope.is_module else []
        if steps:
            references += [ref for step in steps for ref in step.references.get(name, ())]
        released = False
        guarded = False
        yielded = False
        unguarded: list[cst.Call] = []
        used = False
        if not steps and self._captured_by_closure(scope, name):
            streamed = None
            if not scope.is_module:
                streamed = self._closed_after_yielding(scope, name, release_methods)
            if streamed is None:
                life.escapes.add(Escape.OWNED)
            else:
                life.closed_by_generator, closes, used = streamed
                life.releases.extend(closes)
                unguarded.extend(closes)
        # A session used only inside `with s.begin():` blocks: each block commits or
        # rolls back and returns the connection; between them it holds none.
        only_in_transactions = life.kind.is_session
        for ref in references:
            order = self.model.order[ref]
            if order <= start or order >= end:
                continue
            if not self._idle_reference(ref):
                used = True
                if (
                    only_in_transactions
                    and not self._in_transaction_block(ref, name)
                    and not self._ends_transaction(ref)
                ):
                    only_in_transactions = False
            if life.kind is Kind.SCOPED_SESSION and self._called(ref):
                # `Registry()`: the session it hands out is followed as its own resource.
                life.escapes.add(Escape.OWNED)
                continue
            use, detail = self._classify_reference(ref, release_methods)
            if use is _Use.RELEASED:
                released = True
            elif use is _Use.RELEASE_CALL:
                assert isinstance(detail, cst.Call)
                guarded = self._add_close(life, detail, unguarded) or guarded
            elif use is _Use.ESCAPE:
                assert isinstance(detail, Escape)
                if detail is Escape.YIELDED:
                    yielded = True
                if detail is Escape.STORED:
                    life.stores.append(ref)
                life.escapes.add(detail)
            elif use is _Use.WRAPPED:
                # `db = DBSession(session)`: what happens to the object is what happens
                # to the session (its `close_session()` closes it).
                assert isinstance(detail, cst.Call)
                wrapper = Lifetime(
                    call=life.call, kind=life.kind, scope=scope, verdict=Verdict.LEAKED
                )
                argument = next(a for a in self.model.ancestors(ref) if isinstance(a, cst.Arg))
                wrapping = self._wrapping_constructor(detail, argument, scope)
                assert wrapping is not None
                self._track_from(wrapper, detail, release_methods, wrapping.closers)
                for close in wrapper.releases:
                    guarded = self._add_close(life, close, unguarded) or guarded
                if wrapper.verdict is Verdict.RELEASED and not wrapper.releases:
                    released = True  # `with DBSession(session) as db:`
                life.escapes |= wrapper.escapes
                life.stores.extend(wrapper.stores)
        generator_closes = self._kept_generator_closes(life.call, scope, start)
        kept = life.call.args[0].value if generator_closes else None
        if isinstance(kept, cst.Name):
            life.generator = kept.value
        for close in generator_closes:
            # `db = next(gen)` ... `gen.close()`: the generator's cleanup closes it.
            guarded = self._add_close(life, close, unguarded) or guarded
        if guarded and not released:
            life.used_before_try = self._used_before_try(life, name)
        if (released or guarded) and life.used_before_try is None:
            life.verdict = Verdict.RELEASED
        elif life.used_before_try is not None:
            life.verdict = Verdict.CLOSE_NOT_GUARANTEED
        elif life.kind.is_session and (not used or (only_in_transactions and not life.escapes)):
            # A session checks a connection out on its first use: one never used holds
            # none (`next(session)` on it raises before any query); one used only in
            # `with s.begin():` blocks returns it at the end of each.
            life.verdict = Verdict.RELEASED
        elif life.escapes - {Escape.YIELDED}:
            life.verdict = Verdict.HANDED_OUT
        elif life.unawaited_closes and not unguarded:
            # Meant to be closed here (even after a `yield`), and the close never runs.
            life.verdict = Verdict.LEAKED
        elif unguarded:
            if self._close_is_safe(life, binding, unguarded):
                life.verdict = Verdict.RELEASED
            else:
                life.verdict = Verdict.CLOSE_NOT_GUARANTEED
            if life.closed_by_generator is not None:
                # (the `return` that hands the generator on leaves it open for it)
                life.verdict = Verdict.CLOSE_NOT_GUARANTEED
            else:
                life.left_open_by = self._return_leaving_it_open(life, name)
                if life.left_open_by is not None:
                    life.verdict = Verdict.CLOSE_NOT_GUARANTEED
        elif yielded and not self._provides_once(life.scope):
            life.verdict = Verdict.HANDED_OUT
        else:
            # (A generator that yields it once, as a dependency, a fixture or a
            # context manager does, is resumed after the `yield` to clean up.)
            life.verdict = Verdict.LEAKED
        return life

    def _provides_once(self, scope: Scope) -> bool:
        """A generator with one `yield`, outside any loop: a FastAPI dependency, a
        pytest fixture or a context manager, resumed once to clean up (unless a fixture
        that asks for this one does it)."""
        if len(scope.yields) != 1:
            return False
        if any(
            isinstance(a, (cst.For, cst.While)) for a in self._ancestors_in_scope(scope.yields[0])
        ):
            return False
        return not self.contexts.closed_by_fixture_users(scope)

    def _add_close(self, life: Lifetime, close: cst.Call, unguarded: list[cst.Call]) -> bool:
        """Record a call that releases `life`: whether it is in a `finally`. A
        coroutine's close that nothing awaits never runs, and releases nothing."""
        if life.kind.is_async and self._never_run(close):
            life.unawaited_closes.append(close)
            return False
        life.releases.append(close)
        if self._in_finally(close):
            return True
        unguarded.append(close)
        return False

    def _kept_generator_closes(self, call: cst.Call, scope: Scope, start: int) -> list[cst.Call]:
        """For `next(gen)` / `await anext(gen)` on a generator kept in the local `gen`,
        the later `gen.close()` / `gen.aclose()` calls of the same scope."""
        if not (
            isinstance(call.func, cst.Name)
            and call.func.value in ("next", "anext")
            and call.args
            and isinstance(call.args[0].value, cst.Name)
        ):
            return []
        generator = call.args[0].value.value
        closes = method_calls(self.model, scope, generator, _GENERATOR_CLOSES)
        # `next(gen)` again: resumes it past its `yield`, so its cleanup runs (a
        # provider's `finally: db.close()`), as `gen.close()` would.
        resumes = [
            other
            for other in self.model.calls
            if other is not call
            and self.model.enclosing_scope.get(other) is scope
            and isinstance(other.func, cst.Name)
            and other.func.value == call.func.value
            and other.args
            and isinstance(other.args[0].value, cst.Name)
            and other.args[0].value.value == generator
        ]
        return [close for close in [*closes, *resumes] if self.model.order[close] > start]

    def _never_run(self, call: cst.Call) -> bool:
        """`session.close()` as a statement of its own: a coroutine function's call that
        nothing awaits, schedules or passes on."""
        return isinstance(self.model.parent(call), cst.Expr)

    def _next_rebinding(self, scope: Scope, name: str, binding: cst.CSTNode, start: int) -> int:
        """Order of the next plain rebinding of `name` in the same block, else infinity."""
        block = self._block_of(binding)
        best = 1 << 62
        for assignment in scope.assignments.get(name, ()):
            if assignment.via_with or assignment.node is binding:
                continue
            if assignment.order > start and self._block_of(assignment.node) is block:
                best = min(best, assignment.order)
        return best

    def _block_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        statement = self.model.statement_of(node)
        line = self.model.parent(statement)
        if isinstance(line, cst.SimpleStatementLine):
            return self.model.parent(line)
        return line

    def _closed_after_yielding(
        self, scope: Scope, name: str, release_methods: frozenset[str]
    ) -> tuple[cst.FunctionDef, list[cst.Call], bool] | None:
        """`def generate(): for row in query: yield row` then `db.close()`: the nested
        generator that closes what `name` holds after a `yield`, outside any `finally`
        (its closes, and whether it also uses it). A consumer that stops early (a
        client that disconnects from a streamed response) or fails leaves the
        generator at a `yield`, and the close never runs. None when the functions that
        capture `name` do anything else with it: pass it on, keep it, or close it
        surely (in a `finally`, a `with`) or before yielding anything."""
        generator: cst.FunctionDef | None = None
        closes: list[cst.Call] = []
        used = False
        stack = list(scope.children)
        while stack:
            child = stack.pop()
            stack.extend(child.children)
            if name not in child.references or name in child.params or name in child.assignments:
                continue
            if not child.yields or not isinstance(child.node, cst.FunctionDef):
                return None
            first_yield = min(self.model.order[y] for y in child.yields)
            for ref in child.references[name]:
                attribute = self.model.parent(ref)
                if not (isinstance(attribute, cst.Attribute) and attribute.value is ref):
                    return None
                call = self.model.parent(attribute)
                if not (
                    isinstance(call, cst.Call)
                    and call.func is attribute
                    and attribute.attr.value in release_methods
                ):
                    used = True
                    continue
                if self._in_finally(call) or self.model.order[call] < first_yield:
                    return None
                closes.append(call)
            generator = child.node
        if generator is None or not closes:
            return None
        return generator, closes, used

    def _captured_by_closure(self, scope: Scope, name: str) -> bool:
        stack = list(scope.children)
        while stack:
            child = stack.pop()
            if (
                name in child.references
                and name not in child.params
                and (name not in child.assignments)
            ):
                return True
            stack.extend(child.children)
        return False

    def _classify_reference(
        self, ref: cst.Name, release_methods: frozenset[str]
    ) -> tuple[_Use, cst.Call | Escape | None]:
        node: cst.CSTNode = ref
        parent = self.model.parent(ref)
        while isinstance(parent, (cst.Await, cst.IfExp, cst.BooleanOperation, cst.Arg)):
            if isinstance(parent, cst.BooleanOperation):
                return _Use.USE, None  # `if conn and ...`: a test, not a hand-over
            if isinstance(parent, cst.Arg):
                call = self.model.parent(parent)
                if not (isinstance(call, cst.Call) and self._passes_through(call, parent)):
                    break
                parent = call  # `return cast(Session, session)` returns the session
            node = parent
            parent = self.model.parent(node)
        if isinstance(parent, cst.WithItem):
            return _Use.RELEASED, None
        if isinstance(parent, cst.Attribute) and parent.value is node:
            grand = self.model.parent(parent)
            if parent.attr.value in release_methods:
                if isinstance(grand, cst.Call) and grand.func is parent:
                    return _Use.RELEASE_CALL, grand
                if isinstance(grand, cst.Expr):
                    return _Use.USE, None  # `db.close` alone, not called: closes nothing
                return _Use.RELEASED, None  # `stack.callback(conn.close)`
            if parent.attr.value in _KEEPING_METHODS and isinstance(grand, cst.Call):
                # `Base.query = registry.query_property()`: what it returns holds the
                # registry, and goes where the assignment puts it.
                return _Use.ESCAPE, Escape.OWNED
            return _Use.USE, None
        if isinstance(parent, cst.Arg):
            call = self.model.parent(parent)
            assert isinstance(call, cst.Call)
            if self._wrapping_constructor(call, parent, self.model.enclosing_scope[call]):
                return _Use.WRAPPED, call
            use = self._argument_use(call, self.model.enclosing_scope[call], parent)
            if use is _Use.ESCAPE:
                return _Use.ESCAPE, Escape.OWNED
            if use is _Use.RELEASE_CALL:
                return use, call
            return use, None
        if isinstance(parent, cst.Return):
            return _Use.ESCAPE, Escape.RETURNED
        if isinstance(parent, cst.Yield):
            return _Use.ESCAPE, Escape.YIELDED
        if isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement)):
            return self._container_use(parent)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            targets = (
                [t.target for t in parent.targets]
                if isinstance(parent, cst.Assign)
                else [parent.target]
            )
            return _Use.ESCAPE, self._store_escape(targets)
        return _Use.USE, None

    def _container_use(self, element: cst.CSTNode) -> tuple[_Use, Escape | None]:
        """`return (conn, x)`, `items = [conn]`: the container carries it away."""
        container = self.model.parent(element)
        holder = self.model.parent(container) if container is not None else None
        if isinstance(holder, cst.Return):
            return _Use.ESCAPE, Escape.RETURNED
        if isinstance(holder, cst.Yield):
            return _Use.ESCAPE, Escape.YIELDED
        if (
            isinstance(holder, cst.Assign)
            and holder.value is container
            and all(isinstance(t.target, (cst.Subscript, cst.Attribute)) for t in holder.targets)
        ):
            # `_engines[key] = (engine, session_factory)`: stored where the slot is.
            return _Use.ESCAPE, self._store_escape([t.target for t in holder.targets])
        return _Use.ESCAPE, Escape.OWNED

    # -- is the close good enough? ---------------------------------------------------

    def _in_finally(self, node: cst.CSTNode) -> bool:
        return any(isinstance(a, cst.Finally) for a in self._ancestors_in_scope(node))

    def _used_before_try(self, life: Lifetime, name: str) -> cst.CSTNode | None:
        """A call that runs between the creation and the `try` whose `finally` closes
        the resource, in the same block (`conn.execute(...)` on the line after
        `connect()`): what it raises leaks the resource. A `try` that swallows
        everything is safe, as for a close outside `finally`."""
        creation_line = self.model.parent(self.model.statement_of(life.call))
        block = self.model.parent(creation_line) if creation_line is not None else None
        body = getattr(block, "body", None)
        if creation_line is None or not isinstance(body, (list, tuple)):
            return None
        if creation_line not in body:
            return None
        index = body.index(creation_line)
        # The first call that uses the resource is the one to name; any other call may
        # raise as well, except for a session, which takes a connection on its first
        # use: before that, only what uses it can leak one (`Model(**item)` cannot).
        using: cst.Call | None = None
        other: cst.Call | None = None
        queries: set[str] = set()  # queries built on the session, which run nothing yet
        for statement in body[index + 1 :]:
            finalbody = statement.finalbody if isinstance(statement, cst.Try) else None
            if finalbody is not None and any(
                within(self.model, release, finalbody) for release in life.releases
            ):
                return using or (None if life.kind.is_session else other)  # the guarding `try`
            if _swallows_everything(statement) or _opens_a_cursor(statement, name):
                continue
            if life.kind.is_session and (
                _only_stages(statement, name) or self._leaves_unconnected(statement, name, queries)
            ):
                continue
            if using is None:
                first = _first_call(statement, name)
                if first is None or not (
                    self._only_decorates(first, name, life.scope)
                    or self._only_wraps(first, name, life.scope)
                ):
                    using = first
            other = other or _first_call(statement)
        return None  # no guarding `try` in this block: not this case

    def _only_wraps(self, call: cst.Call, name: str, scope: Scope) -> bool:
        """`DBSession(session)`: an object made to keep the resource for a method of
        its own to close; making it uses nothing of the resource."""
        return any(
            isinstance(a.value, cst.Name)
            and a.value.value == name
            and self._wrapping_constructor(call, a, scope) is not None
            for a in call.args
        )

    def _only_decorates(self, call: cst.Call, name: str, scope: Scope) -> bool:
        """`set_models_as_attributes(session)`: a project function given the resource
        that calls nothing on it and hands it to nothing but `setattr()`: it cannot
        take a connection, nor fail for one."""
        argument = next(
            (a for a in call.args if isinstance(a.value, cst.Name) and a.value.value == name),
            None,
        )
        if argument is None:
            return False
        found = self.resolver.callee_parameter(call, argument, scope)
        if found is None:
            return False
        info, param = found
        for site in info.calls:
            if site.callee == param or site.callee.startswith(param + "."):
                return False
            if site.callee not in _DECORATING_BUILTINS and param in site.arguments:
                return False
        return param not in info.stored and param not in info.released

    def _close_is_safe(self, life: Lifetime, binding: cst.CSTNode, closes: list[cst.Call]) -> bool:
        scope = life.scope
        if self.contexts.is_pytest_fixture(scope) and scope.yields:
            first_yield = min(self.model.order[y] for y in scope.yields)
            if self.model.order[binding] < first_yield and all(
                self.model.order[c] > first_yield for c in closes
            ):
                # Made for the test and closed after it: pytest resumes the fixture
                # normally after the test (teardown made after the `yield` is checked
                # as any other code is).
                return True
        if self._closed_on_every_exception(closes) and self._handlers_follow_creation(
            binding, closes, scope, life.variable if life.kind.is_session else None
        ):
            return True
        if any(self._released_by_the_handler(life, binding, close) for close in closes):
            return True
        return any(
            self._nothing_can_raise_between(binding, close, scope)
            and not self._callee_may_raise_first(life, close, scope)
            for close in closes
        )

    def _callee_may_raise_first(self, life: Lifetime, close: cst.Call, scope: Scope) -> bool:
        """`insert_rates(conn)` right after `conn = engine.connect()`, where the project's
        `insert_rates` closes it at its end: what the callee does with it first may
        raise and skip that close (unless the callee catches every exception)."""
        return life.given_to(close) and not self.resolver.swallows_errors(close, scope)

    def _released_by_the_handler(
        self, life: Lifetime, binding: cst.CSTNode, close: cst.Call
    ) -> bool:
        """`session = Session()` followed at once by a `try:` whose body closes it and
        whose broad `except` rolls it back (or closes it): a session's `rollback()`
        returns its connection, so an exception in the body leaks nothing."""
        name = life.variable
        if name is None:
            return False
        handled = self._enclosing_try_body(close)
        if handled is None:
            return False
        releases = ("close", "rollback") if life.kind.is_session else ("close",)
        if not any(
            catches_everything(handler) and _calls_method(handler, name, releases)
            for handler in handled.handlers
        ):
            return False
        creation_line = self.model.parent(self.model.statement_of(binding))
        block = self.model.parent(creation_line) if creation_line is not None else None
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or creation_line not in body:
            return False
        index = body.index(creation_line)
        return index + 1 < len(body) and body[index + 1] is handled

    def _enclosing_try_body(self, node: cst.CSTNode) -> cst.Try | None:
        """The `try` whose body (not a handler, `else` or `finally`) holds `node`."""
        child: cst.CSTNode = node
        for ancestor in self._ancestors_in_scope(node):
            if isinstance(ancestor, cst.Try):
                return ancestor if child is ancestor.body else None
            child = ancestor
        return None

    def _closed_on_every_exception(self, closes: list[cst.Call]) -> bool:
        """A close in a broad `except` that re-raises plus one on the normal path."""
        in_handler = [c for c in closes if self._in_broad_handler(c)]
        return bool(in_handler) and len(in_handler) < len(closes)

    def _handlers_follow_creation(
        self,
        binding: cst.CSTNode,
        closes: list[cst.Call],
        scope: Scope,
        session: str | None = None,
    ) -> bool:
        """Whether a `try` whose broad handler closes the resource starts with nothing
        that can raise since its creation (`session = Session()`, then `user =
        session.query(...).first()` outside the `try`: an exception there skips both
        closes). The `try` may sit in a statement of the creation's block (an `if`);
        shapes where it is not in that block are taken as they were written.
        `session`: the name of a session, which takes a connection only for its first
        statement: what only builds a query on it before the `try` (`query =
        session.query(Run)`, `query = query.filter_by(...)`) may raise, but leaves
        nothing to leak."""
        creation_line = self.model.parent(self.model.statement_of(binding))
        block = self.model.parent(creation_line) if creation_line is not None else None
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or creation_line not in body:
            return True
        for close in closes:
            if not self._in_broad_handler(close):
                continue
            outermost: cst.CSTNode | None = close
            while outermost is not None and self.model.parent(outermost) is not block:
                outermost = self.model.parent(outermost)
            if outermost is None or outermost not in body:
                return True
            between = body[body.index(creation_line) + 1 : body.index(outermost)]
            queries: set[str] = set()
            if all(
                _swallows_everything(statement)
                or _cannot_raise(statement)
                or self._only_calls_error_swallowing_helpers(statement, scope)
                or (session is not None and self._leaves_unconnected(statement, session, queries))
                for statement in between
            ):
                return True
        return False

    def _leaves_unconnected(self, statement: cst.CSTNode, session: str, queries: set[str]) -> bool:
        """Whether `statement` uses the session `session` (and the queries built on it
        so far, `queries`, to which it adds those it binds) only to build queries:
        `query = session.query(Run)`, `if flag: query = query.filter_by(...)`. No
        statement runs, so the session holds no connection yet."""
        for node in nodes_of(statement, cst.Name):
            if node.value != session and node.value not in queries:
                continue
            parent = self.model.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue  # (`session.query`'s `query`: a method's name, not the local)
            if isinstance(parent, cst.AssignTarget) and parent.target is node:
                continue  # (rebinding a query name: its value is checked on its own)
            if not self._binds_a_query(node, queries):
                return False
        return True

    def _binds_a_query(self, reference: cst.Name, queries: set[str]) -> bool:
        """`reference` starts a chain of query-building calls (`session.query(Run)
        .filter_by(...)`) that is the whole value of `name = ...`; `name` joins
        `queries`."""
        node: cst.CSTNode = reference
        while True:
            attribute = self.model.parent(node)
            if not isinstance(attribute, cst.Attribute) or attribute.value is not node:
                break
            call = self.model.parent(attribute)
            if (
                not isinstance(call, cst.Call)
                or call.func is not attribute
                or attribute.attr.value not in _QUERY_BUILDERS
            ):
                return False
            node = call
        assign = self.model.parent(node)
        if (
            node is reference
            or not isinstance(assign, cst.Assign)
            or assign.value is not node
            or len(assign.targets) != 1
            or not isinstance(assign.targets[0].target, cst.Name)
        ):
            return False
        queries.add(assign.targets[0].target.value)
        return True

    def _in_broad_handler(self, node: cst.CSTNode) -> bool:
        for ancestor in self._ancestors_in_scope(node):
            if isinstance(ancestor, cst.ExceptHandler):
                return catches_everything(ancestor)
        return False

    def _nothing_can_raise_between(
        self, binding: cst.CSTNode, close: cst.Call, scope: Scope
    ) -> bool:
        """The close follows the creation with nothing risky between: in the same
        block, or first thing in the `else:` of the `try` whose body made it (`try: c =
        engine.connect()` / `except ConnectionError: pass` / `else: c.close()`: the
        `else` runs right after the body).

        Statements between are safe when each is a `try` whose broad handler
        swallows every exception (no `raise`, no `return`), or only calls project
        functions that do so themselves (`metrics = service.get_metrics(db, user)`).
        """
        between = self._statements_between(binding, close)
        return between is not None and all(
            _swallows_everything(statement)
            or _cannot_raise(statement)
            or self._only_calls_error_swallowing_helpers(statement, scope)
            for statement in between
        )

    def _only_calls_error_swallowing_helpers(self, statement: cst.CSTNode, scope: Scope) -> bool:
        """`result = helper(db, user_id)` or `await helper(db)`, where `helper` is a
        project function whose body catches every exception (its arguments names,
        attributes or literals, so that evaluating them raises nothing either)."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            assigns_names = (
                isinstance(small, cst.Assign) and all(_names_only(t.target) for t in small.targets)
            ) or (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name))
            if not (isinstance(small, cst.Expr) or assigns_names):
                return False
            value = getattr(small, "value", None)
            if isinstance(value, cst.Await):
                value = value.expression
            if not (
                isinstance(value, cst.Call)
                and all(not a.star and _plain_operand(a.value) for a in value.args)
                and self.resolver.swallows_errors(value, scope)
            ):
                return False
        return True

    def _statements_between(
        self, binding: cst.CSTNode, close: cst.Call
    ) -> list[cst.CSTNode] | None:
        """The statements that run between the creation and the close, when they are
        in one block or in a `try`'s body and its `else`; None otherwise."""
        creation_line = self.model.parent(self.model.statement_of(binding))
        close_line = self.model.parent(self.model.statement_of(close))
        block = self.model.parent(creation_line) if creation_line else None
        if block is None or close_line is None or creation_line is None:
            return None
        closing_block = self.model.parent(close_line)
        attempt = self.model.parent(block)
        if (
            isinstance(attempt, cst.Try)
            and attempt.body is block
            and attempt.orelse is not None
            and closing_block is attempt.orelse.body
        ):
            made = list(block.body)
            closing = list(attempt.orelse.body.body)
            return [
                *made[made.index(creation_line) + 1 :],
                *closing[: closing.index(close_line)],
            ]
        if closing_block is not block:
            return None
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)):
            return None
        try:
            first = body.index(creation_line)
            last = body.index(close_line)
        except ValueError:
            return None
        return list(body[first + 1 : last])


def _calls_method(node: cst.CSTNode, name: str, methods: tuple[str, ...]) -> bool:
    """Whether `node` calls `name.<method>()` for one of `methods`."""
    return any(
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value in methods
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == name
        for call in nodes_of(node, cst.Call)
    )


def _calls_close_all_sessions(summary: ModuleSummary) -> bool:
    return any(
        site.callee.rpartition(".")[2] == "close_all_sessions"
        for function in summary.functions.values()
        for site in function.calls
    )


def _passes_any(call: cst.Call, parameters: tuple[tuple[int, str], ...], scope: Scope) -> bool:
    """Whether `call` gives a value for any of `parameters` ((position, name) pairs), by
    position or by keyword; any `*args` or `**kwargs` may. `None` gives none, nor does
    a parameter of the caller that is `None` unless its own caller passes one
    (`def init(session=None): Wrapper(session=session)`)."""
    if parameters and any(arg.star for arg in call.args):
        return True
    positional = [a for a in call.args if a.keyword is None]
    for position, name in parameters:
        given = [a for a in call.args if a.keyword is not None and a.keyword.value == name]
        if position < len(positional):
            given.append(positional[position])
        if any(not _none_by_default(a.value, scope) for a in given):
            return True
    return False


def _none_by_default(value: cst.BaseExpression, scope: Scope) -> bool:
    if not isinstance(value, cst.Name):
        return False
    if value.value == "None":
        return True
    param = scope.params.get(value.value)
    default = param.default if param is not None else None
    return (
        isinstance(default, cst.Name)
        and default.value == "None"
        and value.value not in scope.assignments
    )


def _binds(argument: cst.Arg | None) -> bool:
    return (
        argument is not None and argument.keyword is not None and argument.keyword.value == "bind"
    )


def _is_comprehension_value(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return parent.elt is node
    if isinstance(parent, cst.DictComp):
        return parent.value is node
    return False


class _RaiseFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Raise(self, node: cst.Raise) -> bool:
        self.found = True
        return False

    def visit_Return(self, node: cst.Return) -> bool:
        self.found = True
        return False


# Builtins that may be given a connection or session without using it.
_DECORATING_BUILTINS = frozenset({"setattr", "getattr", "hasattr", "isinstance", "id", "type"})


class _CallFinder(cst.CSTVisitor):
    def __init__(self, using: str | None) -> None:
        self.using = using
        self.found: cst.Call | None = None

    def visit_Call(self, node: cst.Call) -> bool:
        if self.found is None and (self.using is None or _mentions(node, self.using)):
            self.found = node
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # defined here, run later

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _opens_a_cursor(statement: cst.CSTNode, name: str) -> bool:
    """`cursor = connection.cursor(DictCursor)`: a DBAPI cursor is made on the client,
    with no round trip to the server, so nothing there can fail for the connection."""
    call = _lone_method_call(statement, name, frozenset({"cursor"}), assigned=True)
    return call is not None and all(
        isinstance(a.value, (cst.Name, cst.Attribute)) for a in call.args
    )


def _lone_method_call(
    statement: cst.CSTNode, name: str, methods: frozenset[str], assigned: bool
) -> cst.Call | None:
    """The call `name.<method>(...)` (a method of `methods`) that `statement` is and
    does nothing else than (or, with `assigned`, assigns to a name as well)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    kinds = (cst.Assign, cst.Expr) if assigned else (cst.Expr,)
    value = small.value if isinstance(small, kinds) else None
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in methods
        and isinstance(value.func.value, cst.Name)
        and value.func.value.value == name
    ):
        return value
    return None


# Session methods that only stage objects in memory: no SQL, so no connection taken.
_STAGING_METHODS = frozenset({"add", "add_all", "expunge", "expunge_all"})


def _only_stages(statement: cst.CSTNode, name: str) -> bool:
    """`session.add(Error(message=msg))`: staging an object in the session runs no SQL
    (the flush does, later), so it neither takes a connection nor fails for one; a
    new object's arguments are plain values, which cannot fail for the session either."""
    return _lone_method_call(statement, name, _STAGING_METHODS, assigned=False) is not None


def _first_call(statement: cst.CSTNode, using: str | None = None) -> cst.Call | None:
    """The first call `statement` makes (with `using`, the first that mentions it)."""
    finder = _CallFinder(using)
    statement.visit(finder)
    return finder.found


def _sets_options(call: cst.Call) -> bool:
    """`conn.execution_options(...)`: the connection it is called on (followed from
    where that was made), not a new one."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in SAME_OBJECT_METHODS


def _made_from(call: cst.Call, name: str) -> bool:
    """`name.connect()`, `Session(name)`, `sessionmaker(bind=name)`."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == name
    ):
        return True
    return any(isinstance(a.value, cst.Name) and a.value.value == name for a in call.args)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(n.value == name for n in nodes_of(node, cst.Name, into_functions=True))


_LITERALS = (cst.SimpleString, cst.Integer, cst.Float)


# Methods of a session and of its legacy `Query` that build a query and run nothing.
_QUERY_BUILDERS = frozenset(
    {
        "query",
        "filter",
        "filter_by",
        "order_by",
        "group_by",
        "having",
        "join",
        "outerjoin",
        "options",
        "limit",
        "offset",
        "distinct",
        "where",
        "select_from",
        "with_entities",
    }
)


def _cannot_raise(statement: cst.CSTNode) -> bool:
    """`print("Connection success!")`, `pass`, `done = True`: a line of literals only."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Pass):
            continue
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            call = small.value
            if (
                isinstance(call.func, cst.Name)
                and call.func.value == "print"
                and all(isinstance(a.value, _LITERALS) and not a.star for a in call.args)
            ):
                continue
        if (
            isinstance(small, cst.Assign)
            and all(isinstance(t.target, cst.Name) for t in small.targets)
            and (
                isinstance(small.value, _LITERALS)
                or (
                    isinstance(small.value, cst.Name)
                    and small.value.value in ("True", "False", "None")
                )
            )
        ):
            continue
        return False
    return True


def _names_only(target: cst.BaseExpression) -> bool:
    """`x` or `x, y`: assigning to it cannot raise."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _names_only(e.value) for e in target.elements)
    return isinstance(target, cst.Name)


def _plain_operand(value: cst.BaseExpression) -> bool:
    """A literal, a name or an attribute of one (`self.limit`): evaluating it as an
    argument raises nothing."""
    while isinstance(value, cst.Attribute):
        value = value.value
    return isinstance(value, (cst.Name, *_LITERALS))


def _swallows_everything(statement: cst.CSTNode) -> bool:
    """A `try` whose every handler lets nothing out, a broad one among them; or a loop
    over a name whose body is only such statements (`for table in tables: try: ...
    except: pass`)."""
    if (
        isinstance(statement, cst.For)
        and statement.orelse is None
        and isinstance(statement.iter, (cst.Name, cst.Attribute))
        and isinstance(statement.body, cst.IndentedBlock)
    ):
        return all(_swallows_everything(s) or _cannot_raise(s) for s in statement.body.body)
    if not isinstance(statement, cst.Try) or statement.finalbody is not None:
        return False
    if not any(catches_everything(h) for h in statement.handlers):
        return False
    # Every handler, not only the broad one: an `except ValueError: raise` before
    # `except Exception: pass` lets that error out.
    for handler in statement.handlers:
        finder = _RaiseFinder()
        handler.body.visit(finder)
        if finder.found:
            return False
    return True


def _refers_to_a_class(value: Value) -> bool:
    return value.ref is not None and value.ref.kind is RefKind.CLASS


# What a mock hands to whatever calls it (`Mock(return_value=...)`, `patch(...,
# side_effect=...)`).
_MOCK_RESULTS = frozenset({"return_value", "side_effect"})


def _keyword(argument: cst.Arg) -> str | None:
    return argument.keyword.value if argument.keyword is not None else None


# `self.assertRaises(OperationalError)` as a context manager (unittest).
_RAISES_METHODS = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp"})
