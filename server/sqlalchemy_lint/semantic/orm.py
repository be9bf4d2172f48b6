"""The ORM model index: mapped classes' relationships and how each one loads, and
the loader options of the statements that load them (SQA401).

A relationship attribute (`user.addresses`) loads by its strategy: the default,
`lazy="select"`, runs one query on first access, so reading it for each object of
a result list runs one query per object (N+1). `relationship(..., lazy="selectin")`
(or "joined", "subquery", "immediate") loads it with the objects; so do loader
options on the statement (`select(User).options(selectinload(User.addresses))`).

Classes are read from module summaries (the checked module's own, or the project
module a class is imported from), so the index works the same on both; what a
relationship call is comes from that module's imports (`sqlalchemy.orm.relationship`,
SQLModel's `Relationship`, Flask-SQLAlchemy's `db.relationship`).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Union

import libcst as cst

from . import ir
from .detachment import chain_above
from .evaluate import Evaluator, FunctionFrame
from .flow import comes_before, exclusive
from .inference import Resolver
from .kinds import SELECT_FUNCTIONS, Kind
from .model import ModuleModel, Scope, binding_scope
from .summary import ClassInfo, FunctionInfo, ModuleSummary
from .templates import TemplateRead, element_reads
from .values import ModuleKey, Owner, Ref, RefKind

_RELATIONSHIP_CALLS = frozenset(
    {
        "sqlalchemy.orm.relationship",
        "sqlalchemy.orm.relation",
        "sqlalchemy.orm.relationships.relationship",
        "sqlmodel.Relationship",
    }
)
# Strategies that do not run a query per object on first access.
_NOT_PER_OBJECT = frozenset(
    {"selectin", "joined", "subquery", "immediate", "raise", "raise_on_sql", "noload"}
)
_LEGACY_STRATEGIES = {("n", "True"): "select", ("n", "False"): "joined", ("n", "None"): "noload"}
# Strategies that hand out a query (or a writer) instead of loading on access.
_QUERY_HANDING = frozenset({"dynamic", "write_only"})
_LOADER_OPTIONS = frozenset(
    {"selectinload", "joinedload", "subqueryload", "immediateload", "contains_eager",
     "defaultload", "raiseload", "noload", "lazyload"}
)  # fmt: skip
_SESSION_KINDS = frozenset({Kind.SESSION, Kind.SCOPED_SESSION})
# What a model's query property has besides a query's steps: one object by key
# (`get_or_404()`). (`paginate()` gives a page, whose objects a loop reads as the
# query's: `for a in page` or `for a in page.items`.)
_NOT_A_QUERY = frozenset({"get_or_404", "first_or_404", "one_or_404"})
# What gives one object of a statement's result (or of a legacy query).
_ONE_OBJECT = frozenset(
    {"first", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none"}
)
# Query methods that return one object (or a number), not the objects to loop over.
_SINGLE = frozenset(
    {"first", "one", "one_or_none", "scalar", "count", "get", "delete", "update", "exists"}
)


@dataclass
class LazyRead:
    # `user.addresses`, inside the loop (or a helper it calls); what a view returns
    # for its response model (`serializer`)
    node: cst.BaseExpression
    model: str  # the class, as written in the statement
    relationship: str
    loop: cst.CSTNode
    # The function the loop hands each object to, which reads the relationship
    # (`is_available(room)` reads `room.reservations`); None when the loop reads it.
    helper: str | None = None
    # The method of the model the loop calls on each object, which reads the
    # relationship on `self` (`room.to_dict()`); `node` is then the call's `room.to_dict`.
    # Or the property the loop reads (`cause.amount_raised`), with `property`.
    method: str | None = None
    property: bool = False
    # A many-to-one (or one-to-one) relationship: the session loads each target once,
    # and a read of one it holds runs no query.
    scalar: bool = False
    # What gives the objects when their query is not in this function, as the message
    # names it: the call of a project function that returns them
    # (`Incident.get_active()`); None when the query is in this function (the fix's
    # reach).
    objects_of: str | None = None
    # What serializes the objects and reads the relationship of each ("the response
    # model `PostOut`" a view returns them under, "the schema `PostSchema`" that dumps
    # them); `node` is then the objects' expression.
    serializer: str | None = None
    # Where the serializer reads it, if the message should say (" (line 9)" of a
    # template); and whether it is a template, which renders the objects.
    read_at: str = ""
    rendered: bool = False
    # Objects of a collection (`user.workouts`, or `garage.levels` of each garage a
    # loop goes over): the statement that loads its holder, as the message names it,
    # and the collections on the way (`("the statement that loads `user`",
    # ("User.workouts",))`), for the option that loads them all with it.
    through: Through | None = None


# See `LazyRead.through`.
Through = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Relationship:
    strategy: str  # its `lazy=`: "select" when not given, "unknown" when no literal
    # It holds one object, not a collection: declared `uselist=False`, annotated
    # `Mapped["Role"]` (or optional), beside a `<name>_id` column, or many-to-one as
    # SQLAlchemy reads the foreign keys (`_many_to_one`).
    scalar: bool = False
    # The holder's columns that point at the target (`owner_id` for `owner`): a query
    # that tests them for equality gives objects that share one target.
    columns: frozenset[str] = frozenset()
    # The target class's name, as the declaration gives it (`relationship("Workout")`,
    # `Mapped[list["Workout"]]`); None when it does not.
    target: str | None = None
    # Through an association table (`secondary=`): many-to-many, its targets shared.
    secondary: bool = False

    @property
    def may_load_on_access(self) -> bool:
        """May run a query when an object's attribute is first read: any strategy
        but those that load with the object (or never), a non-literal one included."""
        return self.strategy not in _NOT_PER_OBJECT

    @property
    def loads_per_object(self) -> bool:
        """Known to load one query per object on first access (`lazy="select"`, or a
        `"dynamic"`/`"write_only"` one when the query it hands out runs); a strategy
        that is no literal is not known, and counted out."""
        return self.may_load_on_access and self.strategy != "unknown"

    @property
    def hands_out_query(self) -> bool:
        """`lazy="dynamic"` or `"write_only"`: reading it hands out a query to run
        or to `append()` to, and loads nothing."""
        return self.strategy in _QUERY_HANDING


def relationships(
    resolver: Resolver, class_expr: cst.BaseExpression, scope: Scope
) -> dict[str, Relationship]:
    """The relationships the class `class_expr` declares (and those another class of
    its module declares on it with `backref=`), by name."""
    return relationships_of(resolver, resolver.value_of(class_expr, scope).ref)


# The relationships of each class, per evaluator (one analysis): a loop's every read
# asks for them again.
_RELATIONSHIPS: weakref.WeakKeyDictionary[object, dict[tuple[object, str], dict[str, Relationship]]]
_RELATIONSHIPS = weakref.WeakKeyDictionary()


def relationships_of(resolver: Resolver, ref: Ref | None) -> dict[str, Relationship]:
    """The relationships of the project class `ref` (see `relationships`)."""
    if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
        return {}
    evaluator = resolver.evaluator
    memo = _RELATIONSHIPS.setdefault(evaluator, {})
    key = (ref.module, ref.name)
    known = memo.get(key)
    if known is None:
        known = memo[key] = _relationships_of(evaluator, ref.module, ref.name)
    return known


def _relationships_of(
    evaluator: Evaluator, module: ModuleKey, name: str
) -> dict[str, Relationship]:
    info = evaluator.class_info(module, name)
    frame = evaluator.module_frame(module)
    if info is None or frame is None:
        return {}
    summary = frame.summary
    found: dict[str, Relationship] = {}
    for name, values in info.attributes.items():
        for value in values:
            if value[0] == "c" and _is_relationship(value[1], summary.imports):
                keywords = dict(value[3])
                scalar = (
                    keywords.get("uselist") == ("n", "False")
                    or _holds_one(
                        info.annotations.get(name), sqlmodel=_callee(value[1]) == "Relationship"
                    )
                    or f"{name}_id" in info.attributes
                    or _many_to_one(summary, info, value)
                )
                found[name] = Relationship(
                    _strategy(value),
                    scalar,
                    _columns_to(summary, info, name, value),
                    _target_name(value, info.annotations.get(name)),
                    "secondary" in keywords,
                )
    # `room = relationship("Room", backref="users")` on another class of the module:
    # `Room.users` too, loaded as `backref(...)`'s `lazy=` says; it holds one object
    # when this class's columns point at the other's table.
    for other in summary.classes.values():
        for values in other.attributes.values():
            for value in values:
                if value[0] == "c" and _is_relationship(value[1], summary.imports):
                    backref = _backref_to(value, info.name)
                    if backref is not None:
                        # (Through a `secondary=` table it is many-to-many.)
                        scalar = (
                            "secondary" not in dict(value[3])
                            and other.name != info.name
                            and _points_at(summary, info, other.name)
                        )
                        found.setdefault(
                            backref[0], Relationship(backref[1], scalar, target=other.name)
                        )
    return found


def _many_to_one(summary: ModuleSummary, holder: ClassInfo, call: ir.Expr) -> bool:
    """Whether the relationship `call` of the class `holder` is many-to-one, as
    SQLAlchemy tells the direction: a column of `holder` has a foreign key to the
    target's table (a self-referential one is many-to-one with `remote_side=`); one
    through a `secondary=` table is many-to-many."""
    keywords = dict(call[3])
    if "secondary" in keywords or keywords.get("uselist") == ("n", "True"):
        return False
    args = call[2]
    if not args or args[0][0] not in ("str", "n"):
        return False
    target = str(args[0][1]).rpartition(".")[2]
    if target == holder.name:
        return "remote_side" in keywords
    return _points_at(summary, holder, target)


def _columns_to(
    summary: ModuleSummary, holder: ClassInfo, name: str, call: ir.Expr
) -> frozenset[str]:
    """The columns of `holder` behind its relationship `name`: `<name>_id`, and those
    whose foreign key points at the target's table (or class)."""
    columns = {f"{name}_id"} & set(holder.attributes)
    args = call[2]
    if args and args[0][0] in ("str", "n"):
        target = str(args[0][1]).rpartition(".")[2]
        target_info = summary.classes.get(target)
        tables = {_plain(target)}
        if target_info is not None:
            declared = target_info.attributes.get("__tablename__", ())
            tables |= {_plain(str(value[1])) for value in declared if value[0] == "str"}
        for column, pointed in _foreign_key_columns(holder):
            if pointed == target or _plain(pointed) in tables:
                columns.add(column)
    return frozenset(columns)


def _points_at(summary: ModuleSummary, holder: ClassInfo, target: str) -> bool:
    """Whether a column of the class `holder` has a foreign key to the class `target`
    (`ForeignKey(Store.id)`) or its table (`ForeignKey("stores.id")`): the table the
    module's class of that name declares, else one named after the class
    (`login_setups` for `LoginSetup`)."""
    target_info = summary.classes.get(target)
    tables = {_plain(target)}
    if target_info is not None:
        declared = target_info.attributes.get("__tablename__", ())
        tables |= {_plain(str(value[1])) for value in declared if value[0] == "str"}
    return any(pointed == target or _plain(pointed) in tables for pointed in _foreign_keys(holder))


def _plain(name: str) -> str:
    """A class or table name compared loosely: `LoginSetup`, `login_setups` and
    `loginsetup` all read `loginsetup`."""
    return name.replace("_", "").lower().removesuffix("s")


def _foreign_keys(info: ClassInfo) -> Iterator[str]:
    """What the columns of a class point at with `ForeignKey(...)`: the table of a
    `"table.column"` string (`"schema.table.column"` too), or the class of
    `Class.column`."""
    for _, pointed in _foreign_key_columns(info):
        yield pointed


def _foreign_key_columns(info: ClassInfo) -> Iterator[tuple[str, str]]:
    """(column, what its foreign key points at) for the columns of a class."""
    for column, values in info.attributes.items():
        for value in values:
            if value[0] == "c" and _callee(value[1]) == "Field":
                # SQLModel's `Field(foreign_key="classrooms.id")`
                pointed = dict(value[3]).get("foreign_key")
                if pointed is not None and pointed[0] == "str":
                    parts = str(pointed[1]).split(".")
                    if len(parts) >= 2:
                        yield column, parts[-2]
                continue
            if value[0] != "c" or _callee(value[1]) not in ("Column", "mapped_column"):
                continue
            for arg in value[2]:
                if arg[0] != "c" or _callee(arg[1]) != "ForeignKey" or not arg[2]:
                    continue
                pointed = arg[2][0]
                if pointed[0] == "str":
                    parts = str(pointed[1]).split(".")
                    if len(parts) >= 2:
                        yield column, parts[-2]
                elif pointed[0] == "a" and pointed[1][0] == "n":
                    yield column, str(pointed[1][1])


