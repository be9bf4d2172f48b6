"""ORM instances read after their session expired them and closed (SQA107).

With the default `expire_on_commit=True`, `session.commit()` expires every instance
the session holds: each attribute is loaded again on its next access. When the
session closes first (the end of its `with` block, `close()`), the instance is
detached with nothing loaded, and that access raises `DetachedInstanceError`
("Instance is not bound to a Session; attribute refresh operation cannot proceed").

This module follows, for each session the code opens and closes itself, the
instances it holds — objects given to `add()`/`add_all()`, results of `get()`,
`merge()`, `scalars(select(Model)).first()`/`.all()`, `execute(select(Model))
.scalar_one()`, `query(Model).first()` — from the last `commit()` (or the commit at
the end of a `begin()` block) to the close, and reports the first attribute read
after the close, or the `return` that hands such an instance to the caller. An
instance read again between the commit and the close (any attribute, or
`refresh()`) is loaded and left alone; so are sessions made with
`expire_on_commit=False`, and sessions the code does not close (a parameter, a
dependency): their instances stay attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from . import ir
from .flow import comes_before, exclusive
from .inference import Resolver
from .kinds import SELECT_FUNCTIONS, Kind
from .model import Assignment, ModuleModel, Scope, self_attribute_values
from .transactions import made_with
from .values import Owner

if TYPE_CHECKING:
    from .program_values import ProgramValues

_ONE = frozenset({"first", "one", "one_or_none", "scalar_one", "scalar_one_or_none", "scalar"})
_SESSION_KINDS = frozenset({Kind.SESSION, Kind.ASYNC_SESSION})
_ASYNC_FACTORIES = ("async_sessionmaker", "AsyncSession")


@dataclass
class DetachedRead:
    node: cst.CSTNode  # the attribute read, or the `return`
    instance: str  # as written: `user`
    session: str
    commit: str  # what expired it, in words: "`session.commit()`"
    closed: str  # where the session closed, in words
    returned: bool = False
    many: bool = False  # the instance is a list of objects
    by_commit_call: bool = False  # expired by a `commit()` call (not a `begin()` block)


@dataclass
class _Session:
    name: str
    scope: Scope
    live: cst.CSTNode  # where it is open: the `with` block, or the lines before close()
    closed_at: cst.CSTNode  # the `with` statement, or the line of `close()`
    commits_at_end: bool  # a `begin()` block: it commits when it ends
    opened_after: cst.CSTNode | None = None  # the assignment, for `close()` sessions


@dataclass
class _Instance:
    name: str
    bound: cst.CSTNode  # where it became the session's
    many: bool  # a list of instances (`.all()`)


def detached_reads(model: ModuleModel, resolver: Resolver) -> Iterator[DetachedRead]:
    for call in model.calls:
        session = _closed_session(model, resolver, call)
        if session is None:
            continue
        yield from _reads_after_close(model, resolver, session)


def _closed_session(model: ModuleModel, resolver: Resolver, call: cst.Call) -> _Session | None:
    """`with <call> as name:` or `name = <call>` ... `name.close()`, when `call` makes a
    session the code owns that expires its instances on commit."""
    parent = model.parent(call)
    scope = model.enclosing_scope[call]
    if isinstance(parent, cst.WithItem) and parent.item is call:
        block = model.parent(parent)
        if not isinstance(block, cst.With) or parent.asname is None:
            return None
        target = parent.asname.name
        if not isinstance(target, cst.Name) or not _expiring_session(resolver, call, scope):
            return None
        name = target.value
        at_end = _chain_has(call, "begin") or any(
            _is_method_call(item.item, name, "begin") for item in block.items
        )
        return _Session(name, scope, block.body, block, at_end)
    if isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1:
        assigned = parent.targets[0].target
        if not isinstance(assigned, cst.Name) or not _expiring_session(resolver, call, scope):
            return None
        closing = _close_line(model, scope, assigned.value, parent)
        if closing is None:
            return None
        return _Session(assigned.value, scope, closing, closing, False, opened_after=parent)
    return None


def _expiring_session(resolver: Resolver, call: cst.Call, scope: Scope) -> bool:
    value = resolver.call_value(call, scope)
    if value.kind not in _SESSION_KINDS or value.owner is not Owner.FRESH:
        return False
    if made_with(call, _keeps_loaded, scope):
        return False
    # A factory imported from another module of the project: how it was made there.
    base: cst.BaseExpression = call
    while isinstance(base, (cst.Call, cst.Attribute)):
        base = base.func if isinstance(base, cst.Call) else base.value
    if isinstance(base, cst.Name) and _any_keeps_loaded(resolver.imported_bindings(base.value)):
        return False
    if (
        isinstance(call.func, cst.Call)
        and isinstance(base, cst.Name)
        and _any_keeps_loaded(resolver.returned_makers(base, scope))
    ):
        return False  # `get_session_maker()()`, the maker a getter keeps and returns
    if _any_keeps_loaded(resolver.returned_makers(call.func, scope)):
        return False  # `get_async_session()`, returning a session of such a maker
    if _self_factory_keeps_loaded(call, scope):
        return False
    # A factory handed in from outside (a dependency-injection container's, a
    # caller's): made elsewhere, so a project that configures `expire_on_commit`
    # anywhere may have made it so.
    return not (
        _injected_factory(call, scope)
        and resolver.view.modules_mentioning(resolver.key, "expire_on_commit")
    )


def _injected_factory(call: cst.Call, scope: Scope) -> bool:
    """`factory()` for a parameter `factory`, or `self.factory()` where the class keeps
    a parameter of one of its methods under that name."""
    func = _factory_called(call)
    if isinstance(func, cst.Name):
        holder: Scope | None = scope
        while holder is not None and func.value not in holder.assignments:
            if func.value in holder.params:
                return True
            holder = holder.parent
        return False
    return any(
        isinstance(value, cst.Name) and value.value in method.params
        for value, method in _self_attribute_values(func, scope)
    )


def _self_factory_keeps_loaded(call: cst.Call, scope: Scope) -> bool:
    """`self.sessions()` where the class sets `self.sessions = async_sessionmaker(...,
    expire_on_commit=False)` (or binds it in its body)."""
    return any(
        isinstance(value, cst.Call) and any(_keeps_loaded(arg) for arg in value.args)
        for value, _ in _self_attribute_values(_factory_called(call), scope)
    )


def _factory_called(call: cst.Call) -> cst.BaseExpression:
    """What `call` calls, through `.begin()`: `self.sessions` for `self.sessions()` and
    for `self.sessions.begin()`."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "begin":
        inner = func.value
        func = inner.func if isinstance(inner, cst.Call) else inner
    return func


