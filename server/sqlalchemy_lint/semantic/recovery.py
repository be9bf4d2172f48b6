"""Sessions left broken by a failed flush (SQA110).

When a session's flush fails — in `commit()`, in `flush()`, or in a query that
autoflushes objects added before it — SQLAlchemy rolls the session's transaction
back internally and then refuses every database operation on that session with
`PendingRollbackError` ("This Session's transaction has been rolled back due to a
previous exception during flush") until `rollback()` or `close()` is called. A
statement that merely fails (`session.execute(text(...))` with nothing pending)
does not break the session.

This module finds `except` clauses that catch such a failure (bare, `Exception`,
`BaseException`, anything from `sqlalchemy.exc`) raised by a flush of a session in
their `try` body, that neither roll the session back nor leave, while the session
is used again: later in the function, in the next iteration of a loop around the
`try`, or — for a session created once at module level — by every later caller.
The session is known by what it is (an annotation, a factory call, a scoped
registry, Flask-SQLAlchemy's `db.session`), never by its name.

It also finds failures no `except` of the code catches, but a framework does and
goes on: a commit in a Scrapy item pipeline (see `item_pipelines.py`) on a session
that outlives the item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .contexts import ExecutionContexts
from .fixtures import receives_fixtures
from .flow import comes_before, exclusive, nodes_of, within
from .inference import Resolver
from .item_pipelines import opened_for_the_crawl, runs_per_item
from .kinds import BROAD_EXCEPTIONS, Kind
from .model import ModuleModel, Scope, binding_scope
from .parameter_fates import called_function
from .project import is_test_file
from .repetition import Repetition
from .summary import FunctionInfo
from .values import ModuleKey

# Calls that flush whatever is pending.
_FLUSHES = frozenset({"commit", "flush"})
# Calls that autoflush first: they fail on what `add()` & co. left pending.
_AUTOFLUSHES = frozenset(
    {"execute", "scalar", "scalars", "get", "get_one", "query", "refresh", "exec", "merge"}
)
_CHANGES = frozenset({"add", "add_all", "delete", "merge"})
# What a broken session refuses (`add()` and `close()` still work).
_DATABASE_USES = frozenset(
    {
        "commit",
        "flush",
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "query",
        "refresh",
        "merge",
        "begin",
        "begin_nested",
        "connection",
        "exec",
        "stream",
        "stream_scalars",
    }
)
_RECOVERIES = frozenset({"rollback", "close", "remove", "reset"})
_SESSION_KINDS = frozenset({Kind.SESSION, Kind.ASYNC_SESSION, Kind.SCOPED_SESSION})
# What `one()` / `scalar_one()` raise about the rows a query found: never a flush's.
_QUERY_RESULT_ERRORS = frozenset({"NoResultFound", "MultipleResultsFound", "ObjectDeletedError"})


@dataclass
class BrokenSession:
    handler: cst.ExceptHandler
    name: str  # the session as written: `session`, `self.db`, `db.session`
    failing: str  # the call that fails in the `try`, in words: "`session.commit()`"
    next_use: str  # where it is refused next, in words


def broken_sessions(
    model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts
) -> Iterator[BrokenSession]:
    calls = _session_calls(model, resolver)
    reported: set[int] = set()
    for (_, name), own in calls.items():
        for call, method in own:
            if method is None:
                if not _helper_flushes(resolver, call, name):
                    continue
                helper = dotted(call.func) or "the call"
                failing = f"`{helper}()`, which commits or flushes `{name}`,"
            elif _flushes(model, call, method, own):
                failing = f"`{name}.{method}()`"
            else:
                continue
            # Each handler that catches the failure is a path of its own.
            for attempt, handler in _catching_handlers(model, resolver, call, name):
                if id(handler) in reported or _recovers(model, attempt, handler, name):
                    continue
                if _statement_errors_only(resolver, handler.type) and _nothing_pending(
                    model, resolver, call, name, own
                ):
                    # `except IntegrityError:` around `session.execute(insert)` and a
                    # commit of nothing else: the statement failed, not a flush.
                    continue
                long_lived = _outlives_call(model, resolver, contexts, call, name) or _scoped_again(
                    model, resolver, contexts, call, name
                )
                next_use = _next_use(model, contexts, attempt, handler, name, own, long_lived)
                if next_use is None:
                    continue
                reported.add(id(handler))
                yield BrokenSession(handler, name, failing, next_use)
    yield from _module_sessions_committed_by_calls(model, resolver, contexts, reported)


@dataclass
class EscapedFailure:
    call: cst.Call  # the commit or flush
    name: str  # the session as written: `self.session`, `session`
    method: str  # `commit` or `flush`
    kept: str  # how it outlives the item, in words


def failures_escaping_to_the_crawl(
    model: ModuleModel, resolver: Resolver
) -> Iterator[EscapedFailure]:
    """A commit or flush, outside any `try` and any `with` that resets the session, in
    a method of a Scrapy item pipeline that runs per item, on a session that outlives
    the item: one the pipeline keeps for the crawl (`self.session`, opened in
    `open_spider`) or one a module keeps for the process. Its failure escapes to
    Scrapy, which drops the item and calls the pipeline with the next one, on the same
    broken session. Not when the pipeline rolls that session back anywhere (a
    `process_item` that wraps its helpers in `try: ... except: ...rollback(); raise`)."""
    per_item: dict[int, bool] = {}
    for call in model.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _FLUSHES:
            continue
        scope = model.enclosing_scope.get(call)
        if scope is None or scope.class_info is None:
            continue
        if id(scope) not in per_item:
            per_item[id(scope)] = runs_per_item(scope, model)
        if not per_item[id(scope)]:
            continue
        name = dotted(func.value)
        if name is None or resolver.kind_of(func.value, scope) not in _SESSION_KINDS:
            continue
        kept = _kept_beyond_the_item(model, resolver, scope, call, name)
        if kept is None or _guarded(model, call, name) or _rolled_back(model, scope, name):
            continue
        yield EscapedFailure(call, name, func.attr.value, kept)


def _kept_beyond_the_item(
    model: ModuleModel, resolver: Resolver, scope: Scope, call: cst.Call, name: str
) -> str | None:
    """How the session `name`, which a pipeline's per-item method commits, outlives the
    item, in words; None for a session of the item's own."""
    info = scope.class_info
    head, _, attribute = name.partition(".")
    if head == "self" and attribute and "." not in attribute and info is not None:
        method = opened_for_the_crawl(info, attribute)
        return f"opened in `{method}` for the whole crawl" if method else None
    if attribute or not _module_global(model, scope, name):
        return None
    if _module_level(model, resolver, call, name):
        return "the session its module keeps for the process"
    if resolver.kind_of(cst.Name(name), scope) is Kind.SCOPED_SESSION:
        # Scrapy runs the pipeline in one thread: the registry's one session.
        return "the scoped session its module keeps for Scrapy's one thread"
    return None