def _callee(func: ir.Expr) -> str:
    """The name a call's function is spelled with: `Column` for `Column` and
    `db.Column`."""
    if func[0] == "n":
        return str(func[1])
    if func[0] == "a":
        return str(func[2])
    return ""


def _backref_to(call: ir.Expr, target: str) -> tuple[str, str] | None:
    """For `relationship("Room", backref="users")` (or `backref=backref("users",
    lazy=...)`) whose target is the class `target`: ("users", its strategy)."""
    args = call[2]
    first = args[0] if args else None
    if first is None or first[0] not in ("str", "n"):
        return None
    if first[1] != target and first[1].rpartition(".")[2] != target:
        return None
    for keyword, value in call[3]:
        if keyword != "backref":
            continue
        if value[0] == "str":
            return value[1], "select"
        if value[0] == "c" and value[2] and value[2][0][0] == "str":
            return value[2][0][1], _strategy(value)
    return None


_COLLECTIONS = frozenset(
    {"List", "list", "Set", "set", "Sequence", "Collection", "Iterable", "DynamicMapped"}
)


def _holds_one(annotation: ir.Expr | None, sqlmodel: bool = False) -> bool:
    """`Mapped["Role"]`, `Mapped[Optional[Role]]`, `Mapped[Role | None]`; not
    `Mapped[List["Role"]]`. With `sqlmodel` (a SQLModel `Relationship()`, annotated
    without `Mapped`): `"Role"`, `Optional["Role"]`, not `List["Role"]`."""
    if annotation is None:
        return False
    if sqlmodel and not (annotation[0] == "s" and annotation[1] == ("n", "Mapped")):
        annotation = ("s", ("n", "Mapped"), annotation)
    if annotation[0] != "s" or annotation[1] != ("n", "Mapped"):
        return False
    inner = annotation[2]
    if inner[0] == "str":
        return inner[1].lstrip().split("[", 1)[0].rpartition(".")[2] not in _COLLECTIONS
    if inner[0] == "s" and inner[1][0] in ("n", "a"):
        outer = inner[1][1] if inner[1][0] == "n" else inner[1][2]
        return outer in ("Optional",)
    return inner[0] in ("n", "a", "bor")


def _target_name(call: ir.Expr, annotation: ir.Expr | None) -> str | None:
    """The class a relationship call points at: its first argument (`"Workout"`,
    `"models.Workout"`, `Workout`), else the class its `Mapped[...]` annotation names
    (`Mapped[list["Workout"]]`, `Mapped[Optional[Workout]]`)."""
    candidates = [call[2][0]] if call[2] else []
    while annotation is not None:
        if annotation[0] == "s":
            annotation = annotation[2]  # `Mapped[...]`, `list[...]`, `Optional[...]`
            continue
        candidates.append(annotation)
        break
    for candidate in candidates[:1]:
        if candidate[0] == "str":
            text = str(candidate[1]).strip()
            inner = text.rsplit("[", 1)[-1].rstrip("] ").strip("'\"")
            name = inner.rpartition(".")[2]
            return name if name.isidentifier() else None
        if candidate[0] == "n":
            return str(candidate[1])
        if candidate[0] == "a":
            return str(candidate[2])
    return None


def _is_relationship(func: ir.Expr, imports: dict[str, str]) -> bool:
    if func[0] == "a" and func[2] in ("relationship", "relation"):
        # Flask-SQLAlchemy's `db.relationship`, `orm.relationship` (and the older
        # `orm.relation`, its synonym)
        return True
    if func[0] != "n":
        return False
    return imports.get(func[1], "") in _RELATIONSHIP_CALLS


def _strategy(call: ir.Expr) -> str:
    """`lazy=` of a relationship call (also SQLModel's `sa_relationship_kwargs`)."""
    for keyword, value in call[3]:
        if keyword == "lazy":
            if value[0] == "str":
                return str(value[1])
            # The older spellings: `True` is "select", `False` "joined", `None` "noload".
            return _LEGACY_STRATEGIES.get(value, "unknown")
        if keyword == "sa_relationship_kwargs":
            return "unknown"  # a dict the summary does not keep: assume it is set
    return "select"


def per_object_loads(model: ModuleModel, resolver: Resolver) -> Iterator[LazyRead]:
    """Reads of a lazily loaded relationship of each object of a query's result, in a
    loop or comprehension over it, when the query does not load that relationship."""
    for source in _object_sources(model, resolver):
        class_name, class_ref, options = source.model, source.ref, set(source.options)
        iterated, scope = source.iterated, source.scope
        objects_of = source.objects_of
        declared = relationships_of(resolver, class_ref)
        lazy = {
            rel
            for rel, relationship in declared.items()
            if relationship.loads_per_object
            and not _is_loaded(class_name, rel, options)
            # Every object's target is the one the query tested its columns against:
            # it loads once (`Station.query.filter_by(fleet_id=fleet_id)`, `st.fleet`).
            and not (
                relationship.scalar
                and relationship.columns
                and relationship.columns <= source.tested
            )
        }
        if source.whole and class_ref is not None:
            own = class_ref.name.rpartition(".")[2]
            lazy = {
                rel for rel in lazy if not (declared[rel].scalar and declared[rel].target == own)
            }
        if not lazy:
            continue
        # A `lazy="dynamic"` relationship queries only when the loop runs what it
        # hands out (`for e in img.events`, `m.donations.all()`), not on `append()`:
        # followed in the loop itself, not into the methods and helpers it calls.
        handing = {rel for rel in lazy if declared[rel].hands_out_query}
        scalars = {rel for rel in lazy if declared[rel].scalar}
        # What loops read of objects a project function returns: collections only. A
        # many-to-one read of them is left out (its targets, one query each, are most
        # often a few rows the session soon holds: roles, accounts, types).
        # So is one of rows of several entities: the row's other objects, loaded with
        # it, are in the session's identity map, where a many-to-one read finds its
        # target without a query (`query(Pet, Owner)`, `pet.owner`).
        few_targets = source.objects_of is not None or source.position is not None
        read_in_loops = lazy - scalars if few_targets else lazy
        # Relationships an earlier loop over the same objects loaded, and where.
        loaded_before: dict[str, cst.CSTNode] = {}
        # Reads in helpers, reported once however many loops hand them objects.
        helper_reads: set[cst.Attribute] = set()
        for loop, element in _loops_over(model, scope, iterated, source.position):
            if _past_block(model, source.block, loop):
                continue
            # The first read of each relationship loads it; one the loop assigns
            # first (`a.items = [...]`, then `for i in a.items`) reads what it set.
            # One an earlier loop over the same objects read is loaded already,
            # unless the session expired it since (a commit, a rollback, ...).
            loaded = {
                rel
                for rel, earlier in loaded_before.items()
                if _runs_whenever(model, earlier, loop)
                and not _may_expire_between(model, resolver, scope, earlier, loop)
            }
            reported: set[str] = set(loaded)
            # (In the order they run: `a.items = f(a.items)` reads before it stores.)
            references = sorted(
                scope.references.get(element, ()),
                key=lambda r: (
                    model.order[model.statement_of(r)],
                    _stores_to(model, r),
                    model.order[r],
                ),
            )
            for reference in references:
                attribute = model.parent(reference)
                if (
                    isinstance(attribute, cst.Attribute)
                    and attribute.value is reference
                    and attribute.attr.value in read_in_loops - reported
                    and loop in set(model.ancestors(reference))
                    and (attribute.attr.value not in handing or _runs_the_query(model, attribute))
                ):
                    reported.add(attribute.attr.value)
                    if not _is_store(model, attribute):
                        rel = attribute.attr.value
                        yield LazyRead(
                            attribute,
                            class_name,
                            rel,
                            loop,
                            scalar=rel in scalars,
                            objects_of=objects_of,
                            through=source.through,
                        )
            for reference in references:
                if loop not in set(model.ancestors(reference)):
                    continue
                called = _method_called_on(model, reference)
                read_as_property = False
                if called is None:
                    # `cause.progress_percentage`: a property of the model reads its
                    # relationships on `self` as a method does.
                    read = model.parent(reference)
                    if (
                        isinstance(read, cst.Attribute)
                        and read.value is reference
                        and read.attr.value not in declared
                    ):
                        called, read_as_property = read, True
                if called is not None:
                    found = _self_reads(
                        resolver, class_ref, called.attr.value, properties_only=read_as_property
                    )
                    method, read_by = found if found is not None else ("", frozenset())
                    if not read_by and not read_as_property:
                        read_by = _serialized_by_mixin(resolver, class_ref, called, declared)
                        method = f"{class_name}.to_dict" if read_by else method
                    read_lazily = sorted(read_by & (read_in_loops - handing - reported))
                    if read_lazily:
                        reported.update(read_lazily)
                        yield LazyRead(
                            called,
                            class_name,
                            read_lazily[0],
                            loop,
                            method=method,
                            scalar=set(read_lazily) <= scalars,
                            objects_of=objects_of,
                            through=source.through,
                            property=read_as_property,
                        )
                    if not read_as_property:
                        continue
                for helper, read in _helper_reads(model, scope, reference):
                    if (
                        read.attr.value in read_in_loops - handing - reported
                        and read not in helper_reads
                    ):
                        reported.add(read.attr.value)
                        helper_reads.add(read)
                        yield LazyRead(
                            read,
                            class_name,
                            read.attr.value,
                            loop,
                            helper=helper,
                            scalar=read.attr.value in scalars,
                            objects_of=objects_of,
                            through=source.through,
                        )
            loaded_before.update((rel, loop) for rel in reported - loaded)
        # Objects a schema dumps or a view returns under its response model: the
        # serializer's fields read the relationships they are named after, on each.
        serialized = _serializers_of(model, resolver, scope, iterated)
        # (Rows of several entities are tuples: what serializes them is not the model's.)
        for returned, serializer, fields in serialized if source.position is None else ():
            if _past_block(model, source.block, returned):
                continue
            # (A `lazy="dynamic"` one too: serializing it runs the query it hands out.)
            # A collection first, the costlier.
            # A field named after a property of the model reads what the property
            # reads (`gpa`, which sums `self.courses`).
            through: dict[str, tuple[str, str]] = {}
            for field in sorted(set(fields) - set(declared) - {"*"}):
                found = _self_reads(resolver, class_ref, field, properties_only=True)
                if found is not None:
                    for rel in found[1] & lazy:
                        through.setdefault(rel, (field, found[0]))
            fields_read = sorted(
                ((lazy if "*" in fields else set(fields)) & lazy) | set(through),
                key=lambda r: (r in scalars, r),
            )
            rendered = serializer.startswith("the template")
            if rendered:
                # What a template reads of each object: collections only. A page's
                # many-to-one reads were most often a few rows the session soon holds
                # (a department, a role, a class), judged false two times in three.
                fields_read = [r for r in fields_read if r not in scalars]
            if fields_read:
                first = fields_read[0]
                read_at = fields.get(first, "")
                if first not in fields and first in through:
                    field, prop = through[first]
                    read_at = f" (through the property `{prop}`){fields.get(field, '')}"
                yield LazyRead(
                    returned,
                    class_name,
                    first,
                    returned,
                    scalar=set(fields_read) <= scalars,
                    serializer=serializer,
                    read_at=read_at,
                    rendered=rendered,
                    objects_of=objects_of,
                    through=source.through,
                )


@dataclass(frozen=True)
class _Objects:
    """Objects of a mapped class a loop may read, and where they come from."""

    model: str  # the class, as written where the objects are loaded
    ref: Ref | None
    options: frozenset[str]  # the relationships their query loads
    iterated: cst.BaseExpression  # what loops go over: the query, or the name keeping it
    scope: Scope
    objects_of: str | None = None  # see `LazyRead`
    # Columns their query tests for equality with a value (`Station.fleet_id ==
    # fleet_id`): a many-to-one relationship behind them has one target for all.
    tested: frozenset[str] = frozenset()
    # The `with` block of the session that loads them: a read past it is of detached
    # objects (it raises: SQA107's matter), not a query.
    block: cst.With | None = None
    # Rows of several entities (`query(MealPlan, Dish)`): the objects' place in each
    # row, which a loop unpacks (`for meal, dish in rows:`).
    position: int | None = None
    through: Through | None = None  # see `LazyRead`
    # The query loads every row of its class (`AdminUser.query.all()`): a many-to-one
    # to that same class finds each target among them, in the identity map.
    whole: bool = False