def _self_attribute_values(
    func: cst.BaseExpression, scope: Scope
) -> list[tuple[cst.BaseExpression, Scope]]:
    """For `self.name` (or `cls.name`), what the class around `scope` assigns to
    `name`, with the scope of each assignment; nothing for anything else."""
    return self_attribute_values(func, scope) or []


def _any_keeps_loaded(calls: list[ir.Expr]) -> bool:
    """Whether one of these calls (a session's, its factory's) is given
    `expire_on_commit=` anything but True."""
    return any(
        call[0] == "c"
        and any(
            keyword == "expire_on_commit" and given != ir.name("True") for keyword, given in call[3]
        )
        for call in calls
    )


def _keeps_loaded(arg: cst.Arg) -> bool:
    return (
        arg.keyword is not None
        and arg.keyword.value == "expire_on_commit"
        and not (isinstance(arg.value, cst.Name) and arg.value.value == "True")
    )


def _chain_has(expr: cst.BaseExpression, method: str) -> bool:
    node: cst.BaseExpression = expr
    while isinstance(node, (cst.Call, cst.Attribute)):
        if isinstance(node, cst.Attribute) and node.attr.value == method:
            return True
        node = node.func if isinstance(node, cst.Call) else node.value
    return False


def _is_method_call(expr: cst.BaseExpression, name: str, method: str) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == method
        and isinstance(expr.func.value, cst.Name)
        and expr.func.value.value == name
    )


