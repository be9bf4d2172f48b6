"""Sessions whose transaction and close belong to a transaction manager.

`zope.sqlalchemy` joins a session to the `transaction` package's transaction (Pyramid's
`pyramid_tm`, `with transaction.manager:` in scripts): the manager commits or aborts
it, and zope.sqlalchemy closes the session when it does. Code that registers a session
(or its factory) hands both jobs over, as code that gives a session to a
`scoped_session` registry does:

    Session = sessionmaker()
    register(Session)              # or sessionmaker(extension=ZopeTransactionExtension())
    session = Session(bind=engine)
    with transaction.manager:
        session.add(user)          # committed, and the session closed, by the manager
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from .flow import nodes_of
from .inference import Resolver
from .model import ModuleModel, binding_scope

_REGISTER = frozenset({"zope.sqlalchemy.register", "zope.sqlalchemy.datamanager.register"})
_EXTENSION = frozenset(
    {
        "zope.sqlalchemy.ZopeTransactionExtension",
        "zope.sqlalchemy.datamanager.ZopeTransactionExtension",
    }
)


def joins_a_transaction_manager(model: ModuleModel, resolver: Resolver, call: cst.Call) -> bool:
    """Whether the session `call` makes is registered with zope.sqlalchemy: the call's
    factory or the name it binds the session to is passed to `register()` in the
    module, or the factory was made with a `ZopeTransactionExtension`."""
    if not any(imported.startswith("zope") for imported in model.imports.values()):
        return False
    scope = model.enclosing_scope[call]
    names = [n for n in (_factory_name(call), _bound_name(model, call)) if n is not None]
    if not names:
        return False
    bindings = {(name, id(binding_scope(name, scope))) for name in names}
    for register, registered in _registered_names(model, resolver):
        where = binding_scope(registered, model.enclosing_scope[register])
        if (registered, id(where)) in bindings:
            return True
    factory = _factory_name(call)
    bound = binding_scope(factory, scope) if factory is not None else None
    if factory is None or bound is None:
        return False
    return any(
        assignment.value is not None and _makes_an_extension(resolver, assignment.value)
        for assignment in bound.assignments.get(factory, ())
    )


def manages_the_registry(model: ModuleModel, resolver: Resolver, call: cst.Call) -> bool:
    """Whether the `scoped_session(...)` registry `call` makes hands out sessions that
    zope.sqlalchemy closes when the transaction ends (Pyramid's `pyramid_tm` ends one
    per request): its factory is made with a `ZopeTransactionExtension`, or the name
    it is bound to is passed to `register()` in the module."""
    if not any(imported.startswith("zope") for imported in model.imports.values()):
        return False
    if _makes_an_extension(resolver, call):
        return True
    bound = _bound_name(model, call)
    return bound is not None and any(
        registered == bound for _, registered in _registered_names(model, resolver)
    )


def _registered_names(model: ModuleModel, resolver: Resolver) -> Iterator[tuple[cst.Call, str]]:
    """The module's `register(name)` calls of zope.sqlalchemy, with the name each
    registers."""
    for call in model.calls:
        if resolver.qualify(call.func) in _REGISTER and call.args:
            registered = call.args[0].value
            if isinstance(registered, cst.Name):
                yield call, registered.value


def _factory_name(call: cst.Call) -> str | None:
    return call.func.value if isinstance(call.func, cst.Name) else None


def _bound_name(model: ModuleModel, call: cst.Call) -> str | None:
    """`session = Session(...)` or `with Session(...) as session`: `session`."""
    parent = model.parent(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        return target.value if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.WithItem) and parent.asname is not None:
        target = parent.asname.name
        return target.value if isinstance(target, cst.Name) else None
    return None


def _makes_an_extension(resolver: Resolver, value: cst.BaseExpression) -> bool:
    """`sessionmaker(extension=ZopeTransactionExtension())`, also inside a
    `scoped_session(...)`."""
    return any(resolver.qualify(call.func) in _EXTENSION for call in nodes_of(value, cst.Call))
