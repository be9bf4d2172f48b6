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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from .contexts import ExecutionContexts
from .flow import comes_before, nodes_of
from .inference import Resolver
from .kinds import Kind
from .model import ModuleModel, Scope, binding_scope

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
_BROAD = frozenset({"Exception", "BaseException"})


@dataclass
class BrokenSession:
    handler: cst.ExceptHandler
    name: str  # the session as written: `session`, `self.db`, `db.session`
    failing: str  # the call that fails in the `try`, as written: `session.commit()`
    next_use: str  # where it is refused next, in words


def broken_sessions(
    model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts
) -> Iterator[BrokenSession]:
    calls = _session_calls(model, resolver)
    reported: set[int] = set()
    for (_, name), own in calls.items():
        for call, method in own:
            if not _flushes(model, call, method, own):
                continue
            found = _catching_handler(model, resolver, call, name)
            if found is None:
                continue
            attempt, handler = found
            if id(handler) in reported or _recovers(model, attempt, handler, name):
                continue
            long_lived = _module_level(model, resolver, call, name)
            next_use = _next_use(model, contexts, attempt, handler, name, own, long_lived)
            if next_use is None:
                continue
            reported.add(id(handler))
            yield BrokenSession(handler, name, f"{name}.{method}()", next_use)


_Calls = dict[tuple[int, str], list[tuple[cst.Call, str]]]


def _session_calls(model: ModuleModel, resolver: Resolver) -> _Calls:
    """Method calls on sessions, by (function, session as written), in source order."""
    found: _Calls = {}
    kinds: dict[tuple[int, str], bool] = {}
    for call in model.calls:
        func = call.func
        if not isinstance(func, cst.Attribute):
            continue
        scope = model.enclosing_scope.get(call)
        if scope is None:
            continue
        name = model.module.code_for_node(func.value)
        key = (id(scope), name)
        if key not in kinds:
            kinds[key] = resolver.kind_of(func.value, scope) in _SESSION_KINDS
        if kinds[key]:
            found.setdefault(key, []).append((call, func.attr.value))
    return found


def _flushes(
    model: ModuleModel, call: cst.Call, method: str, own: list[tuple[cst.Call, str]]
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


def _catching_handler(
    model: ModuleModel, resolver: Resolver, call: cst.Call, name: str
) -> tuple[cst.Try, cst.ExceptHandler] | None:
    """The `try` whose body holds `call` and its handler that catches what the flush
    raises; None when a `with` around the call rolls back or closes the session
    first (`with session.begin():`, `with Session() as session:`)."""
    child: cst.CSTNode = call
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.With) and _with_resets(model, ancestor, name):
            return None
        if isinstance(ancestor, cst.Try) and child is ancestor.body:
            for handler in ancestor.handlers:
                if _catches_flush_errors(resolver, handler.type):
                    return ancestor, handler
        child = ancestor
    return None


def _with_resets(model: ModuleModel, block: cst.With, name: str) -> bool:
    for item in block.items:
        if item.asname is not None and model.module.code_for_node(item.asname.name) == name:
            return True  # the block opened the session: it closes it on the way out
        value = item.item
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("begin", "begin_nested")
            and model.module.code_for_node(value.func.value) == name
        ):
            return True
    return False


def _catches_flush_errors(resolver: Resolver, caught: cst.BaseExpression | None) -> bool:
    if caught is None:
        return True
    if isinstance(caught, cst.Tuple):
        return any(_catches_flush_errors(resolver, e.value) for e in caught.elements)
    if isinstance(caught, cst.Name) and caught.value in _BROAD:
        return True
    qualified = resolver.qualify(caught) or ""
    return qualified.startswith(("sqlalchemy.exc.", "sqlalchemy.orm.exc.", "sqlmodel.exc"))


def _recovers(model: ModuleModel, attempt: cst.Try, handler: cst.ExceptHandler, name: str) -> bool:
    """Whether the handler (or the `finally`) rolls the session back or closes it,
    or hands it to a function (which may), or leaves by `raise`."""
    places: list[cst.CSTNode] = [handler.body]
    if attempt.finalbody is not None:
        places.append(attempt.finalbody)
    for place in places:
        for call in nodes_of(place, cst.Call):
            func = call.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in _RECOVERIES
                and model.module.code_for_node(func.value) == name
            ):
                return True
            if any(model.module.code_for_node(a.value) == name for a in call.args):
                return True
            if (
                name.startswith("self.")
                and isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.value.value == "self"
            ):
                return True  # a method of the object that owns the session may
    return _leaves(handler) == "raise"


def _leaves(handler: cst.ExceptHandler) -> str | None:
    """How the handler always leaves the function: "raise", "return", or None."""
    for line in handler.body.body:
        if isinstance(line, cst.SimpleStatementLine):
            for statement in line.body:
                if isinstance(statement, cst.Raise):
                    return "raise"
                if isinstance(statement, cst.Return):
                    return "return"
    return None


def _next_use(
    model: ModuleModel,
    contexts: ExecutionContexts,
    attempt: cst.Try,
    handler: cst.ExceptHandler,
    name: str,
    own: list[tuple[cst.Call, str]],
    long_lived: bool,
) -> str | None:
    """Where the broken session is used next, in words; None when it is not."""
    leaves = _leaves(handler)
    if leaves is None:
        inside = set(map(id, nodes_of(attempt, cst.Call)))
        for call, method in own:
            if (
                method in _DATABASE_USES
                and id(call) not in inside
                and comes_before(model, attempt, call)
            ):
                return f"`{name}.{method}()` after the `try`"
        loop = contexts.enclosing_loop(attempt)
        if loop is not None and not _breaks(handler):
            return "the loop's next iteration"
    if long_lived and leaves != "raise":
        return "every later use of this module-level session"
    return None


def _breaks(handler: cst.ExceptHandler) -> bool:
    return any(
        isinstance(statement, cst.Break)
        for line in handler.body.body
        if isinstance(line, cst.SimpleStatementLine)
        for statement in line.body
    )


def _module_level(model: ModuleModel, resolver: Resolver, call: cst.Call, name: str) -> bool:
    """Whether `name` is a session made once at module level (not a scoped registry,
    whose sessions a web framework removes after each request)."""
    scope: Scope | None = model.enclosing_scope.get(call)
    if "." in name or scope is None or scope.is_module:
        return False
    bound = binding_scope(name, scope)
    if bound is None or not bound.is_module:
        return False
    return resolver.kind_of(cst.Name(name), scope) in (Kind.SESSION, Kind.ASYNC_SESSION)