def _guarded(model: ModuleModel, call: cst.Call, name: str) -> bool:
    """Whether a `try` (whose handlers the other checks judge) or a `with` that rolls
    the session back surrounds `call` in its function, or it never runs (`if item and
    False:`, a branch switched off)."""
    child: cst.CSTNode = call
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if isinstance(ancestor, cst.Try) or (
            isinstance(ancestor, cst.With) and _with_resets(ancestor, name)
        ):
            return True
        if isinstance(ancestor, cst.If) and child is ancestor.body and _never_true(ancestor.test):
            return True
        child = ancestor
    return False


def _never_true(test: cst.BaseExpression) -> bool:
    """`False`, `0`, `None`, or such a value joined by `and` to anything."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _never_true(test.left) or _never_true(test.right)
    if isinstance(test, cst.Name):
        return test.value in ("False", "None")
    return isinstance(test, cst.Integer) and test.value == "0"


def _rolled_back(model: ModuleModel, scope: Scope, name: str) -> bool:
    """Whether the pipeline's class (for `self.` sessions) or the module (for others)
    rolls `name` back somewhere, or removes the registry's session: the pipeline may
    recover from the failure where it calls the method that commits."""
    info = scope.class_info
    region: cst.CSTNode = info.node if name.startswith("self.") and info else model.module
    for call in model.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("rollback", "remove")
            and dotted(func.value) == name
            and within(model, call, region)
        ):
            return True
    return False


def _module_sessions_committed_by_calls(
    model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts, reported: set[int]
) -> Iterator[BrokenSession]:
    """A call, in a `try` of a function, of a project function or method that commits
    a session its own module keeps for the process, outside any `try` of its own
    (`photo.approve()`, whose body is `db_session.commit()` on the models' module-level
    session): the failure is caught here, and the module's session stays broken for
    every later use, unless the handler rolls it back. (A scoped registry only when
    this function runs again and again outside requests: a web framework removes the
    request's session after each.)"""
    catching = _scopes_with_handlers(model)
    for call in model.calls:
        scope = model.enclosing_scope.get(call)
        if scope is None or scope.is_module or id(scope) not in catching:
            continue
        if _innermost_try(model, call) is None:
            continue
        found = called_function(resolver.evaluator, resolver.value_of(call.func, scope).ref)
        if found is None:
            continue
        module, info, _ = found
        for name in sorted(info.flushed):
            long_lived = _kept_by_module(resolver, contexts, scope, module, info, name)
            if long_lived is None:
                continue
            for attempt, handler in _catching_handlers(model, resolver, call, name):
                if id(handler) in reported or _recovers(model, attempt, handler, name):
                    continue
                next_use = _next_use(model, contexts, attempt, handler, name, [], long_lived)
                if next_use is None:
                    continue
                reported.add(id(handler))
                helper = dotted(call.func) or "the call"
                yield BrokenSession(
                    handler, name, f"`{helper}()`, which commits `{name}`,", next_use
                )


def _next_call_of(repetition: Repetition, name: str) -> str:
    """Where a scoped registry's broken session is used next: by the thread's next run
    of the function that repeats."""
    return (
        f"the next call of `{repetition.function}` (it {repetition.why}, and the scoped "
        f"`{name}` keeps the same session for its thread until `remove()`)"
    )


def _kept_by_module(
    resolver: Resolver,
    contexts: ExecutionContexts,
    scope: Scope,
    module: ModuleKey,
    info: FunctionInfo,
    name: str,
) -> str | None:
    """Where the session `name`, which the function `info` of `module` commits, is used
    next in words, when it is one that module keeps at its top level for the process;
    None otherwise (a parameter, a local, an attribute)."""
    if "." in name or name in info.locals or any(p.name == name for p in info.params):
        return None
    evaluator = resolver.evaluator
    frame = evaluator.module_frame(module)
    kind = evaluator.module_name(frame, name).kind if frame is not None else None
    if kind in (Kind.SESSION, Kind.ASYNC_SESSION):
        return f"every later use of `{name}`, the session its module keeps for the process,"
    if kind is not Kind.SCOPED_SESSION:
        return None
    repetition = contexts.repetition(scope)
    if repetition is None or repetition.kind == "request":
        return None
    if contexts.registry_ended_elsewhere(name):
        return None  # a `remove()` that may run after each task, a teardown hook
    return _next_call_of(repetition, name)


# Method calls on a session (the method's name), and calls given the session as an
# argument (None), by (scope, session as written). Optional, not `str | None`: an
# alias is evaluated at import, and Python 3.9 has no `|` between types.
_Calls = dict[tuple[int, str], list[tuple[cst.Call, Optional[str]]]]


def _session_calls(model: ModuleModel, resolver: Resolver) -> _Calls:
    """Calls on or with sessions, by (scope, session as written), in source order."""
    found: _Calls = {}
    kinds: dict[tuple[int, str], bool] = {}

    by_use = _sessions_by_use(model, resolver)
    # Only a call in a `try` body, in the same scope, is caught: the kinds of what the
    # other scopes call are not asked for (most functions have no `try`).
    catching = _scopes_with_handlers(model)
    if not catching:
        return found

    def is_session(expr: cst.BaseExpression, name: str, scope: Scope) -> bool:
        key = (id(scope), name)
        if key not in kinds:
            kinds[key] = resolver.kind_of(expr, scope) in _SESSION_KINDS or key in by_use
        return kinds[key]

    for call in model.calls:
        scope = model.enclosing_scope.get(call)
        if scope is None or id(scope) not in catching:
            continue
        func = call.func
        if isinstance(func, cst.Attribute):
            name = dotted(func.value)
            if name is not None and is_session(func.value, name, scope):
                found.setdefault((id(scope), name), []).append((call, func.attr.value))
        for arg in call.args:
            name = dotted(arg.value)
            if name is not None and is_session(arg.value, name, scope):
                found.setdefault((id(scope), name), []).append((call, None))
    return found


def _scopes_with_handlers(model: ModuleModel) -> set[int]:
    """The scopes (by id) that directly hold a `try` with `except` handlers."""
    scopes: set[int] = set()
    for node in model.parents:
        if type(node) is not cst.Try or not node.handlers:
            continue
        for ancestor in model.ancestors(node):
            scope = model.scope_of.get(ancestor)
            if scope is not None:
                scopes.add(id(scope))
                break
    return scopes


def dotted(expr: cst.BaseExpression, limit: int = 4) -> str | None:
    """`expr` as written when it is a name or a short attribute chain (`db.session`),
    else None. Iterative and bounded: a chain a thousand long is not a session."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute) and len(parts) < limit:
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def _helper_flushes(resolver: Resolver, call: cst.Call, name: str) -> bool:
    """`create_order(session, ...)` where the project's `create_order` commits or
    flushes that parameter outside any `try` of its own: its failure reaches here."""
    return any(
        found is not None and found[1] in found[0].flushed
        for found in _parameters_given(resolver, call, name)
    )


def _parameters_given(
    resolver: Resolver, call: cst.Call, name: str
) -> Iterator[tuple[FunctionInfo, str] | None]:
    """For each argument of `call` that is the session `name`: the project function
    called and its parameter that receives it, or None when that cannot be told."""
    scope = resolver.model.enclosing_scope[call]
    for arg in call.args:
        if dotted(arg.value) == name:
            yield resolver.callee_parameter(call, arg, scope)


def _flushes(
    model: ModuleModel, call: cst.Call, method: str, own: list[tuple[cst.Call, str | None]]
) -> bool:
    """Whether `call` flushes: a commit or flush, or a query after a change made in
    the same `try` body (autoflush)."""
    if method in _FLUSHES:
        return True
    if method not in _AUTOFLUSHES:
        return False
    attempt = _innermost_try(model, call)
    if attempt is None:
        return False
    return any(
        other_method in _CHANGES
        and other is not call
        and _innermost_try(model, other) is attempt
        and comes_before(model, other, call)
        for other, other_method in own
    )


def _innermost_try(model: ModuleModel, node: cst.CSTNode) -> cst.Try | None:
    child = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.Try) and child is ancestor.body:
            return ancestor
        child = ancestor
    return None


def _catching_handlers(
    model: ModuleModel, resolver: Resolver, call: cst.Call, name: str
) -> list[tuple[cst.Try, cst.ExceptHandler]]:
    """The handlers that catch what the flush in `call` raises, of the innermost `try`
    around it that has one; none when a `with` around the call rolls back or closes
    the session first (`with session.begin():`, `with Session() as session:`)."""
    child: cst.CSTNode = call
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return []
        if isinstance(ancestor, cst.With) and _with_resets(ancestor, name):
            return []
        if isinstance(ancestor, cst.Try) and child is ancestor.body:
            catching = [
                (ancestor, handler)
                for handler in ancestor.handlers
                if _catches_flush_errors(resolver, handler.type)
            ]
            if catching:
                return catching
        child = ancestor
    return []


def _with_resets(block: cst.With, name: str) -> bool:
    """Whether `block` opened the session `name` (it closes it on the way out) or
    begins a transaction or savepoint on it (rolled back on error)."""
    for item in block.items:
        target = item.asname.name if item.asname is not None else None
        if isinstance(target, (cst.Name, cst.Attribute)) and dotted(target) == name:
            return True
        value = item.item
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("begin", "begin_nested")
            and dotted(value.func.value) == name
        ):
            return True
    return False


def _sessions_by_use(model: ModuleModel, resolver: Resolver) -> set[tuple[int, str]]:
    """Sessions an object keeps (`self.session`) that no annotation or factory names,
    known by how the code uses them: `self.session.commit()` (or `flush()`) in a
    `try` whose handler names SQLAlchemy's own flush errors (`IntegrityError`,
    `DataError` from `sqlalchemy.exc`) is a SQLAlchemy session's commit. (A broad
    `except Exception` is not evidence: it catches anything's commit.)"""
    found: set[tuple[int, str]] = set()
    for call in model.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("commit", "flush"):
            continue
        name = dotted(func.value)
        scope = model.enclosing_scope.get(call)
        if name is None or not name.startswith("self.") or name.count(".") != 1 or scope is None:
            continue
        attempt = _innermost_try(model, call)
        if attempt is not None and any(
            _catches_flush_errors(resolver, handler.type, broad=False)
            for handler in attempt.handlers
        ):
            found.add((id(scope), name))
    return found


