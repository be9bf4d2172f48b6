"""Shared wording helpers so every rule phrases code the same way."""

from __future__ import annotations

import libcst as cst

from ..semantic import Kind, Lifetime
from ..semantic.evaluate import CLOSING_NAME

_MAX_SHOWN = 40


def code_of(node: cst.CSTNode) -> str:
    """The source of a call, shortened to `callee(...)` when long."""
    text = cst.Module(body=[]).code_for_node(node)
    if len(text) <= _MAX_SHOWN and "\n" not in text:
        return text
    if isinstance(node, cst.Call):
        return code_of(node.func) + "(...)"
    return text.splitlines()[0][:_MAX_SHOWN] + "..."


def default_name(kind: Kind) -> str:
    return "session" if kind.is_session else "conn"


def safe_form(life: Lifetime) -> str:
    """`with engine.connect() as conn:` for this resource; `with conn:` for one
    unpacked from what a call gives (`_, conn = connect()`)."""
    name = life.variable or default_name(life.kind)
    keyword = "async with" if life.kind.is_async else "with"
    if life.opened_on is not None:
        # What keeps it: the object's name, or one to keep an object used once and
        # dropped in (`Manager().count()`).
        holder = life.variable or "manager"
        if life.opened_on.managed and life.member is None:
            # Made by an object that is a context manager: `with` it.
            return f"{keyword} {_made(life)} as {holder}:"
        # Opened on an object by its method: the object's closing method releases it.
        close = f"{'await ' if life.kind.is_async else ''}{holder}.{_closer(life)}()"
        guarded = f"try: <work> finally: {close}"
        return guarded if life.variable is not None else f"{holder} = {_made(life)}; {guarded}"
    if life.item is not None:
        if life.kind is Kind.RAW_CONNECTION:
            return f"with contextlib.closing({name}):"
        return f"{keyword} {name}:"
    made = _made(life)
    if life.kind is Kind.RAW_CONNECTION:
        return f"with contextlib.closing({made}) as {name}:"
    return f"{keyword} {made} as {name}:"


def _made(life: Lifetime) -> str:
    """The code that gives the resource: the call, or the call's attribute that holds
    it (`Db(url).session`)."""
    made = code_of(life.call)
    return f"{made}.{life.member}" if life.member is not None else made


def _closer(life: Lifetime) -> str:
    """The method of the object that closes what `life.opened_on` opened: the one the
    code calls, else the first by name."""
    assert life.opened_on is not None
    for close in life.releases:
        if (
            isinstance(close.func, cst.Attribute)
            and close.func.attr.value in life.opened_on.closers
        ):
            return close.func.attr.value
    named = sorted(c for c in life.opened_on.closers if CLOSING_NAME.match(c))
    return named[0] if named else min(life.opened_on.closers)


def origin(life: Lifetime) -> str:
    """Where the resource comes from, for a message: "from `engine.connect()`", or
    "`conn` from `connect(url)`" when it is unpacked from what the call gives."""
    if life.item is not None and life.variable is not None:
        return f"`{life.variable}` from `{code_of(life.call)}`"
    if life.opened_on is not None:
        if life.variable is None:
            return f"kept on `{code_of(life.call)}.{life.opened_on.attribute}`"
        return f"kept on `{life.variable}.{life.opened_on.attribute}` from `{code_of(life.call)}`"
    return f"from `{_made(life)}`"


def never_closed(life: Lifetime) -> str:
    """ "is never closed", and why a `close()` written for it does not count."""
    if life.unawaited_closes:
        close = life.unawaited_closes[0]
        return (
            f"is never closed: `{code_of(close)}` is not awaited, so it only makes a "
            f"coroutine and closes nothing"
        )
    return "is never closed"


def returned_to_pytest(life: Lifetime) -> str:
    """A finding for a connection or session a pytest fixture returns and nothing
    closes (see `Analysis.returned_to_pytest`)."""
    keyword = "async with" if life.kind.is_async else "with"
    return (
        f"{noun(life.kind)} {origin(life)} is returned by the fixture `{life.scope.name}` "
        f"and never closed: pytest closes nothing a fixture returns, so each one it makes "
        f"stays open until the garbage collector finds it; make the fixture yield it from "
        f"`{keyword} {code_of(life.call)} as {default_name(life.kind)}:`."
    )


def held_by_the_script(life: Lifetime) -> bool:
    """Made at a script's top level or in its `main()` and kept in a name: nothing
    returns it to a pool before the process exits, and the message says so instead.
    (One the statement drops, or hands to a call, the garbage collector takes back.)"""
    scope = life.scope
    if life.variable is None:
        return False
    return scope.is_module or (
        scope.parent is not None and scope.parent.is_module and scope.name == "main"
    )


def noun(kind: Kind) -> str:
    return {
        Kind.CONNECTION: "Connection",
        Kind.ASYNC_CONNECTION: "Async connection",
        Kind.RAW_CONNECTION: "DBAPI connection",
        Kind.SESSION: "Session",
        Kind.ASYNC_SESSION: "Async session",
    }.get(kind, kind.value.capitalize())


def kept_unreleased(life: Lifetime, how: str, alternative: str = "") -> str:
    """A finding for a resource kept on an instance that nothing of its class releases
    (`how`: from `Analysis.kept_unreleased`), with `alternative` (`use ... in the
    method`) to closing it when the work is done; a context manager's `__enter__`
    is told to close it in its `__exit__`."""
    start = f"{noun(life.kind)} {origin(life)} is never closed: {how}"
    node = life.scope.node
    if isinstance(node, cst.FunctionDef) and node.name.value in ("__enter__", "__aenter__"):
        exit_method = "__aexit__" if node.name.value == "__aenter__" else "__exit__"
        return f"{start}; close it in `{exit_method}`."
    if alternative:
        return f"{start}; close it when the work is done, or {alternative}."
    return f"{start}; close it when the work is done."
