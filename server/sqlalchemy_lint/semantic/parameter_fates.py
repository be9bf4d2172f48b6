"""What a project function does with a parameter it is given: releases it, or keeps it.

A session, connection or `scoped_session` registry handed to a project function is
that function's to release when its body closes it (`clear_db(Session)` ending in
`Session.remove()`), or to keep when its body stores it. Real projects add a hop:

    def rebuild_all_dbs(Session):
        clear_db(Session)          # which calls Session.remove()

so a function also releases (or keeps) a parameter that it hands to another project
function that does, followed a few calls down. Everything is read from module
summaries (the calls a function makes and the names it passes them), so a helper in
another module costs its summary, not a parse.
"""

from __future__ import annotations

import enum

from . import ir
from .evaluate import Evaluator, Frame
from .summary import CallSite, FunctionInfo
from .values import ModuleKey, Ref, RefKind

# How many helpers down a parameter is followed (`rebuild_all_dbs` calling `clear_db`).
_MAX_HELPERS = 3


class Fate(enum.Flag):
    NONE = 0
    RELEASED = enum.auto()  # closed, disposed or removed on some path
    RELEASED_SURELY = enum.auto()  # ... whatever happens (`finally`, `with`)
    KEPT = enum.auto()  # stored beyond the call
    # Handed, before any other use of it, to a helper that releases it whatever
    # happens: what raises before the hand-over finds it unused (a session that holds
    # no connection yet); from its first use on, it is released surely.
    RELEASED_SURELY_ONCE_USED = enum.auto()


class ParameterFates:
    """Answers "does this project function release or keep its parameter?"."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self._known: dict[tuple[ModuleKey, str, str], Fate] = {}

    def of(self, key: ModuleKey, qualname: str, param: str, helpers: int = 0) -> Fate:
        """What function `qualname` of module `key` does with its parameter `param`,
        in its own body or through the project functions it hands it to."""
        memo = (key, qualname, param)
        known = self._known.get(memo)
        if known is not None:
            return known
        self._known[memo] = Fate.NONE  # recursion: a helper calling itself adds nothing
        fate = Fate.NONE
        info = self.evaluator.function_info(key, qualname)
        if info is not None and any(p.name == param for p in info.params):
            fate = _own_fate(info, param)
            if helpers < _MAX_HELPERS:
                fate |= self._handed_on(key, qualname, info, param, helpers)
        self._known[memo] = fate
        return fate

    def _handed_on(
        self, key: ModuleKey, qualname: str, info: FunctionInfo, param: str, helpers: int
    ) -> Fate:
        fate = Fate.NONE
        frame = None
        for site in info.calls:
            if not passes(site, param):
                continue
            if frame is None:
                frame = self.evaluator.function_frame(key, qualname)
                if frame is None:
                    return fate
            found = handed_to(self.evaluator, site, frame, param)
            if found is None:
                continue
            handed = self.of(*found, helpers + 1)
            if handed & Fate.KEPT:
                fate |= Fate.KEPT
            if handed & (Fate.RELEASED | Fate.RELEASED_SURELY):
                # Released by the helper, but only if this function gets that far:
                # what runs before the hand-over can raise.
                fate |= Fate.RELEASED
            if handed & (
                Fate.RELEASED_SURELY | Fate.RELEASED_SURELY_ONCE_USED
            ) and not _used_before(info, param, site):
                fate |= Fate.RELEASED_SURELY_ONCE_USED
        return fate


def _used_before(info: FunctionInfo, param: str, handing: CallSite) -> bool:
    """Whether a call of the function uses `param` (calls a method of it, or is given
    it) before the call that hands it over."""
    where = (handing.line, handing.column)
    return any(
        (site.line, site.column) < where
        and (site.callee.startswith(param + ".") or passes(site, param))
        for site in info.calls
    )


def passes(site: CallSite, name: str) -> bool:
    """Whether the call site passes the local `name` (positionally or by keyword)."""
    return name in site.arguments or any(a.endswith(f"={name}") for a in site.arguments)


def handed_to(
    evaluator: Evaluator, site: CallSite, frame: Frame, name: str
) -> tuple[ModuleKey, str, str] | None:
    """The project function (or bound method) a call site, read in `frame`, hands the
    local `name` to, and the parameter that receives it."""
    called = called_function(evaluator, evaluator.value(ir.from_dotted(site.callee), frame).ref)
    if called is None:
        return None
    module, callee, params = called
    passed = parameter_given(site, name, params)
    return (module, callee.qualname, passed) if passed is not None else None


def _own_fate(info: FunctionInfo, param: str) -> Fate:
    fate = Fate.NONE
    # (A close only in an `except` handler closes it when something failed, not after
    # the work: `except: session.close(); raise`.)
    if param in info.released and param not in info.released_on_failure:
        fate |= Fate.RELEASED
    if param in info.released_surely:
        fate |= Fate.RELEASED_SURELY
    if param in info.stored:
        fate |= Fate.KEPT
    return fate


def parameter_names(info: FunctionInfo, bound: bool) -> list[str]:
    """The parameters a call fills, in order (`self` left out for a bound method)."""
    names = [p.name for p in info.params]
    return names[1:] if bound and names else names


def parameter_given(site: CallSite, name: str, params: list[str]) -> str | None:
    """The callee's parameter (of `params`, those a call fills) that the site passes the
    local `name` to."""
    return next((p for i, p in enumerate(params) if site.argument_for(p, i) == name), None)


def called_function(
    evaluator: Evaluator, ref: Ref | None
) -> tuple[ModuleKey, FunctionInfo, list[str]] | None:
    """The project function or bound method `ref` names: its module, its summary, and
    the parameters a call of it fills (`self` left out for a bound method)."""
    if ref is None or ref.module is None:
        return None
    if ref.kind not in (RefKind.FUNCTION, RefKind.BOUND_METHOD):
        return None
    info = evaluator.function_info(ref.module, ref.name)
    if info is None:
        return None
    # A classmethod read off its class (`Location.get_or_create(name, session)`) is
    # bound to it: `cls` is not among what the call fills.
    # A staticmethod read off an instance (`self._validate(name)`) is bound to nothing.
    bound = (ref.kind is RefKind.BOUND_METHOD and not info.is_staticmethod) or info.is_classmethod
    return ref.module, info, parameter_names(info, bound)