def _statement_errors_only(resolver: Resolver, caught: cst.BaseExpression | None) -> bool:
    """`except IntegrityError:`, `except (IntegrityError, DataError):`: errors a
    statement the database refuses raises, and nothing broader."""
    if caught is None:
        return False
    elements = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return all(
        (resolver.qualify(e) or "").rpartition(".")[2] in _STATEMENT_ERRORS for e in elements
    )


_STATEMENT_ERRORS = frozenset({"IntegrityError", "DataError"})


def _nothing_pending(
    model: ModuleModel,
    resolver: Resolver,
    call: cst.Call,
    name: str,
    own: list[tuple[cst.Call, str | None]],
) -> bool:
    """Whether the session `name` can hold no ORM change for its flush to send: it is
    made in this function (`session = sessionmaker(bind=engine)()`), which makes no
    change on it (`add()`, `delete()`, `merge()`), and each function it is handed to
    makes none either. Then a commit only ends what its statements did."""
    scope = model.enclosing_scope.get(call)
    if scope is None or "." in name or name in scope.params:
        return False
    assignments = scope.assignments.get(name, ())
    if not assignments or not all(isinstance(a.value, cst.Call) for a in assignments):
        return False
    for other, method in own:
        if method in _CHANGES:
            return False
        if method is None and _changes_what_it_is_given(resolver, other, name):
            return False
    return True


