"""One AsyncSession or AsyncConnection given to coroutines that run at the same time
(SQA109).

An `AsyncSession` (and the `AsyncConnection` under it) runs one operation at a time;
two coroutines using it concurrently fail with "This session is provisioning a new
connection; concurrent operations are not permitted" or `IllegalStateChangeError`.
Coroutines run concurrently when they are handed together to `asyncio.gather()`,
`asyncio.wait()` or `asyncio.as_completed()`, or started as tasks
(`asyncio.create_task()`, `asyncio.ensure_future()`, a `TaskGroup`'s or a loop's
`create_task()`) more than once, or in a loop. This module finds those calls when
two or more of the coroutines receive the same session or connection, known as one
by what it is (an annotation, `async with factory() as session`, an
`async_sessionmaker` call), never by its name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from .contexts import ExecutionContexts
from .flow import nodes_of
from .inference import Resolver
from .kinds import Kind
from .model import ModuleModel, Scope, binding_scope

_GATHERS = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed"})
_TASK_STARTERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SHARED_KINDS = frozenset({Kind.ASYNC_SESSION, Kind.ASYNC_CONNECTION})


@dataclass
class ConcurrentUse:
    call: cst.Call  # the gather/wait call, or a task-starting call
    name: str  # the session or connection shared
    kind: Kind
    how: str  # in words: "are gathered", "are started as tasks in a loop", ...
    threads: bool = False  # threads of a pool or `threading.Thread`s, not coroutines


def concurrent_uses(
    model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts
) -> Iterator[ConcurrentUse]:
    tasks: dict[tuple[int, str], list[tuple[cst.Call, Kind, bool]]] = {}
    for call in model.calls:
        qualified = resolver.qualify(call.func) or ""
        if qualified in _GATHERS:
            yield from _gathered(model, resolver, call, qualified.rpartition(".")[2])
            continue
        if not _starts_task(call, qualified):
            continue
        coroutine = call.args[0].value if call.args else None
        if not isinstance(coroutine, cst.Call):
            continue
        for name, kind in _shared_arguments(model, resolver, coroutine):
            function = _function_of(model, call)
            looped = contexts.enclosing_loop(call) is not None
            tasks.setdefault((id(function), name), []).append((call, kind, looped))
    for (_, name), started in tasks.items():
        if len(started) < 2 and not started[0][2]:
            continue
        for call, kind, looped in started:
            how = "are started as tasks in a loop" if looped else "are started as tasks"
            yield ConcurrentUse(call, name, kind, how)


def _starts_task(call: cst.Call, qualified: str) -> bool:
    if qualified in _TASK_STARTERS:
        return True
    # `tg.create_task(...)` of a TaskGroup, `loop.create_task(...)`
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "create_task"


def _gathered(
    model: ModuleModel, resolver: Resolver, call: cst.Call, verb: str
) -> Iterator[ConcurrentUse]:
    counts: dict[str, tuple[int, Kind]] = {}
    for coroutine, many in _coroutines(call):
        for name, kind in _shared_arguments(model, resolver, coroutine):
            seen, _ = counts.get(name, (0, kind))
            counts[name] = (seen + (2 if many else 1), kind)
    for name, (seen, kind) in counts.items():
        if seen >= 2:
            yield ConcurrentUse(call, name, kind, f"are handed together to `{verb}()`")
            return


def _coroutines(call: cst.Call) -> Iterator[tuple[cst.Call, bool]]:
    """The coroutine calls a gather/wait call runs, and whether each stands for many
    (the element of a comprehension)."""
    for arg in call.args:
        if arg.keyword is not None:
            continue
        yield from _coroutines_in(arg.value)


def _coroutines_in(expr: cst.BaseExpression) -> Iterator[tuple[cst.Call, bool]]:
    if isinstance(expr, cst.Call):
        yield expr, False
    elif isinstance(expr, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
        if isinstance(expr.elt, cst.Call):
            yield expr.elt, True
    elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        for element in expr.elements:  # `[a(s), b(s)]`, `[*(f(s, i) for i in ids)]`
            yield from _coroutines_in(element.value)


def _shared_arguments(
    model: ModuleModel, resolver: Resolver, coroutine: cst.Call
) -> Iterator[tuple[str, Kind]]:
    """The sessions and connections a coroutine call is given, by name."""
    scope = model.enclosing_scope.get(coroutine)
    if scope is None:
        return
    seen: set[str] = set()
    for arg in coroutine.args:
        value = arg.value
        if not isinstance(value, cst.Name) or value.value in seen:
            continue
        kind = resolver.kind_of(value, scope)
        if kind in _SHARED_KINDS:
            assert kind is not None
            seen.add(value.value)
            yield value.value, kind


def _function_of(model: ModuleModel, call: cst.Call) -> cst.CSTNode | None:
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
            return ancestor
    return None


# -- threads --------------------------------------------------------------------------------

_THREAD_POOLS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.dummy.Pool",
    }
)
_POOL_MAPS = frozenset({"map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async"})
_THREAD_SHARED_KINDS = frozenset({Kind.SESSION, Kind.CONNECTION})


def thread_shared_uses(
    model: ModuleModel, resolver: Resolver, contexts: ExecutionContexts
) -> Iterator[ConcurrentUse]:
    """One sync Session or Connection handed to work that runs in several threads at
    once: mapped over a thread pool, submitted to one in a loop or more than once, or
    given to `threading.Thread`s started in a loop or more than once."""
    started: dict[tuple[int, str], list[tuple[cst.Call, Kind, bool, str]]] = {}
    for call in model.calls:
        scope = model.enclosing_scope.get(call)
        if scope is None:
            continue
        func = call.func
        if isinstance(func, cst.Attribute) and _is_thread_pool(model, resolver, func.value, scope):
            method = func.attr.value
            if method in _POOL_MAPS and call.args:
                for name, kind in _shared_by_callable(model, resolver, call.args[0].value, scope):
                    yield ConcurrentUse(
                        call, name, kind, f"run in a thread pool's workers (`{method}()`)", True
                    )
                continue
            if method != "submit" or not call.args:
                continue
            shared = list(_shared_by_callable(model, resolver, call.args[0].value, scope))
            shared += _shared_arguments_sync(resolver, call.args[1:], scope)
            how = "are submitted to a thread pool"
        elif (resolver.qualify(func) or "") == "threading.Thread":
            target = next((a.value for a in call.args if _keyword(a) == "target"), None)
            given = next((a.value for a in call.args if _keyword(a) == "args"), None)
            shared = list(_shared_by_callable(model, resolver, target, scope)) if target else []
            if isinstance(given, (cst.Tuple, cst.List)):
                shared += _shared_arguments_sync(
                    resolver, [cst.Arg(e.value) for e in given.elements], scope
                )
            how = "are started as threads"
        else:
            continue
        function = _function_of(model, call)
        looped = contexts.enclosing_loop(call) is not None
        for name, kind in dict(shared).items():
            started.setdefault((id(function), name), []).append((call, kind, looped, how))
    for (_, name), calls in started.items():
        if len(calls) < 2 and not calls[0][2]:
            continue
        for call, kind, looped, how in calls:
            yield ConcurrentUse(call, name, kind, how + (" in a loop" if looped else ""), True)


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _is_thread_pool(
    model: ModuleModel, resolver: Resolver, expr: cst.BaseExpression, scope: Scope
) -> bool:
    """`ThreadPoolExecutor(...)` itself, or a name bound to one (also by `with`)."""
    if isinstance(expr, cst.Call):
        return (resolver.qualify(expr.func) or "") in _THREAD_POOLS
    if not isinstance(expr, cst.Name):
        return False
    bound = binding_scope(expr.value, scope)
    if bound is None:
        return False
    return any(
        isinstance(a.value, cst.Call) and (resolver.qualify(a.value.func) or "") in _THREAD_POOLS
        for a in bound.assignments.get(expr.value, ())
    )


def _shared_arguments_sync(
    resolver: Resolver, args: Sequence[cst.Arg], scope: Scope
) -> list[tuple[str, Kind]]:
    found = []
    for arg in args:
        value = arg.value
        if isinstance(value, cst.Name):
            kind = resolver.kind_of(value, scope)
            if kind in _THREAD_SHARED_KINDS:
                assert kind is not None
                found.append((value.value, kind))
    return found


def _shared_by_callable(
    model: ModuleModel, resolver: Resolver, target: cst.BaseExpression, scope: Scope
) -> Iterator[tuple[str, Kind]]:
    """The sessions a callable given to a thread carries: `partial(fn, session)`,
    `lambda item: fn(session, item)`, or a function defined here that uses one."""
    if (
        isinstance(target, cst.Call)
        and (resolver.qualify(target.func) or "") == "functools.partial"
    ):
        yield from _shared_arguments_sync(resolver, target.args[1:], scope)
    elif isinstance(target, cst.Lambda):
        own = {p.name.value for p in target.params.params}
        for name in nodes_of(target.body, cst.Name):
            if name.value not in own:
                kind = resolver.kind_of(name, scope)
                if kind in _THREAD_SHARED_KINDS:
                    assert kind is not None
                    yield name.value, kind
    elif isinstance(target, cst.Name) and len(scope.assignments.get(target.value, [])) == 1:
        # `apply = partial(fn, session)` before `pool.map(apply, rows)`
        value = scope.assignments[target.value][0].value
        if isinstance(value, (cst.Call, cst.Lambda)):
            yield from _shared_by_callable(model, resolver, value, scope)
    elif isinstance(target, cst.Name):
        inner = next(
            (c for c in scope.children if isinstance(c.node, cst.FunctionDef)
             and c.node.name.value == target.value),
            None,
        )  # fmt: skip
        if inner is None:
            return
        for free in inner.references:
            if free in inner.params or free in inner.assignments:
                continue
            free_kind = resolver.name_kind(free, scope)
            if free_kind in _THREAD_SHARED_KINDS:
                assert free_kind is not None
                yield free, free_kind