def _past_block(model: ModuleModel, block: cst.With | None, node: cst.CSTNode) -> bool:
    """Whether `node` runs after the session's `with` block closed it."""
    return block is not None and block not in set(model.ancestors(node))


def _session_block(
    model: ModuleModel, resolver: Resolver, call: cst.Call, scope: Scope
) -> cst.With | None:
    """The `with` block that binds the session the query `call` runs on (`with
    Session(engine) as session:` ... `session.query(User)`), when it closes it at its
    end: past it, the objects are detached."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    session = func.value.value
    for ancestor in model.ancestors(call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.With) and any(
            item.asname is not None
            and isinstance(item.asname.name, cst.Name)
            and item.asname.name.value == session
            and isinstance(item.item, cst.Call)
            and _closes_at_exit(resolver, item.item, scope)
            for item in ancestor.items
        ):
            return ancestor
    return None


def _object_sources(model: ModuleModel, resolver: Resolver) -> Iterator[_Objects]:
    """The objects of queries of many objects in this module: run here, or returned
    by a project function; those of a collection of one object loaded here; and those
    of a collection of each object a loop over any of these goes over."""
    for source in _direct_sources(model, resolver):
        yield source
        yield from _nested_collections(model, resolver, source)


# How deep loops over collections inside loops are followed (garages, their levels,
# their zones, their bays).
_NESTED_LOOPS = 3


def _nested_collections(
    model: ModuleModel, resolver: Resolver, outer: _Objects, depth: int = 0
) -> Iterator[_Objects]:
    """The objects of a one-to-many collection of each object a loop over `outer`
    goes over (`for garage in garages:`, `for level in garage.levels:`): the levels of
    every garage, many objects whose own lazy relationships load one query each
    (`level.zones`), however the collection itself was loaded."""
    if depth >= _NESTED_LOOPS or outer.ref is None:
        return
    declared = relationships_of(resolver, outer.ref)
    if outer.through is not None:
        statement, collections = outer.through
    elif outer.objects_of is None:
        statement, collections = "the statement", ()
    else:
        statement, collections = f"the statement of {outer.objects_of}", ()
    for loop, element in _loops_over(model, outer.scope, outer.iterated, outer.position):
        if _past_block(model, outer.block, loop):
            continue
        for reference in outer.scope.references.get(element, ()):
            attribute = model.parent(reference)
            if not isinstance(attribute, cst.Attribute) or attribute.value is not reference:
                continue
            holder = model.parent(attribute)
            if not (
                isinstance(holder, (cst.For, cst.CompFor))
                and holder.iter is attribute
                and loop in set(model.ancestors(attribute))
            ):
                continue
            relationship = declared.get(attribute.attr.value)
            if (
                relationship is None
                or relationship.scalar
                or relationship.secondary  # a few shared targets (see `_collection_objects`)
                or relationship.target is None
            ):
                continue
            target = target_class(resolver, outer.ref, relationship)
            if target is None:
                continue
            # The class as the loop's module names it: `models.Level`, beside
            # `models.Garage` of the same module.
            qualifier, _, _ = outer.model.rpartition(".")
            same_module = target.module == outer.ref.module
            nested = _Objects(
                f"{qualifier}.{relationship.target}"
                if qualifier and same_module
                else relationship.target,
                target,
                outer.options,
                attribute,
                outer.scope,
                objects_of=f"`{model.module.code_for_node(attribute)}`",
                block=outer.block,
                through=(statement, (*collections, f"{outer.model}.{attribute.attr.value}")),
            )
            yield nested
            yield from _nested_collections(model, resolver, nested, depth + 1)


def _direct_sources(model: ModuleModel, resolver: Resolver) -> Iterator[_Objects]:
    yield from _collection_objects(model, resolver)
    for call in model.calls:
        found = _query_of_many(model, resolver, call)
        if found is not None:
            statement_model, options, iterated, scope, tested = found
            block = _session_block(model, resolver, call, scope)
            whole = _loads_every_row(model, call)
            entities = _row_entities(call, statement_model)
            outer, _ = _calls_above(model, call)
            for position, entity in enumerate(entities):
                if not isinstance(entity, (cst.Name, cst.Attribute)) or not _class_named(entity):
                    continue  # a column of the row (`query(Post, func.count())`)
                if entity is not statement_model:
                    tested = frozenset(_columns_tested_equal(resolver, entity, scope, outer, call))
                yield _Objects(
                    model.module.code_for_node(entity),
                    resolver.value_of(entity, scope).ref,
                    frozenset(options),
                    iterated,
                    scope,
                    tested=tested,
                    block=block,
                    position=position if len(entities) > 1 else None,
                    whole=whole and len(entities) == 1,
                )
            continue
        returned = _returned_objects(model, resolver, call)
        if returned is not None:
            objects, iterated, scope = returned
            yield _Objects(
                objects.model,
                objects.ref,
                objects.options,
                iterated,
                scope,
                objects_of=f"`{model.module.code_for_node(call.func)}()`",
            )


def _collection_objects(model: ModuleModel, resolver: Resolver) -> Iterator[_Objects]:
    """The objects of a collection relationship of one object a session loads here,
    which a loop goes over (`user = session.get(User, id)`, `for workout in
    user.workouts`): of the relationship's target class, loaded without options of
    their own unless the statement's options chain them (`selectinload(User.workouts)
    .selectinload(Workout.exercises)`)."""
    for load in _lazy_loads(model, resolver):
        if not load.single or load.ref is None:
            continue
        declared = relationships_of(resolver, load.ref)
        block = _session_block(model, resolver, load.call, load.scope)
        for reference in load.scope.references.get(load.name, ()):
            attribute = model.parent(reference)
            if not isinstance(attribute, cst.Attribute) or attribute.value is not reference:
                continue
            relationship = declared.get(attribute.attr.value)
            if relationship is None or relationship.scalar or relationship.hands_out_query:
                continue
            if relationship.secondary:
                # Shared targets through an association table (a user's roles, a post's
                # tags): a few per object, that do not grow with the data.
                continue
            target = target_class(resolver, load.ref, relationship)
            if target is None or relationship.target is None:
                continue
            yield _Objects(
                relationship.target,
                target,
                load.options,
                attribute,
                load.scope,
                objects_of=f"`{model.module.code_for_node(attribute)}`",
                block=block,
                through=(
                    f"the statement that loads `{load.name}`",
                    (f"{load.model_name}.{attribute.attr.value}",),
                ),
            )


def target_class(resolver: Resolver, holder: Ref, relationship: Relationship) -> Ref | None:
    """The project class a relationship of the class `holder` points at: its name as
    the holder's module sees it, else the one class of that name among the project's
    modules that mention it (a string names a class of SQLAlchemy's registry, which
    needs no import)."""
    name = relationship.target
    if name is None or holder.module is None:
        return None
    evaluator = resolver.evaluator
    frame = evaluator.module_frame(holder.module)
    if frame is not None:
        ref = evaluator.module_name(frame, name).ref
        if ref is not None and ref.kind is RefKind.CLASS:
            return ref
    found = {
        key
        for key in resolver.view.modules_mentioning(holder.module, name)
        if evaluator.class_info(key, name) is not None
    }
    return Ref(RefKind.CLASS, found.pop(), name) if len(found) == 1 else None


# The route decorators of FastAPI (and Starlette-style routers) that take a response
# model: `@router.get("/", response_model=List[PostOut])`.
_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "api_route", "route", "head", "options"}
)
_SEQUENCES = frozenset({"List", "list", "Sequence", "Iterable", "Collection", "Set", "set"})
_RESPONSE_MODEL_BASES = ("pydantic.", "sqlmodel.")


def _serializers_of(
    model: ModuleModel, resolver: Resolver, scope: Scope, iterated: cst.BaseExpression
) -> Iterator[tuple[cst.BaseExpression, str, dict[str, str]]]:
    """What serializes the objects and reads their fields: a marshmallow schema of many
    that dumps them (`_dumped_by`), the response model of many of a view that returns
    them (`_returned_under`), or a Jinja template a view renders them with
    (`_rendered_by`). (The objects' expression, the serializer as the message names it,
    the fields it reads, each with where it reads it if the message should say.)"""
    for node in _uses_of(model, scope, iterated):
        if not isinstance(node, cst.BaseExpression):
            continue
        if _one_object_there(model, resolver, scope, iterated, node):
            continue
        dumped = _dumped_by(model, resolver, scope, node)
        if dumped is not None:
            yield node, f"the schema `{dumped[0]}`", dict.fromkeys(dumped[1], "")
            continue
        returned = _returned_under(model, resolver, scope, node)
        if returned is not None:
            yield node, f"the response model `{returned[0]}`", dict.fromkeys(returned[1], "")
            continue
        responded = _responded_by(model, resolver, scope, node)
        if responded is not None:
            yield node, f"the schema `{responded[0]}`", dict.fromkeys(responded[1], "")
            continue
        marshalled = _marshalled_by(model, scope, node)
        if marshalled is not None:
            yield node, f"the model `{marshalled[0]}`", dict.fromkeys(marshalled[1], "")
            continue
        marshalled = _marshalled_by_call(model, resolver, scope, node)
        if marshalled is not None:
            yield node, f"the fields `{marshalled[0]}`", dict.fromkeys(marshalled[1], "")
            continue
        rendered = _rendered_by(model, resolver, scope, node)
        if rendered is not None:
            name, reads = rendered
            yield (
                node,
                f"the template `{name}`",
                {
                    attribute: (
                        f" (line {read.line})"
                        if read.template == name
                        else f" (through `{read.template}`, line {read.line})"
                    )
                    for attribute, read in reads.items()
                },
            )


# Flask-RESTX's (and Flask-RESTPlus's) decorators that serialize what a view returns.
_MARSHALLING = frozenset({"marshal_with", "marshal_list_with"})


def _marshalled_by(
    model: ModuleModel, scope: Scope, node: cst.BaseExpression
) -> tuple[str, set[str]] | None:
    """For objects a Flask-RESTX view returns (`return students`, `return students,
    200`) from a method or function decorated `@ns.marshal_with(student_model)` (or
    `marshal_list_with`), where `student_model = ns.model("Student", {...})`: the model
    as written and the attributes its fields read (a field's `attribute=` if a string,
    else its key)."""
    function = _view_returning(model, node)
    if function is None:
        return None
    for call in _decorator_calls(function, _MARSHALLING):
        if call.args and isinstance(call.args[0].value, cst.Name):
            named = call.args[0].value.value
            fields = _restx_fields(named, scope)
            if fields:
                return named, fields
    return None


# Flask-RESTful's (and Flask-RESTX's) function that serializes objects through fields.
_MARSHAL_FUNCTIONS = frozenset(
    {"flask_restful.marshal", "flask_restx.marshal", "flask_restplus.marshal"}
)


def _marshalled_by_call(
    model: ModuleModel, resolver: Resolver, scope: Scope, node: cst.BaseExpression
) -> tuple[str, set[str]] | None:
    """For objects handed to Flask-RESTful's `marshal(samples, fields)` (or Flask-RESTX's),
    whose fields are a dict (`{"theme.name": fields.String, "owner": fields.Nested(...)}`,
    written there, bound to a name, or a class attribute read as `self.fields`) or a
    Flask-RESTX model: the fields as written and the attributes they read of each object
    (a dotted key or `attribute=` reads its first name: `theme` of `theme.name`)."""
    arg = model.parent(node)
    call = model.parent(arg) if isinstance(arg, cst.Arg) else None
    if not isinstance(call, cst.Call) or not isinstance(arg, cst.Arg) or arg.keyword is not None:
        return None
    if not call.args or call.args[0] is not arg:
        return None
    if resolver.qualify(call.func) not in _MARSHAL_FUNCTIONS:
        return None
    given = next(
        (
            a.value
            for index, a in enumerate(call.args)
            if (a.keyword is None and index == 1)
            or (a.keyword is not None and a.keyword.value == "fields")
        ),
        None,
    )
    if given is None:
        return None
    written = model.module.code_for_node(given)
    spec: cst.BaseExpression | None = given
    if isinstance(given, cst.Name):
        restx = _restx_fields(given.value, scope)
        if restx:
            return written, restx
        spec = _only_value(given.value, scope)
    elif (
        isinstance(given, cst.Attribute)
        and isinstance(given.value, cst.Name)
        and given.value.value in ("self", "cls")
        and scope.class_info is not None
    ):
        values = scope.class_info.attributes.get(given.attr.value, [])
        spec = values[0][0] if len(values) == 1 else None
    if not isinstance(spec, cst.Dict):
        return None
    reads = _field_reads(spec)
    return (written, reads) if reads else None


def _decorator_calls(function: cst.FunctionDef, methods: frozenset[str]) -> Iterator[cst.Call]:
    """The decorators of `function` that call a method of that name on an object
    (`@router.get(...)`, `@ns.marshal_with(...)`, `@blp.response(...)`)."""
    for decorator in function.decorators:
        call = decorator.decorator
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value in methods
        ):
            yield call


def _view_returning(model: ModuleModel, node: cst.BaseExpression) -> cst.FunctionDef | None:
    """The sync function that returns `node` (`return students`, or with a status,
    `return students, 200`), for a decorator of it to serialize. (Under asyncio a lazy
    read fails rather than queries.)"""
    statement = model.parent(node)
    if isinstance(statement, cst.Element):  # `return students, 200`
        pair = model.parent(statement)
        if not isinstance(pair, cst.Tuple) or pair.elements[0] is not statement:
            return None
        statement = model.parent(pair)
    if not isinstance(statement, cst.Return):
        return None
    function = next(
        (a for a in model.ancestors(statement) if isinstance(a, (cst.FunctionDef, cst.Lambda))),
        None,
    )
    if not isinstance(function, cst.FunctionDef) or function.asynchronous is not None:
        return None
    return function


def _responded_by(
    model: ModuleModel, resolver: Resolver, scope: Scope, node: cst.BaseExpression
) -> tuple[str, set[str]] | None:
    """For objects a flask-smorest view returns under `@blp.response(200,
    PostSchema(many=True))` (or a name bound to such a schema): the schema as written
    and what its fields read (`_schema_reads`)."""
    function = _view_returning(model, node)
    if function is None:
        return None
    for call in _decorator_calls(function, frozenset({"response"})):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value != "schema":
                continue
            made: cst.BaseExpression | None = arg.value
            if isinstance(made, cst.Name):
                made = _only_value(made.value, scope)
            if isinstance(made, cst.Call) and any(_is_many(a) for a in made.args):
                fields = _schema_reads(resolver, made.func, scope)
                if fields:
                    return model.module.code_for_node(made.func), fields
    return None


def _restx_fields(named: str, scope: Scope, depth: int = 0) -> set[str] | None:
    """What the Flask-RESTX model bound to `named` reads of each object:
    `ns.model("Student", {"name": fields.String, "courses": fields.List(...),
    "teacher": fields.String(attribute="teacher_name")})`, and `ns.clone("Teacher",
    parent, {...})` or `ns.inherit(...)`, which add their fields to the parents'."""
    made = _only_value(named, scope)
    if not isinstance(made, cst.Call) or depth > 3:
        return None
    func = made.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    if name in ("model", "Model") and len(made.args) >= 2:
        parents: list[cst.Arg] = []
    elif name in ("clone", "inherit") and len(made.args) >= 3:
        parents = list(made.args[1:-1])
    else:
        return None
    spec = made.args[-1].value if parents else made.args[1].value
    if not isinstance(spec, cst.Dict):
        return None
    reads: set[str] = set()
    for parent in parents:
        inherited = (
            _restx_fields(parent.value.value, scope, depth + 1)
            if isinstance(parent.value, cst.Name)
            else None
        )
        reads |= inherited or set()
    return reads | _field_reads(spec)


def _field_reads(spec: cst.Dict) -> set[str]:
    """What a Flask-RESTful/RESTX dict of fields reads of each object: each key, or its
    field's `attribute=` when a string; of a dotted one, its first name."""
    reads: set[str] = set()
    for element in spec.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(
            element.key, cst.SimpleString
        ):
            continue
        key = element.key.evaluated_value
        read = key if isinstance(key, str) else None
        if isinstance(element.value, cst.Call):
            for arg in element.value.args:
                if arg.keyword is not None and arg.keyword.value == "attribute":
                    given = arg.value
                    value = given.evaluated_value if isinstance(given, cst.SimpleString) else None
                    read = value if isinstance(value, str) else None
        if read is not None:
            reads.add(read.split(".", 1)[0])
    return reads


# The functions that render a Jinja template with keyword arguments as its context.
_RENDER_FUNCTIONS = frozenset(
    {"flask.render_template", "flask.templating.render_template", "quart.render_template"}
)


def _rendered_by(
    model: ModuleModel, resolver: Resolver, scope: Scope, node: cst.BaseExpression
) -> tuple[str, dict[str, TemplateRead]] | None:
    """For objects a sync view hands a Jinja template as a context variable of a list
    (`render_template("index.html", posts=posts)`, a page's `posts=page.items`, or
    Starlette's `templates.TemplateResponse("index.html", {"posts": posts, ...})`): the
    template's name and what it reads of each object it loops over (`templates.py`)."""
    holder = model.parent(node)
    # `posts=page.items`: the template gets the page's objects themselves.
    elements = isinstance(holder, cst.Attribute) and holder.attr.value == "items"
    value: cst.CSTNode = holder if elements and holder is not None else node
    holder = model.parent(value)
    variable: str | None = None
    call: cst.CSTNode | None = None
    if isinstance(holder, cst.Arg) and holder.keyword is not None and holder.value is value:
        variable, call = holder.keyword.value, model.parent(holder)
        if not isinstance(call, cst.Call) or resolver.qualify(call.func) not in _RENDER_FUNCTIONS:
            return None
        name_arg = call.args[0] if call.args and call.args[0].keyword is None else None
    elif isinstance(holder, cst.DictElement) and holder.value is value:
        key = holder.key
        evaluated = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        variable = evaluated if isinstance(evaluated, str) else None
        context = model.parent(model.parent(holder) or holder)
        call = model.parent(context) if isinstance(context, cst.Arg) else None
        if (
            not isinstance(variable, str)
            or not isinstance(call, cst.Call)
            or not isinstance(call.func, cst.Attribute)
            or call.func.attr.value != "TemplateResponse"
        ):
            return None
        name_arg = next(
            (
                a
                for a in call.args
                if (a.keyword is None and isinstance(a.value, cst.SimpleString))
                or (a.keyword is not None and a.keyword.value == "name")
            ),
            None,
        )
    else:
        return None
    if name_arg is None or not isinstance(name_arg.value, cst.SimpleString):
        return None
    name = name_arg.value.evaluated_value
    function = next((a for a in model.ancestors(call) if isinstance(a, cst.FunctionDef)), None)
    if not isinstance(name, str) or (function is not None and function.asynchronous is not None):
        return None  # (under asyncio a lazy read fails rather than queries)
    view = resolver.view
    text = view.template(name)
    if text is None:
        return None
    reads = element_reads(text, name, variable, view.template, elements=False)
    return (name, reads) if reads else None


def _returned_under(
    model: ModuleModel, resolver: Resolver, scope: Scope, node: cst.BaseExpression
) -> tuple[str, set[str]] | None:
    """For objects a sync view returns (`return users`, `return db.query(User).all()`)
    under a response model of many (`response_model=List[UserOut]`, or the return
    annotation `-> list[UserOut]`) that is a pydantic (or SQLModel) class of the
    project: the class as written, and its fields."""
    statement = model.parent(node)
    if not isinstance(statement, cst.Return) or statement.value is not node:
        return None
    function = next(
        (a for a in model.ancestors(statement) if isinstance(a, (cst.FunctionDef, cst.Lambda))),
        None,
    )
    if not isinstance(function, cst.FunctionDef) or function.asynchronous is not None:
        return None  # (under asyncio a lazy read fails rather than queries)
    element = _response_element(function)
    if element is None:
        return None
    fields = _model_fields(resolver, element, scope)
    return (model.module.code_for_node(element), fields) if fields else None


# marshmallow's schema classes (also through flask-marshmallow's `ma.Schema`, and
# marshmallow-sqlalchemy's), by their last name.
_SCHEMA_BASES = frozenset(
    {"Schema", "SQLAlchemySchema", "SQLAlchemyAutoSchema", "ModelSchema", "TableSchema"}
)
# Fields that read an object (or objects) the attribute holds.
_NESTING_FIELDS = frozenset({"Nested", "List", "Pluck", "Related", "RelatedList"})


def _dumped_by(
    model: ModuleModel, resolver: Resolver, scope: Scope, node: cst.CSTNode
) -> tuple[str, set[str]] | None:
    """For objects handed to a marshmallow schema of many (`PostSchema(many=True)
    .dump(posts)`, a name bound to one, or `schema.dump(posts, many=True)`): the
    schema as written and what its fields read of each object (every relationship,
    "*", for `include_relationships = True`)."""
    arg = model.parent(node)
    call = model.parent(arg) if isinstance(arg, cst.Arg) else None
    if (
        not isinstance(call, cst.Call)
        or not isinstance(call.func, cst.Attribute)
        or call.func.attr.value not in ("dump", "dumps")
        or not call.args
        or call.args[0] is not arg
    ):
        return None
    many = any(_is_many(a) for a in call.args[1:])
    schema = call.func.value
    made: cst.BaseExpression | None = schema
    if isinstance(schema, cst.Name):
        made = _only_value(schema.value, scope)
    if not isinstance(made, cst.Call):
        return None
    many = many or any(_is_many(a) for a in made.args)
    if not many:
        return None
    fields = _schema_reads(resolver, made.func, scope)
    return (model.module.code_for_node(made.func), fields) if fields else None


def _is_many(arg: cst.Arg) -> bool:
    return (
        arg.keyword is not None
        and arg.keyword.value == "many"
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "True"
    )


def _schema_reads(resolver: Resolver, class_expr: cst.BaseExpression, scope: Scope) -> set[str]:
    """What the marshmallow schema class `class_expr` of the project reads of each
    object it dumps: the attributes of its nesting fields (`author =
    fields.Nested(UserSchema)`, `List(Nested(...))`, `Pluck(..., attribute="owner")`),
    the names its `Meta.fields` lists, and "*" (every relationship) when its `Meta`
    says `include_relationships = True`."""
    found = _project_class(resolver, class_expr, scope)
    if found is None:
        return set()
    class_module, qualname = found
    evaluator = resolver.evaluator
    reads: set[str] = set()
    schema = False
    for module, info in evaluator.class_hierarchy(class_module, qualname):
        schema = schema or any(
            (base[0] == "a" and base[2] in _SCHEMA_BASES)
            or (base[0] == "n" and base[1] in _SCHEMA_BASES)
            for base in info.bases
        )
        for name, values in info.attributes.items():
            for value in values:
                if value[0] == "c" and _callee(value[1]) in _NESTING_FIELDS:
                    attribute = dict(value[3]).get("attribute")
                    reads.add(str(attribute[1]) if attribute and attribute[0] == "str" else name)
        frame = evaluator.module_frame(module)
        meta = frame.summary.classes.get(f"{info.qualname}.Meta") if frame is not None else None
        if meta is not None:
            if meta.attributes.get("include_relationships", ((),))[0] == ("n", "True"):
                reads.add("*")
            for listed in meta.attributes.get("fields", ()):
                if listed[0] in ("t", "l"):
                    reads |= {str(item[1]) for item in listed[1:] if item[0] == "str"}
    return reads if schema else set()


def _response_element(function: cst.FunctionDef) -> cst.BaseExpression | None:
    """`X` of the view's `response_model=List[X]`, else of its `-> List[X]`."""
    declared: cst.BaseExpression | None = None
    for call in _decorator_calls(function, _ROUTE_METHODS):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "response_model":
                declared = arg.value
    if declared is None and function.returns is not None:
        declared = function.returns.annotation
    if not isinstance(declared, cst.Subscript) or len(declared.slice) != 1:
        return None
    outer = declared.value
    outer_name = (
        outer.attr.value if isinstance(outer, cst.Attribute) else getattr(outer, "value", "")
    )
    element = declared.slice[0].slice
    if outer_name not in _SEQUENCES or not isinstance(element, cst.Index):
        return None
    return element.value if isinstance(element.value, (cst.Name, cst.Attribute)) else None


def _model_fields(resolver: Resolver, element: cst.BaseExpression, scope: Scope) -> set[str]:
    """The fields of the pydantic (or SQLModel) class `element` of the project, its
    project bases' included: the names it annotates, but not a SQLModel table's
    `Relationship()` attributes (no fields: a response model of the table itself
    serializes its columns only)."""
    found = _project_class(resolver, element, scope)
    if found is None:
        return set()
    class_module, qualname = found
    evaluator = resolver.evaluator
    fields: set[str] = set()
    pydantic = False
    for module, info in evaluator.class_hierarchy(class_module, qualname):
        fields |= {
            name
            for name in info.annotations
            if not any(
                value[0] == "c" and _callee(value[1]) == "Relationship"
                for value in info.attributes.get(name, ())
            )
        }
        pydantic = pydantic or any(
            base.startswith(_RESPONSE_MODEL_BASES) for base in evaluator.library_bases(module, info)
        )
    return fields if pydantic else set()


# What runs the query a dynamic relationship hands out.
_RUNNING = frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "get"})


def _runs_the_query(model: ModuleModel, attribute: cst.Attribute) -> bool:
    """`for e in img.events`, `m.donations.filter(...).all()`: the query the dynamic
    relationship `attribute` hands out runs here."""
    node: cst.CSTNode = attribute
    while True:
        parent = model.parent(node)
        if isinstance(parent, (cst.For, cst.CompFor)):
            return parent.iter is node
        if not isinstance(parent, cst.Attribute) or parent.value is not node:
            return False
        call = model.parent(parent)
        if not isinstance(call, cst.Call) or call.func is not parent:
            return False
        if parent.attr.value in _RUNNING:
            return True
        node = call


def _method_called_on(model: ModuleModel, reference: cst.Name) -> cst.Attribute | None:
    """`room.to_dict` of `room.to_dict(...)`, for the reference `room`."""
    attribute = model.parent(reference)
    call = model.parent(attribute) if attribute is not None else None
    if (
        isinstance(attribute, cst.Attribute)
        and attribute.value is reference
        and isinstance(call, cst.Call)
        and call.func is attribute
    ):
        return attribute
    return None


# sqlalchemy-serializer's mixin: `to_dict()` serializes every column and
# relationship of the object, unless the class or the call narrows it.
_SERIALIZER_MIXINS = frozenset(
    {"sqlalchemy_serializer.SerializerMixin", "sqlalchemy_serializer.serializer.SerializerMixin"}
)


def _serialized_by_mixin(
    resolver: Resolver, ref: Ref | None, called: cst.Attribute, declared: dict[str, Relationship]
) -> frozenset[str]:
    """The relationships `obj.to_dict()` reads when the model derives from
    sqlalchemy-serializer's `SerializerMixin`: those its `only=` (or the class's
    `serialize_only`) names, else all but those its `rules=` (or `serialize_rules`)
    leave out (`"-comments"`)."""
    if (
        called.attr.value != "to_dict"
        or ref is None
        or not resolver.evaluator.derives_from(ref, _SERIALIZER_MIXINS)
        or ref.module is None
    ):
        return frozenset()
    settings: dict[str, list[str]] = {}
    for _, info in reversed(resolver.evaluator.class_hierarchy(ref.module, ref.name)):
        for setting in ("serialize_only", "serialize_rules"):
            for value in info.attributes.get(setting, ()):
                if value[0] in ("t", "l"):
                    settings[setting] = [str(item[1]) for item in value[1:] if item[0] == "str"]
    call = resolver.model.parent(called)
    if isinstance(call, cst.Call):
        for arg in call.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword in ("only", "rules"):
                items = arg.value.elements if isinstance(arg.value, (cst.Tuple, cst.List)) else ()
                strings = [
                    e.value.evaluated_value for e in items if isinstance(e.value, cst.SimpleString)
                ]
                settings[f"serialize_{keyword}"] = [x for x in strings if isinstance(x, str)]
    only = settings.get("serialize_only")
    if only:
        return frozenset(name.split(".", 1)[0] for name in only if not name.startswith("-"))
    left_out = {
        r[1:] for r in settings.get("serialize_rules", ()) if r.startswith("-") and "." not in r
    }
    return frozenset(set(declared) - left_out)


def _self_reads(
    resolver: Resolver, ref: Ref | None, name: str, *, properties_only: bool = False
) -> tuple[str, frozenset[str]] | None:
    """The method (or, with `properties_only`, the property) `name` of the mapped class
    `ref` (or of a base of it in the project), as `Class.name`, and what it reads on
    `self`, the reads of the properties it reads included (`progress_percentage` reads
    `self.amount_raised`, a property that sums `self.donations`); None when the class
    has no such method."""
    if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
        return None if properties_only else (name, frozenset())
    evaluator = resolver.evaluator
    hierarchy = evaluator.class_hierarchy(ref.module, ref.name)

    def found(method: str, properties: bool) -> tuple[str, FunctionInfo | None] | None:
        for module, info in hierarchy:
            qualname = info.methods.get(method)
            if qualname is not None:
                function = evaluator.function_info(module, qualname)
                if properties and (function is None or not evaluator.is_property(module, function)):
                    return None
                return f"{info.name}.{method}", function
        return None

    first = found(name, properties_only)
    if first is None:
        return None if properties_only else (name, frozenset())
    qualified, function = first
    reads: set[str] = set()
    pending: list[FunctionInfo | None] = [function]
    seen = {name}
    while pending:
        current = pending.pop()
        if current is None:
            continue
        # What the method sets on `self` it reads back as set.
        own = current.self_reads - set(current.self_attributes)
        reads |= own
        for read in own - seen:
            seen.add(read)
            if len(seen) <= 8:
                followed = found(read, True)
                if followed is not None:
                    pending.append(followed[1])
    return qualified, frozenset(reads)


def _helper_reads(
    model: ModuleModel, scope: Scope, reference: cst.Name
) -> Iterator[tuple[str, cst.Attribute]]:
    """For an object handed to a function of this module, or to a method of the class
    on `self`, as a positional argument (`is_available(room, start)`): the function's
    name and its reads of an attribute of that parameter (`room.reservations`) which
    the function does not rebind."""
    argument = model.parent(reference)
    if not isinstance(argument, cst.Arg) or argument.keyword is not None or argument.star:
        return
    call = model.parent(argument)
    if not isinstance(call, cst.Call) or any(
        a.keyword is not None or a.star for a in call.args[: call.args.index(argument)]
    ):
        return
    index = call.args.index(argument)
    helper = _local_function(model, scope, call.func)
    if helper is None or not isinstance(helper.node, cst.FunctionDef):
        return
    params = [*helper.node.params.posonly_params, *helper.node.params.params]
    if isinstance(call.func, cst.Attribute):
        params = params[1:]  # `self`
    if index >= len(params):
        return
    name = params[index].name.value
    if helper.assignments.get(name):
        return
    attributes = [
        attribute
        for use in helper.references.get(name, ())
        if isinstance(attribute := model.parent(use), cst.Attribute) and attribute.value is use
    ]
    # One the helper sets first, unconditionally (`category.children = query.all()`),
    # reads what it set; not one it tests first (`if farm.soil_types is None:`).
    body = helper.node.body.body if isinstance(helper.node.body, cst.IndentedBlock) else ()
    set_first: dict[str, int] = {}
    for attribute in attributes:
        line_of = model.parent(model.statement_of(attribute))
        if _is_store(model, attribute) and any(line is line_of for line in body):
            name_set = attribute.attr.value
            set_first[name_set] = min(
                set_first.get(name_set, model.order[attribute]), model.order[attribute]
            )
    for attribute in attributes:
        if _is_store(model, attribute):
            continue
        first_set = set_first.get(attribute.attr.value)
        if first_set is None or model.order[attribute] < first_set:
            yield helper.name, attribute


def _local_function(model: ModuleModel, scope: Scope, func: cst.BaseExpression) -> Scope | None:
    """The function `func` names: one of this module's (`is_available`), or a method of
    the class of the method `scope` is (`self.is_available`)."""
    if isinstance(func, cst.Name):
        # (Not when a function's own name shadows it: a parameter, a local.)
        bound = binding_scope(func.value, scope)
        return model.functions.get(func.value) if bound is None or bound.is_module else None
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == "self"
    ):
        owner: Scope | None = scope
        while owner is not None and owner.class_info is None:
            owner = owner.parent
        if owner is None or owner.class_info is None:
            return None
        for sibling in owner.parent.children if owner.parent is not None else ():
            if sibling.class_info is owner.class_info and sibling.name == func.attr.value:
                return sibling
    return None


# Builtins that cannot make the session expire what it loaded.
_HARMLESS_BUILTINS = frozenset(
    {
        "len",
        "print",
        "str",
        "int",
        "float",
        "bool",
        "repr",
        "isinstance",
        "sorted",
        "list",
        "set",
        "tuple",
        "dict",
        "min",
        "max",
        "sum",
        "any",
        "all",
        "range",
        "enumerate",
        "zip",
        "round",
        "abs",
        "reversed",
        "hasattr",
        "getattr",
        "id",
        "type",
    }
)


# A query's own steps, on a session: loading more objects expires nothing.
_QUERY_STEPS = frozenset(
    {
        "query",
        "filter",
        "filter_by",
        "where",
        "join",
        "outerjoin",
        "order_by",
        "group_by",
        "limit",
        "offset",
        "options",
        "distinct",
        "all",
        "first",
        "one",
        "one_or_none",
        "scalar",
        "scalars",
        "count",
    }
)
# What a session does that expires (or drops) the objects it loaded: reading a
# relationship again queries again. (`begin()`'s block commits when it ends.)
_EXPIRING = frozenset(
    {"commit", "rollback", "close", "expire", "expire_all", "refresh", "remove",
     "invalidate", "reset", "expunge", "expunge_all", "begin", "begin_nested"}
)  # fmt: skip
# Methods of lists, dicts, sets, strings and dates: they hold no session. (Not
# `add()`, `update()` or `remove()`: a repository's may commit.)
_PLAIN_VALUE_METHODS = frozenset(
    {"append", "extend", "insert", "pop", "sort", "reverse", "get", "keys", "values",
     "items", "setdefault", "discard", "lower", "upper", "strip", "lstrip", "rstrip",
     "split", "join", "format", "replace", "startswith", "endswith", "strftime",
     "isoformat", "copy", "index", "title", "capitalize", "encode", "decode"}
)  # fmt: skip
# Column operators (`User.id.in_(ids)`): they build an expression.
_COLUMN_OPERATORS = frozenset(
    {"in_", "not_in", "notin_", "is_", "isnot", "is_not", "like", "ilike", "desc", "asc"}
)


def _runs_whenever(model: ModuleModel, earlier: cst.CSTNode, later: cst.CSTNode) -> bool:
    """Whether `earlier` runs whenever `later` does, as far as the code's branches
    tell: no `if`, loop, `match` case or `except` holds it that does not hold `later`
    too (`if tag: habits = [h for h in habits if ... h.tags]` loads `tags` only
    with a tag)."""
    holding_later = set(model.ancestors(later))
    for ancestor in model.ancestors(earlier):
        if ancestor in holding_later:
            return True
        if isinstance(ancestor, _BRANCHES):
            return False
    return True


_BRANCHES = (cst.If, cst.For, cst.While, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase)


def _may_expire_between(
    model: ModuleModel,
    resolver: Resolver,
    scope: Scope,
    earlier: cst.CSTNode,
    later: cst.CSTNode,
) -> bool:
    """Whether a call in `scope` from the start of `earlier` to `later` may expire
    what `earlier` loaded: a session's `commit()` (or another call that expires or
    drops what it holds), or a call that may make one: a helper or a test's request
    to the app may commit the same scoped session. Not a builtin, the standard
    library, a column operator, a statement being built, a query (on a session or a
    model's query property), or a plain value's method (`rows.append()`,
    `name.lower()`, `day.strftime()`)."""
    start, end = model.order[earlier], model.order[later]
    for call in model.calls:
        if not start < model.order[call] < end or model.enclosing_scope[call] is not scope:
            continue
        func = call.func
        if isinstance(func, cst.Name) and func.value in _HARMLESS_BUILTINS:
            continue
        if _is_standard_library(resolver.qualify(func)):
            continue  # `date(...)`, `timedelta(days=1)`, `defaultdict(set)`
        if isinstance(func, cst.Attribute) and func.attr.value in _COLUMN_OPERATORS:
            continue
        if _builds_a_statement(resolver, call):
            continue  # `select(User).where(...)`: a statement, not run yet
        if _queries_a_session(resolver, scope, call):
            continue
        if not isinstance(func, cst.Attribute):
            return True
        method = func.attr.value
        if resolver.kind_of(func.value, scope) in _SESSION_KINDS:
            if method in _EXPIRING:
                return True
            continue  # `session.add(...)`, `session.execute(...)`: nothing expires
        if method in _QUERY_STEPS and _query_property_of(func.value, scope, set()) is not None:
            continue  # `Entry.query.filter(...).all()`, `entries.all()`
        if method not in _PLAIN_VALUE_METHODS and not _plain_value(resolver, scope, func.value):
            return True
    return False


_LITERALS = (
    cst.List, cst.Dict, cst.Set, cst.Tuple, cst.ListComp, cst.DictComp, cst.SetComp,
    cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float,
)  # fmt: skip


def _plain_value(resolver: Resolver, scope: Scope, expr: cst.BaseExpression) -> bool:
    """A literal (`[]`, `{}`, `"..."`), a local bound only to literals or to what a
    builtin or the standard library makes (`defaultdict(set)`), or an item of one
    (`done[h.id]`): its methods hold no session."""
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    if isinstance(expr, _LITERALS):
        return True
    if not isinstance(expr, cst.Name) or expr.value in scope.params:
        return False
    assignments = scope.assignments.get(expr.value, ())
    for assignment in assignments:
        value = assignment.value
        if value is None or assignment.via_with:
            return False
        if isinstance(value, _LITERALS):
            continue
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        if not (
            (isinstance(func, cst.Name) and func.value in _HARMLESS_BUILTINS)
            or _is_standard_library(resolver.qualify(func))
        ):
            return False
    return bool(assignments)


def _is_standard_library(qualified: str | None) -> bool:
    """A name of the standard library (`datetime.date`, `builtins.round`): it holds
    no session of the application's."""
    stdlib: frozenset[str] | None = getattr(sys, "stdlib_module_names", None)
    if qualified is None or stdlib is None:
        return False
    return qualified.partition(".")[0] in stdlib


def _builds_a_statement(resolver: Resolver, call: cst.Call) -> bool:
    """`select(User)`, `select(User).where(...)`, `func.count(...)`: SQLAlchemy's
    constructs, built by a chain that starts at one of its functions."""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in ("execute", "commit", "flush", "scalars", "scalar"):
            return False
        node = node.func.value
    target = node.func if isinstance(node, cst.Call) else node
    return (resolver.qualify(target) or "").startswith("sqlalchemy.")


def _queries_a_session(resolver: Resolver, scope: Scope, call: cst.Call) -> bool:
    """`db.query(User).filter(...).all()` (any step of it), `session.execute(...)`
    and what is read of its result (`.mappings().all()`): a chain down to a session's
    call that expires nothing."""
    node: cst.BaseExpression = call
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        receiver = node.func.value
        if resolver.kind_of(receiver, scope) in _SESSION_KINDS:
            return node.func.attr.value not in _EXPIRING
        node = receiver
    return False


# What a legacy query or a query property may call and still load every row.
_WHOLE_TABLE_STEPS = frozenset({"all", "order_by", "options", "unique"})


def _loads_every_row(model: ModuleModel, call: cst.Call) -> bool:
    """`AdminUser.query.all()`, `session.query(AdminUser).order_by(...).all()`: a query
    property or legacy query with no filter, join, limit or slice, kept in no name
    (which could be refined further on)."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return False
    if func.attr.value == "query" and len(call.args) != 1:
        return False
    outer, chained = _calls_above(model, call)
    steps = [_method_name(c) for c in chained]
    if func.attr.value != "query":
        steps.insert(0, func.attr.value)  # `Model.query.all()`: the call is `all()`
    if not steps or steps[-1] != "all" or not set(steps) <= _WHOLE_TABLE_STEPS:
        return False
    return not isinstance(model.parent(outer), cst.Subscript)


def _row_entities(call: cst.Call, statement_model: ClassExpr) -> list[cst.BaseExpression]:
    """What each row of the query's result holds: a legacy `query(A, B)` gives rows of
    an A and a B (and of any column named beside them); any other query, its objects."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == "query"
        and len(call.args) > 1
        and call.args[0].value is statement_model
        and all(arg.keyword is None and not arg.star for arg in call.args)
    ):
        return [arg.value for arg in call.args]
    return [statement_model]


def _query_of_many(
    model: ModuleModel, resolver: Resolver, call: cst.Call
) -> tuple[ClassExpr, set[str], cst.BaseExpression, Scope, frozenset[str]] | None:
    """`session.scalars(select(Model)...)` (`.all()`), `session.execute(...).scalars()`,
    `session.query(Model)...` (also `models.Model`): the model, the relationships its
    options load, and the expression that holds the objects (the call chain, or the
    name it is kept in)."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    scope = model.enclosing_scope.get(call)
    if scope is None:
        return None
    chain: list[str] = []
    options: set[str] = set()
    # `Room.query.filter(...).all()`: the query property of a Flask-SQLAlchemy model
    # (or of a base given `Base.query = Session.query_property()`), `query(Room)` on
    # the session the extension keeps.
    property_of = _query_property_of(func.value, scope, options)
    if property_of is not None:
        chain.append(method)
        if method == "options":
            options |= _loaded_by_options(call, scope)
    elif (
        method not in ("scalars", "execute", "query", "exec")
        or not call.args
        or (
            resolver.kind_of(func.value, scope) not in _SESSION_KINDS
            # `session.query(Transaction)` on an untyped parameter: only a session
            # queries a mapped class (its relationships are looked up below).
            and not (method == "query" and _class_named(call.args[0].value) is not None)
        )
    ):
        return None
    outer, chained = _calls_above(model, call)
    for above in chained:
        chain.append(_method_name(above))
        if _method_name(above) == "options":
            options |= _loaded_by_options(above, scope)
    if property_of is not None:
        if any(m in _SINGLE or m in _NOT_A_QUERY for m in chain):
            return None
        statement_model: ClassExpr = property_of
    elif method == "query":
        first = call.args[0].value
        if not isinstance(first, (cst.Name, cst.Attribute)) or any(m in _SINGLE for m in chain):
            return None
        if _class_named(first) is None:
            return None
        statement_model = first
    else:
        statement = _statement(resolver, call.args[0].value, scope)
        if statement is None:
            return None
        statement_model, statement_options = statement
        options |= statement_options
        # SQLModel's `session.exec(select(Model))` gives the objects, as `scalars()`.
        scalars = (
            chain
            if method in ("scalars", "exec")
            else chain[chain.index("scalars") + 1 :]
            if ("scalars" in chain)
            else None
        )
        if scalars is None or any(m not in ("all", "unique") for m in scalars):
            return None
    kept = _kept_in(model, scope, outer, options)
    if kept is None or "*" in options:
        return None
    tested = _columns_tested_equal(resolver, statement_model, scope, outer, call)
    if _at_most_one_row(resolver, statement_model, scope, tested):
        return None  # `Tag.query.filter_by(name=name).all()`, `name` unique
    return statement_model, options, kept, scope, frozenset(tested)


def _kept_in(
    model: ModuleModel, scope: Scope, outer: cst.BaseExpression, options: set[str]
) -> cst.BaseExpression | None:
    """Where the objects `outer` gives are read from: the name it is assigned to, else
    `outer` itself (None when it is assigned to anything but a name). Loader options
    the name's query is refined with further on are added to `options`."""
    holder = model.parent(outer)
    if not (isinstance(holder, cst.Assign) and len(holder.targets) == 1):
        return outer
    target = holder.targets[0].target
    if not isinstance(target, cst.Name):
        return None
    # `appointments = appointments.options(joinedload(...)).all()` further on:
    # the query the name holds is refined, loader options included.
    for assignment in scope.assignments.get(target.value, ()):
        if assignment.value is not None:
            base, refined = _refinements(assignment.value, scope)
            if isinstance(base, cst.Name) and base.value == target.value:
                options |= refined
    return target


@dataclass(frozen=True)
class ReturnedObjects:
    """The objects of a query a project function returns: their mapped class, as the
    function writes it, and the relationships its loader options load."""

    model: str
    ref: Ref
    options: frozenset[str]


def _returned_objects(
    model: ModuleModel, resolver: Resolver, call: cst.Call
) -> tuple[ReturnedObjects, cst.BaseExpression, Scope] | None:
    """For a call of a project function (or method) whose every `return` gives the
    objects of one query of a mapped class (`Incident.get_active()`, which returns
    `db.session.scalars(select(Incident).filter(...))`): those objects, and where the
    caller reads them from (see `_kept_in`)."""
    scope = model.enclosing_scope.get(call)
    if scope is None or isinstance(model.parent(call), cst.Expr):
        return None  # (a call whose result is dropped, `session.add(x)`: not resolved)
    objects = returned_objects(resolver, resolver.value_of(call.func, scope).ref)
    if objects is None:
        return None
    options = set(objects.options)
    kept = _kept_in(model, scope, call, options)
    if kept is None or "*" in options:
        return None
    return ReturnedObjects(objects.model, objects.ref, frozenset(options)), kept, scope


def returned_objects(resolver: Resolver, callee: Ref | None) -> ReturnedObjects | None:
    """What the project function `callee` returns, when every `return` of it gives the
    objects of a query of one mapped class: `session.scalars(select(M)...)` (and
    `.all()`), `session.execute(select(M)...).scalars().all()`, `session.query(M)...`,
    `M.query...`, directly or through a local; the relationships loaded are those every
    return's options load."""
    if callee is None or callee.module is None:
        return None
    if callee.kind not in (RefKind.FUNCTION, RefKind.BOUND_METHOD):
        return None
    evaluator = resolver.evaluator
    frame = evaluator.function_frame(callee.module, callee.name)
    if frame is None or not frame.info.returns or frame.info.yields or frame.info.is_async:
        return None
    found: ReturnedObjects | None = None
    for returned in frame.info.returns:
        objects = _ir_objects(evaluator, frame, returned, 0)
        if objects is None or (found is not None and objects.ref != found.ref):
            return None
        if found is not None:
            objects = ReturnedObjects(found.model, found.ref, found.options & objects.options)
        found = objects
    return found


def _ir_objects(
    evaluator: Evaluator, frame: FunctionFrame, expr: ir.Expr, depth: int
) -> ReturnedObjects | None:
    """The objects of a query of one mapped class that `expr` gives (see
    `returned_objects`), read from the function's summary."""
    if depth > 3:
        return None
    if expr[0] == "n":
        return _ir_local(
            frame,
            expr,
            lambda value: _ir_objects(evaluator, frame, value, depth + 1),
            refused=_SINGLE,  # `query = query.first()` holds one object, not a query
        )
    steps, base = _ir_chain(expr)
    if any(method in _SINGLE or method in _NOT_A_QUERY for method, _ in steps):
        return None
    options = _ir_loaded(steps)
    # `M.query.filter(...).all()`: a model's query property.
    if base[0] == "a" and base[2] == "query" and base[1][0] == "n":
        return _ir_class(evaluator, frame, base[1], options)
    # From the innermost step out: `<session>.query(M)`, `<session>.scalars(stmt)`,
    # `<session>.execute(stmt).scalars()`.
    receiver = base
    for index in range(len(steps) - 1, -1, -1):
        method, args = steps[index]
        outer = [m for m, _ in steps[:index]]
        if method in ("query", "scalars", "execute") and args:
            # A session, or what the function is handed untyped (`def active(db):`)
            kind = evaluator.value(receiver, frame).kind
            if kind is not None and kind not in _SESSION_KINDS:
                return None
            if method == "query":
                return _ir_class(evaluator, frame, args[0], options)
            # What is read of the result: `.all()` of `scalars(...)`, or of
            # `execute(...).scalars()`.
            if method == "execute":
                if "scalars" not in outer:
                    return None
                outer = outer[: outer.index("scalars")]
            if any(m not in ("all", "unique") for m in outer):
                return None
            return _ir_statement(evaluator, frame, args[0], options, depth)
        receiver = ("c", ("a", receiver, method), args, ())
    if base[0] == "n" and steps and all(method in _QUERY_STEPS for method, _ in steps):
        # `query = session.query(User)`, then `return query.filter(...).all()`
        objects = _ir_objects(evaluator, frame, base, depth + 1)
        if objects is not None:
            return ReturnedObjects(objects.model, objects.ref, objects.options | options)
    return None


def _ir_statement(
    evaluator: Evaluator, frame: FunctionFrame, expr: ir.Expr, options: set[str], depth: int
) -> ReturnedObjects | None:
    """`select(M).where(...).options(...)`, or a local that holds one."""
    if expr[0] == "n" and depth <= 3:
        return _ir_local(
            frame, expr, lambda value: _ir_statement(evaluator, frame, value, options, depth + 1)
        )
    steps, base = _ir_chain(expr)
    if base[0] == "n" and steps:  # `statement.options(...)`, `statement` a local
        return _ir_statement(evaluator, frame, base, options | _ir_loaded(steps), depth + 1)
    if base[0] != "c" or not base[2]:
        return None
    callee = evaluator.value(base[1], frame).ref
    if callee is None or callee.kind is not RefKind.LIBRARY or callee.name not in SELECT_FUNCTIONS:
        return None
    return _ir_class(evaluator, frame, base[2][0], options | _ir_loaded(steps))


def _ir_local(
    frame: FunctionFrame,
    name: ir.Expr,
    follow: Callable[[ir.Expr], ReturnedObjects | None],
    refused: frozenset[str] = frozenset(),
) -> ReturnedObjects | None:
    """What the local `name` holds, as `follow` reads its one value, with what its
    refinements in place (`query = query.filter(...).options(...)`) load; None when
    it has several values, or a refinement calls one of `refused`."""
    found: ReturnedObjects | None = None
    refinements: set[str] = set()
    for value in frame.info.locals.get(str(name[1]), ()):
        steps, base = _ir_chain(value)
        if base == name:
            if any(method in refused for method, _ in steps):
                return None
            refinements |= _ir_loaded(steps)
            continue
        objects = follow(value)
        if objects is None or found is not None:
            return None
        found = objects
    if found is None:
        return None
    return ReturnedObjects(found.model, found.ref, found.options | refinements)


def _ir_class(
    evaluator: Evaluator, frame: FunctionFrame, expr: ir.Expr, options: set[str]
) -> ReturnedObjects | None:
    """The mapped class `expr` names, by its own name (`Note`, also for a
    classmethod's `cls`, whose options' `cls.topics` read as `Note.topics`)."""
    if expr[0] != "n":
        return None
    ref = evaluator.value(expr, frame).ref
    if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
        return None
    written, name = str(expr[1]), ref.name.rpartition(".")[2]
    named = {
        f"{name}.{option[len(written) + 1 :]}" if option.startswith(f"{written}.") else option
        for option in options
    }
    return ReturnedObjects(name, ref, frozenset(named))


def _ir_chain(expr: ir.Expr) -> tuple[list[tuple[str, tuple[ir.Expr, ...]]], ir.Expr]:
    """The method calls of a chain in a summary (`a.b(x).c()`), outermost first, as
    (method, arguments), and the expression it starts from."""
    steps: list[tuple[str, tuple[ir.Expr, ...]]] = []
    while expr[0] == "c" and expr[1][0] == "a":
        steps.append((str(expr[1][2]), tuple(expr[2])))
        expr = expr[1][1]
    return steps, expr


def _ir_loaded(steps: list[tuple[str, tuple[ir.Expr, ...]]]) -> set[str]:
    """What the `.options(...)` among `steps` mention (as `_loaded_by_options`): a
    relationship as "Model.rel" or its bare name, "*" for what cannot be read."""
    found: set[str] = set()
    for method, args in steps:
        if method != "options":
            continue
        pending = list(args)
        while pending:
            node = pending.pop()
            if not isinstance(node, tuple) or not node:
                continue
            if node[0] == "a":
                found.add(f"{node[1][1]}.{node[2]}" if node[1][0] == "n" else str(node[2]))
            elif node[0] == "str":
                found.add(str(node[1]))
            elif node[0] == "c":
                pending.extend(node[2])
                pending.extend(value for _, value in node[3])
                if node[1][0] == "a":  # `joinedload(A.b).joinedload(B.c)`: the chain too
                    pending.append(node[1][1])
            else:
                found.add("*")
    return found


def _at_most_one_row(
    resolver: Resolver, statement_model: ClassExpr, scope: Scope, tested: set[str]
) -> bool:
    """Whether the query tests a unique column (or the primary key) of its model for
    equality (`filter_by(name=name)`, `.filter(Tag.name == name)`, `.where(...)`), so
    that it loads one object at most: a loop over it reads each relationship once."""
    return bool(tested) and bool(_unique_columns(resolver, statement_model, scope) & tested)


def _columns_tested_equal(
    resolver: Resolver,
    statement_model: ClassExpr,
    scope: Scope,
    outer: cst.BaseExpression,
    call: cst.Call,
) -> set[str]:
    """The columns of the query's model it tests for equality with a value
    (`filter_by(name=name)`, `.filter(Tag.name == name)`, `.where(...)`; not a join's
    condition, `Election.id == Area.election_id`), also in the statement given to the
    session and in a query kept in a name first (`q = q.filter(...)`)."""
    calls, base = _method_chain(outer)
    pending: list[cst.BaseExpression] = [base, *(a.value for a in call.args[:1])]
    followed: set[str] = set()
    while pending:  # the statement in `session.scalars(select(Tag).where(...))` too,
        node = pending.pop()  # and a query kept in a name first (`q = q.filter(...)`)
        if isinstance(node, cst.Name) and node.value not in scope.params:
            if node.value in followed:
                continue
            followed.add(node.value)
            pending.extend(
                a.value for a in scope.assignments.get(node.value, ()) if a.value is not None
            )
            continue
        more, below = _method_chain(node)
        if more:
            calls.extend(more)
            pending.append(below)
    model_name = _class_named(statement_model)
    tested: set[str] = set()
    for step in calls:
        method = step.func.attr.value if isinstance(step.func, cst.Attribute) else ""
        if method == "filter_by":
            tested |= {a.keyword.value for a in step.args if a.keyword is not None}
        elif method in ("filter", "where"):
            for test in (t for arg in step.args for t in _conjuncts(arg.value)):
                if not (
                    isinstance(test, cst.Comparison)
                    and len(test.comparisons) == 1
                    and isinstance(test.comparisons[0].operator, cst.Equal)
                ):
                    continue
                sides = (test.left, test.comparisons[0].comparator)
                for side, other in (sides, sides[::-1]):
                    if (
                        isinstance(side, cst.Attribute)
                        and _class_named(side.value) == model_name
                        and not _is_column(resolver, scope, other)
                    ):
                        tested.add(side.attr.value)
    return tested


def _conjuncts(test: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The tests that must all hold: `a & b` and `and_(a, b)` (nested too) split in
    theirs; any other test is its own (`a | b` holds with either)."""
    if isinstance(test, cst.BinaryOperation) and isinstance(test.operator, cst.BitAnd):
        yield from _conjuncts(test.left)
        yield from _conjuncts(test.right)
    elif (
        isinstance(test, cst.Call)
        and (
            (isinstance(test.func, cst.Name) and test.func.value == "and_")
            or (isinstance(test.func, cst.Attribute) and test.func.attr.value == "and_")
        )
        and all(a.keyword is None and not a.star for a in test.args)
    ):
        for arg in test.args:
            yield from _conjuncts(arg.value)
    else:
        yield test


def _is_column(resolver: Resolver, scope: Scope, expr: cst.BaseExpression) -> bool:
    """`Area.electionId`, `models.Area.id`: a column of a class (a join's condition,
    which tells many rows), not a value."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    if not isinstance(expr, cst.Name) or expr.value in scope.params:
        return False
    ref = resolver.value_of(expr, scope).ref
    return ref is not None and ref.kind in (RefKind.CLASS, RefKind.MODULE)


def _project_class(
    resolver: Resolver, expr: cst.BaseExpression, scope: Scope
) -> tuple[ModuleKey, str] | None:
    """The class of the project `expr` names, if it names one: (its module, its
    qualname)."""
    ref = resolver.value_of(expr, scope).ref
    if ref is None or ref.kind is not RefKind.CLASS or ref.module is None:
        return None
    return ref.module, ref.name


def _unique_columns(resolver: Resolver, class_expr: cst.BaseExpression, scope: Scope) -> set[str]:
    """The columns of the class `class_expr` that tell one row: declared `unique=True`,
    or the primary key when it is one column (a part of a composite key is not)."""
    found = _project_class(resolver, class_expr, scope)
    if found is None:
        return set()
    class_module, qualname = found
    info = resolver.evaluator.class_info(class_module, qualname)
    if info is None:
        return set()
    unique: set[str] = set()
    keys: set[str] = set()
    for name, values in info.attributes.items():
        for value in values:
            if value[0] != "c" or _callee(value[1]) not in ("Column", "mapped_column"):
                continue
            flags = {keyword for keyword, flag in value[3] if flag == ("n", "True")}
            if "unique" in flags:
                unique.add(name)
            if "primary_key" in flags:
                keys.add(name)
    return unique | keys if len(keys) == 1 else unique


def _query_property_of(
    expr: cst.BaseExpression, scope: Scope, options: set[str]
) -> cst.Name | None:
    """The model of `Model.query`, also through a local bound to it, or to a
    `session.query(Model)`, and refined in place (`query = Article.query`, then
    `query = query.filter(...)`), adding what the chain's `.options()` load to
    `options`."""
    if (
        isinstance(expr, cst.Attribute)
        and expr.attr.value == "query"
        and isinstance(expr.value, cst.Name)
    ):
        return expr.value
    if not isinstance(expr, cst.Name) or expr.value in scope.params:
        return None
    model: cst.Name | None = None
    loaded: set[str] = set()
    for assignment in scope.assignments.get(expr.value, ()):
        if assignment.value is None or assignment.via_with:
            return None
        base = _query_chain_base(assignment.value, scope, loaded)
        if isinstance(base, cst.Name) and base.value == expr.value:
            continue  # `query = query.filter(...)`
        if not isinstance(base, tuple) or model is not None:
            return None
        model = base[0]
    if model is not None:
        options |= loaded
    return model


def _query_chain_base(
    expr: cst.BaseExpression, scope: Scope, loaded: set[str]
) -> cst.BaseExpression | tuple[cst.Name]:
    """Down a chain of method calls: `(Model,)` where it starts from `Model.query` or
    `<session>.query(Model)`, else the expression it starts from; what its
    `.options()` load is added to `loaded`."""
    calls, node = _method_chain(expr)
    for call in calls:
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
        if method == "options":
            loaded |= _loaded_by_options(call, scope)
        if method == "query" and call.args and isinstance(call.args[0].value, cst.Name):
            return (call.args[0].value,)
    if (
        isinstance(node, cst.Attribute)
        and node.attr.value == "query"
        and isinstance(node.value, cst.Name)
    ):
        return (node.value,)
    return node


def _statement(
    resolver: Resolver, expr: cst.BaseExpression, scope: Scope, depth: int = 0
) -> tuple[ClassExpr, set[str]] | None:
    """`select(Model).where(...).options(...)` (`select(models.Model)`; or a name bound
    to one, refined by `stmt = stmt.where(...)` as often as it likes): the model and
    the relationships its loader options load."""
    if isinstance(expr, cst.Name):
        if depth >= 3:
            return None
        values = [a.value for a in scope.assignments.get(expr.value, []) if a.value is not None]
        models: set[str] = set()
        first: ClassExpr | None = None
        options: set[str] = set()
        for value in values:
            base, refined = _refinements(value, scope)
            options |= refined
            if isinstance(base, cst.Name) and base.value == expr.value:
                continue  # `stmt = stmt.where(...)`: refines the statement
            found = _statement(resolver, value, scope, depth + 1)
            if found is None:
                return None
            first = first or found[0]
            models.add(_class_named(found[0]) or "")
            options |= found[1]
        return (first, options) if first is not None and len(models) == 1 else None
    node, options = _refinements(expr, scope)
    if not isinstance(node, cst.Call) or not node.args:
        return None
    if (resolver.qualify(node.func) or "") not in SELECT_FUNCTIONS:
        return None
    model_name = node.args[0].value
    if not isinstance(model_name, (cst.Name, cst.Attribute)) or _class_named(model_name) is None:
        return None
    return model_name, options


# A mapped class as a statement names it: `Post`, or `models.Post` of a module.
# (`Union`, not `|`: an alias is evaluated at import, and Python 3.9 has no `|`
# between types.)
ClassExpr = Union[cst.Name, cst.Attribute]


def _class_named(expr: cst.BaseExpression) -> str | None:
    """ "Post" for `Post`, "models.Post" for `models.Post`; None for anything else."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return f"{expr.value.value}.{expr.attr.value}"
    return None


def _refinements(expr: cst.BaseExpression, scope: Scope) -> tuple[cst.BaseExpression, set[str]]:
    """The expression a chain of method calls starts from, and what its `.options()`
    load."""
    calls, node = _method_chain(expr)
    options: set[str] = set()
    for call in calls:
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "options":
            options |= _loaded_by_options(call, scope)
    return node, options


def _method_chain(expr: cst.BaseExpression) -> tuple[list[cst.Call], cst.BaseExpression]:
    """The method calls of a chain (`a.b().c()`), outermost first, and the
    expression it starts from (`a`)."""
    calls: list[cst.Call] = []
    node = expr
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        calls.append(node)
        node = node.func.value
    return calls, node


def _loaded_by_options(call: cst.Call, scope: Scope | None = None, depth: int = 0) -> set[str]:
    """Relationships that `.options(...)` mentions in a loader option (any option:
    `raiseload` and `noload` stop per-object queries too): "Model.rel" for
    `Model.rel`, the bare name for a string or another attribute, "*" for a wildcard
    or for options kept in a name that cannot be read (`.options(*LOADERS)`)."""
    found: set[str] = set()
    pending: list[cst.CSTNode] = [a.value for a in call.args]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Attribute):
            base = node.value
            found.add(
                f"{base.value}.{node.attr.value}" if isinstance(base, cst.Name) else node.attr.value
            )
        elif isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            if isinstance(value, str):
                found.add(value)
        elif isinstance(node, cst.Name) and node in [a.value for a in call.args]:
            values = _values_of(node.value, scope) if scope is not None and depth < 3 else None
            if values is None:
                found.add("*")
            else:
                pending.extend(values)
            continue
        pending.extend(node.children)
    return found


def _only_value(name: str, scope: Scope) -> cst.BaseExpression | None:
    """The value of the one assignment that binds `name` where it is bound (a schema
    or a model made once, `pets_schema = PetSchema(many=True)`); None when it is
    bound more than once, or otherwise."""
    bound = binding_scope(name, scope)
    values = [a.value for a in bound.assignments.get(name, ())] if bound else []
    return values[0] if len(values) == 1 else None


def _values_of(name: str, scope: Scope) -> list[cst.BaseExpression] | None:
    """What `name` is assigned where it is bound (None when unknown)."""
    bound = binding_scope(name, scope)
    if bound is None or name in bound.params:
        return None
    values = [a.value for a in bound.assignments.get(name, ()) if a.value is not None]
    return values or None


def _stores_to(model: ModuleModel, reference: cst.Name) -> bool:
    """`obj.rel = value` for the reference `obj`."""
    attribute = model.parent(reference)
    return isinstance(attribute, cst.Attribute) and _is_store(model, attribute)


def _is_store(model: ModuleModel, attribute: cst.Attribute) -> bool:
    """`obj.rel = value`: nothing is loaded."""
    target = model.parent(attribute)
    return isinstance(target, cst.AssignTarget) and target.target is attribute


def _is_loaded(model_name: str, relationship: str, options: set[str]) -> bool:
    return f"{model_name}.{relationship}" in options or relationship in options


def _one_object_there(
    model: ModuleModel,
    resolver: Resolver,
    scope: Scope,
    iterated: cst.BaseExpression,
    use: cst.CSTNode,
) -> bool:
    """Whether `use`, in another arm of an `if` than the one that binds the objects to
    the name, reads what its own arm binds the name to, one object (`freezer =
    get_freezer(code)`, a `.first()`), not the objects."""
    if not isinstance(iterated, cst.Name) or not exclusive(model, iterated, use):
        return False
    for assignment in scope.assignments.get(iterated.value, ()):
        value = assignment.value
        if value is None or exclusive(model, assignment.node, use):
            continue
        if model.order.get(assignment.node, 0) > model.order.get(use, 0):
            continue
        ref = resolver.value_of(value, scope).ref
        if ref is not None and ref.kind is RefKind.INSTANCE:
            return True
    return False


def _uses_of(model: ModuleModel, scope: Scope, iterated: cst.BaseExpression) -> list[cst.CSTNode]:
    """Where the objects are used: the references to the name that keeps them (and to
    a name a slice of them is kept in, `shown = posts[start:end]`: the same objects),
    or the query's call chain itself."""
    if not isinstance(iterated, cst.Name):
        return [iterated]
    uses: list[cst.CSTNode] = [
        r for r in scope.references.get(iterated.value, ()) if r is not iterated
    ]
    for reference in list(uses):
        sliced = model.parent(reference)
        if not (
            isinstance(sliced, cst.Subscript)
            and sliced.value is reference
            and all(isinstance(element.slice, cst.Slice) for element in sliced.slice)
        ):
            continue
        assign = model.parent(sliced)
        if (
            isinstance(assign, cst.Assign)
            and assign.value is sliced
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            kept = assign.targets[0].target
            if kept.value != iterated.value and len(scope.assignments.get(kept.value, ())) == 1:
                uses += [r for r in scope.references.get(kept.value, ()) if r is not kept]
    return uses


def _loops_over(
    model: ModuleModel, scope: Scope, iterated: cst.BaseExpression, position: int | None = None
) -> Iterator[tuple[cst.CSTNode, str]]:
    """(loop, element name) for `for x in <iterated>:` and comprehensions over it,
    where `iterated` is the query's call chain or the name that keeps its result;
    with `position`, for the name its rows are unpacked to there (`for a, b in ...`)."""
    candidates = _uses_of(model, scope, iterated)
    for node in candidates:
        holder = model.parent(node)
        if isinstance(holder, cst.Attribute) and holder.attr.value == "items":
            node, holder = holder, model.parent(holder)  # a page's objects
        if isinstance(holder, (cst.For, cst.CompFor)) and holder.iter is node:
            element = _unpacked_name(holder.target, position)
            if element is None:
                continue
            loop = holder if isinstance(holder, cst.For) else model.parent(holder)
            if loop is not None:
                yield loop, element


def _unpacked_name(target: cst.BaseExpression, position: int | None) -> str | None:
    """The name a loop binds each row to (`position` None), or the name it unpacks the
    row's item at `position` to (`for meal, dish in rows:`)."""
    if position is None:
        return target.value if isinstance(target, cst.Name) else None
    if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) <= position:
        return None
    if any(isinstance(e, cst.StarredElement) for e in target.elements[: position + 1]):
        return None
    element = target.elements[position].value
    return element.value if isinstance(element, cst.Name) else None


# -- under asyncio: a lazy load cannot run implicitly (SQA108) -----------------------------


def async_lazy_reads(model: ModuleModel, resolver: Resolver) -> Iterator[LazyRead]:
    """In `async def`s, reads of a lazily loaded relationship of an object an
    `AsyncSession` loaded (`await session.get(Model, ...)`, `(await
    session.scalars(select(Model))).all()`, ...) without a loader option for it: the
    lazy load needs IO that asyncio cannot run implicitly (`MissingGreenlet`)."""
    for load in _lazy_loads(model, resolver):
        if load.scope.is_async and load.kind is Kind.ASYNC_SESSION:
            yield from _reads_of(model, load, after=None)


def detached_lazy_reads(model: ModuleModel, resolver: Resolver) -> Iterator[LazyRead]:
    """Reads, after the `with` block of the session that loaded it closed, of a lazily
    loaded relationship of an object loaded without a loader option for it: there is
    no session left to load it through (`DetachedInstanceError`)."""
    for load in _lazy_loads(model, resolver):
        block = _opening_block(model, resolver, load)
        if block is not None:
            yield from _reads_of(model, load, after=block)


@dataclass
class _LazyLoad:
    """Objects of `model_name` loaded by a session call and kept in `name` (a list
    when `many`), whose relationships `lazy` were not loaded with them."""

    call: cst.Call
    kind: Kind
    scope: Scope
    model_name: str
    name: str
    bound: cst.CSTNode
    lazy: set[str]
    many: bool
    ref: Ref | None = None  # the class
    options: frozenset[str] = frozenset()  # what its statement's loader options load
    single: bool = False  # one object (`get()`, `.first()`, `.scalar_one()`, ...)


def _lazy_loads(model: ModuleModel, resolver: Resolver) -> Iterator[_LazyLoad]:
    for call in model.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or not call.args:
            continue
        method = func.attr.value
        if method not in ("get", "get_one", "scalars", "scalar", "execute", "query"):
            continue
        scope = model.enclosing_scope.get(call)
        if scope is None:
            continue
        kind = resolver.kind_of(func.value, scope)
        if kind not in (Kind.SESSION, Kind.ASYNC_SESSION):
            continue
        if method in ("get", "get_one"):
            first = call.args[0].value
            if not isinstance(first, cst.Name):
                continue
            loaded: tuple[ClassExpr, set[str]] | None = (first, _loaded_by_options(call, scope))
        elif method == "query":
            # The legacy `session.query(User)...all()`: its chain's loader options.
            first = call.args[0].value
            if not isinstance(first, (cst.Name, cst.Attribute)) or _class_named(first) is None:
                continue
            loaded = (first, _chained_options(model, call, scope))
        else:
            loaded = _statement(resolver, call.args[0].value, scope)
        if loaded is None or "*" in loaded[1]:
            continue
        statement_model, options = loaded
        written = _class_named(statement_model) or ""
        lazy = {
            rel
            for rel, relationship in relationships(resolver, statement_model, scope).items()
            if relationship.may_load_on_access and not _is_loaded(written, rel, options)
        }
        if not lazy:
            continue
        chain, holder, target = chain_above(model, call)
        if holder is None or target is None:
            continue
        many = bool(chain) and chain[-1] == "all"
        single = (method in ("get", "get_one", "scalar") and not chain) or (
            bool(chain) and chain[-1] in _ONE_OBJECT
        )
        ref = resolver.value_of(statement_model, scope).ref
        yield _LazyLoad(
            call, kind, scope, written, target, holder, lazy, many, ref, frozenset(options), single
        )


def _chained_options(model: ModuleModel, call: cst.Call, scope: Scope) -> set[str]:
    """What the `.options(...)` calls chained on `call` load."""
    options: set[str] = set()
    for above in _calls_above(model, call)[1]:
        if _method_name(above) == "options":
            options |= _loaded_by_options(above, scope)
    return options


def _calls_above(model: ModuleModel, call: cst.Call) -> tuple[cst.BaseExpression, list[cst.Call]]:
    """The method calls chained on `call` (`.filter(...)`, `.options(...)`, `.all()` of
    `session.query(User)`), innermost first, and the outermost expression of the
    chain."""
    outer: cst.BaseExpression = call
    chained: list[cst.Call] = []
    while True:
        attribute = model.parent(outer)
        above = model.parent(attribute) if attribute is not None else None
        if not (
            isinstance(attribute, cst.Attribute)
            and isinstance(above, cst.Call)
            and above.func is attribute
        ):
            return outer, chained
        chained.append(above)
        outer = above


def _method_name(call: cst.Call) -> str:
    """`all` of `q.all()`; "" for a call of a plain name."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else ""


def _opening_block(model: ModuleModel, resolver: Resolver, load: _LazyLoad) -> cst.With | None:
    """The `with` block that opened the session of `load` (`with SessionLocal() as
    session:`), when the call is inside it and the code owns the session."""
    func = load.call.func
    receiver = func.value if isinstance(func, cst.Attribute) else None
    if not isinstance(receiver, cst.Name):
        return None
    for ancestor in model.ancestors(load.call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if not isinstance(ancestor, cst.With):
            continue
        for item in ancestor.items:
            target = item.asname.name if item.asname is not None else None
            if (
                isinstance(target, cst.Name)
                and target.value == receiver.value
                and isinstance(item.item, cst.Call)
                and _closes_at_exit(resolver, item.item, load.scope)
            ):
                return ancestor
    return None


def _closes_at_exit(resolver: Resolver, entered: cst.Call, scope: Scope) -> bool:
    """Whether the `with` block entered with `entered` closes the session it binds:
    one the call makes (`with SessionLocal() as session:`), or one a context manager
    of the project yields and closes after (not `yield self._session`, kept open on
    the object after the block)."""
    value = resolver.call_value(entered, scope)
    if value.owner is not Owner.FRESH:
        return False
    ref = value.ref
    if ref is None or ref.kind is not RefKind.CONTEXT_MANAGER or ref.module is None:
        return True
    info = resolver.evaluator.function_info(ref.module, ref.name)
    if info is None or not info.yields:
        return False
    return info.managed_yields or all(ir.dotted(y) in info.released for y in info.yields)


def _reads_of(model: ModuleModel, load: _LazyLoad, after: cst.With | None) -> Iterator[LazyRead]:
    """The first read of each lazy relationship of the object `load` keeps (of each
    element, for a list) after it was loaded, or, with `after`, after that block."""
    scope = load.scope
    reported: set[str] = set()
    start: cst.CSTNode = after if after is not None else load.bound
    if load.many:
        pairs = [
            (loop, element)
            for loop, element in _loops_over(model, scope, cst.Name(load.name))
            if comes_before(model, start, loop)
            and (after is None or after not in set(model.ancestors(loop)))
        ]
    else:
        pairs = [(start, load.name)]
    for region, element in pairs:
        for reference in scope.references.get(element, ()):
            attribute = model.parent(reference)
            ancestors = set(model.ancestors(reference))
            if load.many and region not in ancestors:
                continue
            if not comes_before(model, start, reference):
                continue
            if after is not None and after in ancestors:
                continue  # still inside the block: the session is open
            if (
                isinstance(attribute, cst.Attribute)
                and attribute.value is reference
                and attribute.attr.value in load.lazy - reported
                and not _is_store(model, attribute)
            ):
                reported.add(attribute.attr.value)
                yield LazyRead(attribute, load.model_name, attribute.attr.value, region)