def _changes_what_it_is_given(resolver: Resolver, call: cst.Call, name: str) -> bool:
    """Whether the function `call` hands the session `name` to may add, delete or
    merge objects on it (a function the analysis cannot see may)."""
    for found in _parameters_given(resolver, call, name):
        if found is None:
            return True
        info, param = found
        if any(site.callee in {f"{param}.{m}" for m in _CHANGES} for site in info.calls):
            return True
    return False


def _catches_flush_errors(
    resolver: Resolver, caught: cst.BaseExpression | None, *, broad: bool = True
) -> bool:
    """Whether `except <caught>` catches what a failed flush raises: a class of
    `sqlalchemy.exc` (alone or in a tuple) and, with `broad`, a bare `except:`,
    `Exception` or `BaseException`."""
    if caught is None:
        return broad
    if isinstance(caught, cst.Tuple):
        return any(_catches_flush_errors(resolver, e.value, broad=broad) for e in caught.elements)
    if isinstance(caught, cst.Name) and caught.value in BROAD_EXCEPTIONS:
        return broad
    qualified = resolver.qualify(caught) or ""
    if qualified.rpartition(".")[2] in _QUERY_RESULT_ERRORS:
        return False
    return qualified.startswith(("sqlalchemy.exc.", "sqlalchemy.orm.exc.", "sqlmodel.exc"))