def _close_line(
    model: ModuleModel, scope: Scope, name: str, opened: cst.Assign
) -> cst.CSTNode | None:
    """Where the session opened by `opened` is closed, in the block that opened it:
    the line `name.close()`, or a `try` statement whose `finally` closes it."""
    opened_line = model.parent(opened)
    block = model.parent(opened_line) if opened_line is not None else None
    for reference in scope.references.get(name, ()):
        attribute = model.parent(reference)
        call = model.parent(attribute) if attribute is not None else None
        if not (
            isinstance(call, cst.Call)
            and isinstance(attribute, cst.Attribute)
            and attribute.attr.value == "close"
            and comes_before(model, opened, call)
        ):
            continue
        for statement in model.ancestors(call):
            if model.parent(statement) is block:
                closes_here = isinstance(statement, cst.SimpleStatementLine) or (
                    isinstance(statement, cst.Try)
                    and statement.finalbody is not None
                    and statement.finalbody in set(model.ancestors(call))
                )
                if closes_here:
                    return statement
                break
    return None


def _inside(model: ModuleModel, node: cst.CSTNode, session: _Session) -> bool:
    """Whether `node` runs while the session is open."""
    if session.opened_after is None:
        return session.live in set(model.ancestors(node))
    return comes_before(model, session.opened_after, node) and (
        comes_before(model, node, session.closed_at)
        or session.closed_at in set(model.ancestors(node))
    )


def _after_close(model: ModuleModel, node: cst.CSTNode, session: _Session) -> bool:
    return comes_before(model, session.closed_at, node) and session.closed_at not in set(
        model.ancestors(node)
    )


def _reads_after_close(
    model: ModuleModel, resolver: Resolver, session: _Session
) -> Iterator[DetachedRead]:
    scope = session.scope
    uses = [
        (model.parent(r), r)
        for r in scope.references.get(session.name, ())
        if _inside(model, r, session)
    ]
    commits = [
        call
        for attribute, _ in uses
        if isinstance(attribute, cst.Attribute) and attribute.attr.value == "commit"
        for call in [model.parent(attribute)]
        if isinstance(call, cst.Call)
    ]
    if not commits and not session.commits_at_end:
        return
    closed = (
        "at the end of its `with` block"
        if session.opened_after is None
        else f"at `{session.name}.close()`"
    )
    for instance in _instances(model, resolver, session, uses):
        later = [c for c in commits if comes_before(model, instance.bound, c)]
        if not later and not session.commits_at_end:
            continue
        last = later[-1] if later else None
        if _loaded_again(model, scope, instance, session, last):
            continue
        if _deleted(model, uses, instance):
            continue  # the flush takes it out of the session: nothing expires it
        if _expunged_before(model, uses, instance, later[0] if later else None):
            continue  # out of the session before the commit: nothing expires it
        expired_by = f"`{session.name}.commit()`" if last is not None else "the block's commit"
        found = _first_use_after(model, scope, instance, session, last)
        if found is not None:
            node, returned = found
            yield DetachedRead(
                node,
                instance.name,
                session.name,
                expired_by,
                closed,
                returned=returned,
                many=instance.many,
                by_commit_call=last is not None,
            )


def _deleted(
    model: ModuleModel, uses: list[tuple[cst.CSTNode | None, cst.Name]], instance: _Instance
) -> bool:
    """`session.delete(instance)`: deleted at the flush, the instance leaves the
    session's identity map, so the commit does not expire it; it stays loaded."""
    for attribute, _ in uses:
        if not isinstance(attribute, cst.Attribute) or attribute.attr.value != "delete":
            continue
        call = model.parent(attribute)
        if (
            isinstance(call, cst.Call)
            and call.func is attribute
            and call.args
            and isinstance(call.args[0].value, cst.Name)
            and call.args[0].value.value == instance.name
        ):
            return True
    return False


