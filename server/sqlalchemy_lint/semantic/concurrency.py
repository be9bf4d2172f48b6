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

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from .contexts import ExecutionContexts
from .inference import Resolver
from .kinds import Kind
from .model import ModuleModel

_GATHERS = frozenset({"asyncio.gather", "asyncio.wait", "asyncio.as_completed"})
_TASK_STARTERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_SHARED_KINDS = frozenset({Kind.ASYNC_SESSION, Kind.ASYNC_CONNECTION})


@dataclass
class ConcurrentUse:
    call: cst.Call  # the gather/wait call, or a task-starting call
    name: str  # the session or connection shared
    kind: Kind
    how: str  # in words: "are gathered", "are started as tasks in a loop", ...


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