def _recovers(model: ModuleModel, attempt: cst.Try, handler: cst.ExceptHandler, name: str) -> bool:
    """Whether the handler (or the `finally`) rolls the session back or closes it,
    or hands it to a function (which may), or leaves by `raise`; or the handler
    replaces it (`self.conn = engine.connect()` before trying again): what the name
    holds after it is another object."""
    places: list[cst.CSTNode] = [handler.body]
    if attempt.finalbody is not None:
        places.append(attempt.finalbody)
    for assign in nodes_of(handler.body, cst.Assign):
        if any(dotted(target.target) == name for target in assign.targets):
            return True
    for place in places:
        for call in nodes_of(place, cst.Call):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in _RECOVERIES
                and dotted(func.value) == name
            ):
                return True
            if any(dotted(a.value) == name for a in call.args):
                return True
            if (
                name.startswith("self.")
                and isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == "self"
            ):
                return True  # a method of the object that owns the session may
            owner = name.rpartition(".")[0]
            if (
                owner
                and isinstance(func, cst.Attribute)
                and func.attr.value in _RECOVERIES
                and dotted(func.value) == owner
            ):
                return True  # `dao.rollback()` for `dao.db`: the owner's own rollback
    return _leaves(handler) == "raise"


def _leaves(handler: cst.ExceptHandler) -> str | None:
    """How the handler always ends: "raise", "return", "continue", "break", or None
    when it may fall through. An `if` whose every branch leaves leaves too (`raise e`
    in one branch, `raise Unknown from e` in the other)."""
    return _block_leaves(handler.body)