def _expunged_before(
    model: ModuleModel,
    uses: list[tuple[cst.CSTNode | None, cst.Name]],
    instance: _Instance,
    commit: cst.Call | None,
) -> bool:
    """`session.expunge(instance)` (or `expunge_all()`) after the instance is had and
    before the first commit after that (`commit` None: the block's commit at its end):
    the commit expires what is in the session, and the instance no longer is."""
    for attribute, _ in uses:
        if not isinstance(attribute, cst.Attribute):
            continue
        method = attribute.attr.value
        call = model.parent(attribute)
        if not isinstance(call, cst.Call) or call.func is not attribute:
            continue
        if method == "expunge":
            argument = call.args[0].value if len(call.args) == 1 else None
            if not (isinstance(argument, cst.Name) and argument.value == instance.name):
                continue
        elif method != "expunge_all":
            continue
        if comes_before(model, instance.bound, call) and (
            commit is None or comes_before(model, call, commit)
        ):
            return True
    return False


def _instances(
    model: ModuleModel,
    resolver: Resolver,
    session: _Session,
    uses: list[tuple[cst.CSTNode | None, cst.Name]],
) -> Iterator[_Instance]:
    for attribute, _ in uses:
        if not isinstance(attribute, cst.Attribute):
            continue
        call = model.parent(attribute)
        if not isinstance(call, cst.Call) or call.func is not attribute:
            continue
        method = attribute.attr.value
        if method == "add" and call.args and isinstance(call.args[0].value, cst.Name):
            yield _Instance(call.args[0].value.value, call, False)
        elif method == "add_all" and call.args:
            listed = call.args[0].value
            if isinstance(listed, (cst.List, cst.Tuple)):
                for element in listed.elements:
                    if isinstance(element.value, cst.Name):
                        yield _Instance(element.value.value, call, False)
            elif isinstance(listed, cst.Name):  # a list of them
                yield _Instance(listed.value, call, True)
        else:
            yield from _loaded(model, resolver, call, method, session.scope)


def _loaded(
    model: ModuleModel, resolver: Resolver, call: cst.Call, method: str, scope: Scope
) -> Iterator[_Instance]:
    """`x = session.get(Model, ...)`, `x = session.scalars(select(Model)).first()`, ...:
    the names bound to the instance (or list of instances) the call chain loads, also
    through a result kept in a variable (`result = await session.execute(select(Model))`
    then `x = result.scalar_one()`)."""
    if not call.args:
        return
    first = call.args[0].value
    chain, holder, target = chain_above(model, call)
    if target is None or holder is None:
        return
    if method in ("get", "get_one") and not chain:
        if _is_model(model, resolver, first, scope):
            yield _Instance(target, holder, False)
        return
    if method == "merge" and not chain:
        yield _Instance(target, holder, False)
        return
    if method == "scalar" and not chain:
        if _selects_model(model, resolver, first, scope):
            yield _Instance(target, holder, False)
        return
    if method == "query":
        if _loads(method, chain) and _is_model(model, resolver, first, scope):
            yield _Instance(target, holder, chain[-1] == "all")
        return
    if method not in ("scalars", "execute") or not _selects_model(model, resolver, first, scope):
        return
    if chain:
        if _loads(method, chain):
            yield _Instance(target, holder, chain[-1] == "all")
        return
    for reference in scope.references.get(target, ()):  # the result, kept in a variable
        if not comes_before(model, holder, reference):
            continue
        later, later_holder, later_target = chain_above(model, reference)
        if later_target is not None and later_holder is not None and _loads(method, later):
            yield _Instance(later_target, later_holder, later[-1] == "all")


def _loads(method: str, chain: list[str]) -> bool:
    """Whether methods `chain` called on what `session.<method>(...)` returned give
    instances: `.first()`, `.all()`, `.scalar_one()`, `.scalars().all()`, ..."""
    last = chain[-1] if chain else None
    if method in ("scalars", "query"):
        return last == "all" or last in _ONE or (method == "query" and last == "get")
    return last in ("scalar_one", "scalar_one_or_none", "scalar") or (
        "scalars" in chain and (last == "all" or last in _ONE)
    )


