"""What the evaluator says an expression is.

A `Value` is either a SQLAlchemy object of some `Kind` (with who owns it and,
for engines, where a new one is made each time this value is produced), or a
reference to something the program names: a library object by its canonical
dotted name, a module, function or class of the project, an instance of a
project class, a generator, a context manager.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .kinds import Kind

# A module of the project, by its resolved path; the module being checked when it
# has no path (an unsaved buffer) is BUFFER.
ModuleKey = Union[Path, str]
BUFFER: ModuleKey = "<buffer>"


class Owner(enum.Enum):
    """Who must release a connection or session."""

    FRESH = "fresh"  # made by this expression: whoever evaluates it owns it
    BORROWED = "borrowed"  # read from somewhere that keeps it (registry, attribute, global, with)
    BOUND = "bound"  # a session on a connection someone else owns: no pool slot of its own


class RefKind(enum.Enum):
    LIBRARY = "library"  # name: canonical dotted name (`sqlalchemy.orm.Session`)
    MODULE = "module"  # a module of the project
    FUNCTION = "function"  # a function or method of the project (qualname)
    CLASS = "class"  # a class of the project (qualname)
    INSTANCE = "instance"  # an instance of a class of the project (qualname)
    BOUND_METHOD = "bound method"  # a method read from an instance (qualname)
    GENERATOR = "generator"  # what calling a generator function returns (qualname)
    CONTEXT_MANAGER = "context manager"  # what calling a @contextmanager function returns
    KIND_METHOD = "kind method"  # `engine.connect` before it is called (name: method)


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    module: ModuleKey | None = None
    name: str = ""  # dotted name (LIBRARY), qualname (project objects) or method name
    receiver: Kind | None = None  # KIND_METHOD: the receiver's kind


@dataclass(frozen=True)
class Site:
    """Where a new engine is created each time a value is produced."""

    module: ModuleKey
    function: str  # qualname of the function that creates it ("" at module level)
    line: int = 0  # 0 when unknown (the module being checked knows its own nodes)


@dataclass(frozen=True)
class Value:
    kind: Kind | None = None
    ref: Ref | None = None
    owner: Owner = Owner.FRESH
    site: Site | None = None

    @property
    def known(self) -> bool:
        return self.kind is not None or self.ref is not None

    def borrowed(self) -> Value:
        """The same object read from somewhere that keeps it: not made here."""
        if self.owner is Owner.BORROWED and self.site is None:
            return self
        return Value(self.kind, self.ref, Owner.BORROWED, None)


NOTHING = Value()


def library(name: str) -> Value:
    if name.startswith("flask.ext."):
        # Flask before 1.0 imported its extensions as `flask.ext.sqlalchemy`: the
        # `flask_sqlalchemy` package under another name.
        name = "flask_" + name[len("flask.ext.") :]
    return Value(ref=Ref(RefKind.LIBRARY, name=name))


def of_kind(kind: Kind, owner: Owner = Owner.FRESH, site: Site | None = None) -> Value:
    return Value(kind=kind, owner=owner, site=site)