def _block_leaves(block: cst.BaseSuite) -> str | None:
    lines: Sequence[cst.CSTNode] = block.body if isinstance(block, cst.IndentedBlock) else [block]
    for line in lines:
        if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for statement in line.body:
                if isinstance(statement, cst.Raise) or _raises_by_call(statement):
                    return "raise"
                if isinstance(statement, cst.Return):
                    return "return"
                if isinstance(statement, cst.Continue):
                    return "continue"
                if isinstance(statement, cst.Break):
                    return "break"
        elif isinstance(line, cst.If):
            found = _branches_leave(line)
            if found is not None:
                return found
        elif isinstance(line, cst.With):
            found = _block_leaves(line.body)
            if found is not None:
                return found
    return None


# Calls that never return: they raise (`abort(500)` of Flask, flask-smorest,
# Werkzeug and Flask-RESTX; pytest's) or end the process.
_RAISING_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "pytest.fail", "pytest.skip"})


def _raises_by_call(statement: cst.BaseSmallStatement) -> bool:
    """`abort(404)`, `flask_smorest.abort(500, message=...)`, `sys.exit(1)`: a call
    statement that leaves by raising."""
    if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Call):
        return False
    name = dotted(statement.value.func) or ""
    return name.rpartition(".")[2] == "abort" or name in _RAISING_CALLS