def chain_above(
    model: ModuleModel, start: cst.BaseExpression
) -> tuple[list[str], cst.CSTNode | None, str | None]:
    """The methods called on `start` in a chain (`(await start).scalars().all()`), and
    the assignment and name that keep the chain's value (None when none does)."""
    outer: cst.BaseExpression = start
    chain: list[str] = []
    while True:
        attribute = model.parent(outer)
        if isinstance(attribute, cst.Await):  # `(await session.scalars(...)).all()`
            outer, attribute = attribute, model.parent(attribute)
        above = model.parent(attribute) if attribute is not None else None
        if (
            isinstance(attribute, cst.Attribute)
            and isinstance(above, cst.Call)
            and above.func is attribute
        ):
            chain.append(attribute.attr.value)
            outer = above
        else:
            break
    holder = model.parent(outer)
    if isinstance(holder, cst.Await):
        holder = model.parent(holder)
    target: cst.BaseExpression | None = None
    if isinstance(holder, cst.Assign) and len(holder.targets) == 1:
        target = holder.targets[0].target
    elif isinstance(holder, cst.AnnAssign):
        target = holder.target
    if not isinstance(target, cst.Name):
        return chain, None, None
    return chain, holder, target.value


def _selects_model(
    model: ModuleModel, resolver: Resolver, statement: cst.BaseExpression, scope: Scope
) -> bool:
    """`select(Model)` (refined by `.where(...)` and the like): a statement whose rows
    are instances of a mapped class, not column values."""
    node: cst.BaseExpression = statement
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if (
        not isinstance(node, cst.Call)
        or (resolver.qualify(node.func) or "") not in SELECT_FUNCTIONS
    ):
        return False
    return bool(node.args) and _is_model(model, resolver, node.args[0].value, scope)


def _is_model(
    model: ModuleModel, resolver: Resolver, expr: cst.BaseExpression, scope: Scope
) -> bool:
    """A class: defined in this module, or imported under a class's name (CapWords)."""
    if not isinstance(expr, cst.Name):
        return False
    if expr.value in model.classes:
        return True
    qualified = resolver.qualify(expr)
    if qualified is None or qualified.startswith("sqlalchemy"):
        return False
    last = qualified.rpartition(".")[2]
    return last[:1].isupper() and not last.isupper()


def _loaded_again(
    model: ModuleModel,
    scope: Scope,
    instance: _Instance,
    session: _Session,
    commit: cst.Call | None,
) -> bool:
    """Read again (any use of it) after the last commit while the session is open, or
    bound anew after the commit: its attributes are loaded."""
    if commit is None:
        return False  # the commit is at the block's end: nothing runs in between
    for reference in scope.references.get(instance.name, ()):
        if _inside(model, reference, session) and comes_before(model, commit, reference):
            holder = model.parent(reference)
            if not isinstance(holder, cst.Return):
                return True
    return any(
        _inside(model, a.node, session) and comes_before(model, commit, a.node)
        for a in scope.assignments.get(instance.name, ())
    )


def _first_use_after(
    model: ModuleModel,
    scope: Scope,
    instance: _Instance,
    session: _Session,
    commit: cst.Call | None,
) -> tuple[cst.CSTNode, bool] | None:
    """The first attribute read of the instance once the session is closed (for a
    list, of an element in a `for` over it), or a `return` that hands it out."""
    rebinds = [
        a
        for a in scope.assignments.get(instance.name, ())
        if a.node is not instance.bound and comes_before(model, instance.bound, a.node)
    ]
    for reference in scope.references.get(instance.name, ()):
        holder = model.parent(reference)
        inside = _inside(model, reference, session)
        if inside:
            if isinstance(holder, cst.Return) and (
                commit is None or comes_before(model, commit, reference)
            ):
                return holder, True  # the block's end closes the session on the way out
            continue
        if not _after_close(model, reference, session):
            continue
        if any(_between(model, session.closed_at, a, reference) for a in rebinds):
            return None
        if commit is not None and _leaves_before(model, commit, reference):
            return None
        if isinstance(holder, cst.Return):
            return holder, True
        if instance.many:
            element = _element_read(model, scope, reference)
            if element is not None:
                return element, False
            continue
        if holder is not None and _reads_attribute(model, holder, reference):
            return holder, False
    return None