def _branches_leave(statement: cst.If) -> str | None:
    """How an `if` with an `else` leaves when every branch does: the same way, else
    "return" when each raises or returns (nothing after it runs), else the way that
    lets the most run after it ("continue", then "break")."""
    ways: list[str | None] = []
    branch: cst.If | cst.Else | None = statement
    while isinstance(branch, cst.If):
        ways.append(_block_leaves(branch.body))
        branch = branch.orelse
    if branch is None:
        return None  # no `else`: it may fall through
    ways.append(_block_leaves(branch.body))
    if None in ways:
        return None
    found = set(ways)
    if len(found) == 1:
        return ways[0]
    if found <= {"raise", "return"}:
        return "return"
    return "continue" if "continue" in found else "break"


def _next_use(
    model: ModuleModel,
    contexts: ExecutionContexts,
    attempt: cst.Try,
    handler: cst.ExceptHandler,
    name: str,
    own: list[tuple[cst.Call, str | None]],
    long_lived: str | None,
) -> str | None:
    """Where the broken session is used next, in words; None when it is not."""
    leaves = _leaves(handler)
    if leaves in (None, "continue", "break"):
        loop = contexts.enclosing_loop(attempt)
        # `continue` and `break` skip the rest of the loop body.
        skipped = loop if leaves is not None and loop is not None else attempt
        inside = set(map(id, nodes_of(skipped, cst.Call)))
        # `try: ... except: log(e)` then `return result`: nothing below runs after it.
        end = _exit_after(model, attempt)
        for call, method in own:
            if (
                method in _DATABASE_USES
                and id(call) not in inside
                and comes_before(model, attempt, call)
                # (not in another arm of an `if` or another handler around both)
                and not exclusive(model, attempt, call)
                and (end is None or comes_before(model, call, end) or within(model, call, end))
                and not _reset_between(model, attempt, call, name)
            ):
                return f"`{name}.{method}()` after the `try`"
        if (
            loop is not None
            and leaves != "break"
            and not _reset_between(model, attempt, loop, name)
            and not _bound_in(model, loop, attempt, name, own)
        ):
            return "the loop's next iteration"
    if long_lived is not None and leaves != "raise":
        return long_lived
    return None


def _exit_after(model: ModuleModel, attempt: cst.Try) -> cst.CSTNode | None:
    """The first `return` or `raise` that follows `attempt` in its own block: code
    after it is not reached from the `try`."""
    block = model.parent(attempt)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None
    following = False
    for line in block.body:
        if line is attempt:
            following = True
        elif (
            following
            and isinstance(line, cst.SimpleStatementLine)
            and any(isinstance(s, (cst.Return, cst.Raise)) for s in line.body)
        ):
            return line
    return None


def _reset_between(model: ModuleModel, attempt: cst.Try, later: cst.CSTNode, name: str) -> bool:
    """Whether a `with` block that opened the session, or began a transaction or a
    savepoint on it, encloses `attempt` but not `later`: leaving it closed the session
    or rolled the failed (sub)transaction back, and the session is usable again."""
    around_later = {id(a) for a in model.ancestors(later)}
    for ancestor in model.ancestors(attempt):
        if id(ancestor) in around_later or ancestor is later:
            return False
        if isinstance(ancestor, cst.With) and _with_resets(ancestor, name):
            return True
    return False


def _bound_in(
    model: ModuleModel,
    loop: cst.CSTNode,
    attempt: cst.Try,
    name: str,
    own: list[tuple[cst.Call, str | None]],
) -> bool:
    """Whether the loop body binds `name` anew before `attempt`, or at the top of its
    body before the session's calls there (a new session per iteration)."""
    inside = [call for call, _ in own if within(model, call, attempt.body)]
    for assign in nodes_of(loop, cst.Assign):
        if not any(dotted(t.target) == name for t in assign.targets):
            continue
        if comes_before(model, assign, attempt):
            return True
        if within(model, assign, attempt.body) and all(
            comes_before(model, assign, call) for call in inside
        ):
            return True
    return False


def _outlives_call(
    model: ModuleModel,
    resolver: Resolver,
    contexts: ExecutionContexts,
    call: cst.Call,
    name: str,
) -> str | None:
    """Where a session that outlives the function is used next, in words: a
    module-level session, or one the object keeps (`self.session`), whose next query,
    in this call or a later one, finds it broken. (A session the caller gave is the
    caller's to roll back: the function may tell it by what it returns.)"""
    if _module_level(model, resolver, call, name):
        return "every later use of this module-level session"
    scope: Scope | None = model.enclosing_scope.get(call)
    if scope is None or scope.is_module or isinstance(scope.node, cst.Lambda):
        return None
    if name.startswith("self.") and binding_scope("self", scope) is scope:
        if receives_fixtures(scope):
            return None
        if name.count(".") == 1 and contexts.lent_for_one_call(scope, name.partition(".")[2]):
            return None  # `Service(db).route(id)`: the object ends with this call
        if _a_test_of_its_own(resolver, scope):
            return None  # the test case object ends with this test (then its teardown)
        return f"the next use of `{name}` by this object"
    return None


_CLASS_SETUPS = frozenset({"setUpClass", "setup_class"})


def _a_test_of_its_own(resolver: Resolver, scope: Scope) -> bool:
    """A test method (`def test_x(self)`) of a unittest `TestCase` class in a test
    module whose class sets nothing up once for all its tests (no `setUpClass` /
    `setup_class`): unittest makes a new object for each test, so what it keeps on
    `self` is used next only by that test's teardown, which may roll back or close it.
    (pytest's `Test...` classes, whose methods receive fixtures, are left out before.)"""
    info = scope.class_info
    node = scope.node
    if (
        info is None
        or not isinstance(node, cst.FunctionDef)
        or not node.name.value.startswith("test")
    ):
        return False
    if not (resolver.pytest_module or is_test_file(resolver.path)):
        return False
    if not any(b.endswith("TestCase") for b in info.base_names):
        return False
    body = info.node.body.body if isinstance(info.node.body, cst.IndentedBlock) else ()
    return not any(
        isinstance(statement, cst.FunctionDef) and statement.name.value in _CLASS_SETUPS
        for statement in body
    )


def _scoped_again(
    model: ModuleModel,
    resolver: Resolver,
    contexts: ExecutionContexts,
    call: cst.Call,
    name: str,
) -> str | None:
    """A scoped registry's session (`db.session`, a module's `scoped_session`) in a
    function that runs again and again outside requests (a worker thread's loop): the
    registry gives the thread the same broken session on the next call, until
    `remove()` (which web frameworks call only after each request)."""
    scope: Scope | None = model.enclosing_scope.get(call)
    if scope is None or scope.is_module or isinstance(scope.node, cst.Lambda):
        return None
    expr = cst.parse_expression(name)
    if resolver.kind_of(expr, scope) is not Kind.SCOPED_SESSION:
        return None
    repetition = contexts.repetition(scope)
    if repetition is None or repetition.kind != "loop":
        return None
    return _next_call_of(repetition, name)


def _module_level(model: ModuleModel, resolver: Resolver, call: cst.Call, name: str) -> bool:
    """Whether `name` is a session made once at module level (not a scoped registry,
    whose sessions a web framework removes after each request)."""
    scope: Scope | None = model.enclosing_scope.get(call)
    if "." in name or scope is None or scope.is_module:
        return False
    if not _module_global(model, scope, name):
        return False
    return resolver.kind_of(cst.Name(name), scope) in (Kind.SESSION, Kind.ASYNC_SESSION)


def _module_global(model: ModuleModel, scope: Scope, name: str) -> bool:
    """Whether `name`, as seen from `scope`, is a global of the module: bound at its top
    level, or imported (`from app.db import session`: another module's global)."""
    bound = binding_scope(name, scope)
    return bound.is_module if bound is not None else name in model.imports