def _reads_attribute(model: ModuleModel, holder: cst.CSTNode | None, name: cst.Name) -> bool:
    """`name.attr` read (or called); not `name.attr = value`, which loads nothing."""
    if not (
        isinstance(holder, cst.Attribute)
        and holder.value is name
        and not holder.attr.value.startswith("__")
    ):
        return False
    target = model.parent(holder)
    return not (isinstance(target, cst.AssignTarget) and target.target is holder)


def _leaves_before(model: ModuleModel, first: cst.CSTNode, later: cst.CSTNode) -> bool:
    """Whether the code leaves (`return`, `raise`, `continue`, `break`) after `first`
    in a block that holds `first` but not `later`: `later` is not reached from it."""
    around_later = set(model.ancestors(later))
    child: cst.CSTNode = first
    for ancestor in model.ancestors(first):
        if ancestor in around_later:
            return False
        if isinstance(ancestor, cst.IndentedBlock):
            after = list(ancestor.body)
            index = next(i for i, line in enumerate(after) if line is child)
            for line in after[index + 1 :]:
                if isinstance(line, cst.SimpleStatementLine) and any(
                    isinstance(s, (cst.Return, cst.Raise, cst.Continue, cst.Break))
                    for s in line.body
                ):
                    return True
        child = ancestor
    return False


def _between(
    model: ModuleModel, start: cst.CSTNode, assignment: Assignment, end: cst.CSTNode
) -> bool:
    return comes_before(model, start, assignment.node) and comes_before(model, assignment.node, end)


def _element_read(model: ModuleModel, scope: Scope, iterated: cst.Name) -> cst.CSTNode | None:
    """For `for x in <iterated>:` or a comprehension over it: the first `x.attr`."""
    holder = model.parent(iterated)
    if isinstance(holder, (cst.For, cst.CompFor)) and holder.iter is iterated:
        target = holder.target
        if not isinstance(target, cst.Name):
            return None
        loop = holder if isinstance(holder, cst.For) else model.parent(holder)
        for reference in scope.references.get(target.value, ()):
            attribute = model.parent(reference)
            if (
                isinstance(attribute, cst.Attribute)
                and attribute.value is reference
                and loop is not None
                and loop in set(model.ancestors(reference))
                and not attribute.attr.value.startswith("__")
            ):
                return attribute
    return None


# -- under asyncio: expired attributes cannot be loaded implicitly (SQA108) -------------------


@dataclass
class ExpiredRead:
    node: cst.CSTNode  # the attribute read, or the `return`
    instance: str
    session: str
    returned: bool = False
    many: bool = False  # the instance is a list of objects


def expired_reads(
    model: ModuleModel, resolver: Resolver, program_values: ProgramValues | None = None
) -> Iterator[ExpiredRead]:
    """In `async def`s, the first attribute read (or the `return`) of an instance of an
    `AsyncSession` after `await session.commit()` expired it, while the session is
    open: loading it again needs IO that asyncio cannot run implicitly
    (`MissingGreenlet`)."""
    for session in _async_sessions(model, resolver, program_values):
        yield from _reads_after_commit(model, resolver, session)


def _async_sessions(
    model: ModuleModel, resolver: Resolver, program_values: ProgramValues | None
) -> Iterator[_Session]:
    for call in model.calls:
        parent = model.parent(call)
        if not (isinstance(parent, cst.WithItem) and parent.item is call):
            continue
        block = model.parent(parent)
        target = parent.asname.name if parent.asname is not None else None
        scope = model.enclosing_scope[call]
        if (
            isinstance(block, cst.With)
            and isinstance(target, cst.Name)
            and resolver.call_value(call, scope).kind is Kind.ASYNC_SESSION
            and _expiring_session(resolver, call, scope)
        ):
            yield _Session(target.value, scope, block.body, block, False)
    some_factory_expires: bool | None = None
    for scope in model.scope_of.values():
        if not scope.is_async:
            continue
        for name, param in scope.params.items():
            if resolver.kind_of(param.name, scope) is not Kind.ASYNC_SESSION:
                continue
            made = resolver.provided_by(param.default, scope) if param.default else None
            if made is None and resolver.pytest_module:
                continue  # a fixture: how its session is made is the conftest's business
            if not made and program_values is not None:
                # `create_poem(db, ...)` called only with the callers' `Depends(get_db)`.
                function = resolver.frame(scope).function
                made = program_values.provided_through_callers(resolver.key, function, name)
            if made:
                if _any_keeps_loaded(made):
                    continue
            else:
                # Given by a caller, or by a provider that hands out what it got
                # elsewhere (`return tenant.db_session`): followed only when some
                # factory of the project keeps the default expiry (none found: where
                # it comes from is unknown).
                if some_factory_expires is None:
                    factories = resolver.session_factory_calls(_ASYNC_FACTORIES)
                    some_factory_expires = any(not _any_keeps_loaded([f]) for f in factories)
                if not some_factory_expires:
                    continue
            yield _Session(name, scope, scope.node, scope.node, False)


def _reads_after_commit(
    model: ModuleModel, resolver: Resolver, session: _Session
) -> Iterator[ExpiredRead]:
    scope = session.scope
    uses = [
        (model.parent(r), r)
        for r in scope.references.get(session.name, ())
        if session.live in set(model.ancestors(r))
    ]
    commits = [
        call
        for attribute, _ in uses
        if isinstance(attribute, cst.Attribute) and attribute.attr.value == "commit"
        for call in [model.parent(attribute)]
        if isinstance(call, cst.Call) and isinstance(model.parent(call), cst.Await)
    ]
    if not commits:
        return
    for instance in _instances(model, resolver, session, uses):
        later = [c for c in commits if comes_before(model, instance.bound, c)]
        if not later or _deleted(model, uses, instance):
            continue  # (a deleted instance leaves the session at the flush, loaded)
        found = _first_read_after(model, scope, instance, session, later[0])
        if found is not None:
            node, returned = found
            yield ExpiredRead(node, instance.name, session.name, returned, instance.many)


def _first_read_after(
    model: ModuleModel,
    scope: Scope,
    instance: _Instance,
    session: _Session,
    commit: cst.Call,
) -> tuple[cst.CSTNode, bool] | None:
    """The first read of the instance after `commit` while the session is open; None
    when something loads it again first (`refresh()`, a new value) or hands it on."""
    rebinds = [
        a for a in scope.assignments.get(instance.name, ()) if comes_before(model, commit, a.node)
    ]
    for reference in scope.references.get(instance.name, ()):
        if not comes_before(model, commit, reference):
            continue
        if session.live not in set(model.ancestors(reference)):
            return None  # the session is closed: another rule's (SQA107)
        if any(comes_before(model, a.node, reference) for a in rebinds):
            return None  # a new value, loaded after the commit
        if _leaves_before(model, commit, reference) or exclusive(model, commit, reference):
            continue  # not reached from the commit (or in the other branch of an `if`)
        holder = model.parent(reference)
        if isinstance(holder, cst.Return):
            return holder, True
        if isinstance(holder, cst.Attribute) and holder.attr.value == "awaitable_attrs":
            return None
        if holder is not None and _reads_attribute(model, holder, reference):
            return holder, False
        if instance.many:
            element = _element_read(model, scope, reference)
            if element is not None:
                return element, False
        if isinstance(holder, (cst.Arg, cst.AssignTarget, cst.Element)):
            return None  # refreshed, handed to a function, or a new value
    return None
