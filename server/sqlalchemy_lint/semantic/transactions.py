"""Writes, and the commits that keep them (SQA106).

SQLAlchemy 2.0 begins a transaction on a connection or session at its first use
(autobegin) and rolls it back when the connection or session is closed, unless it
was committed. So in

    with engine.connect() as conn:
        conn.execute(insert(users).values(name="x"))

the row is gone when the block ends, silently. This module finds, for each `with`
block that opens a connection (`engine.connect()`) or a session (`Session(...)`, a
`sessionmaker` call) under a name, the writes made through that name in the block
and whether a `commit()` of the same name follows each of them on every normal path.

What counts as a write: executing an `insert()` / `update()` / `delete()` construct
(SQLAlchemy's, a dialect's, or a `Table`'s `.insert()` method; followed through
`values()`, `where()`, `returning()` and names bound to one), `text()` or
`exec_driver_sql()` SQL that starts with INSERT, UPDATE, DELETE, MERGE, UPSERT or
REPLACE, and a session's `add()`, `add_all()`, `delete()`, `merge()` and bulk
methods. Not followed: blocks that commit by themselves (`engine.begin()`,
`sessionmaker.begin()`, `with session.begin():`), AUTOCOMMIT connections, and
blocks that hand the connection or session to another function (which may commit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from .flow import always_true, begins_transaction, leaves_the_loop, nodes_of, post_dominates
from .inference import Resolver
from .kinds import Kind
from .model import ModuleModel, Scope, binding_scope, self_attribute_values
from .project import is_test_file
from .sql_runners import TEXT_CONSTRUCTORS
from .transaction_managers import joins_a_transaction_manager
from .values import Owner
from .versions import major_version

_WRITE_CONSTRUCTORS = frozenset(
    f"{module}.{verb}"
    for module in (
        "sqlalchemy",
        "sqlalchemy.sql",
        "sqlalchemy.sql.expression",
        "sqlalchemy.sql.dml",
        "sqlalchemy.future",
        "sqlalchemy.dialects.postgresql",
        "sqlalchemy.dialects.sqlite",
        "sqlalchemy.dialects.mysql",
        "sqlmodel",
    )
    for verb in ("insert", "update", "delete")
)
# Methods that refine a DML statement and return it.
_REFINERS = frozenset(
    {
        "values",
        "where",
        "filter",
        "filter_by",
        "returning",
        "return_defaults",
        "ordered_values",
        "inline",
        "from_select",
        "prefix_with",
        "with_dialect_options",
        "execution_options",
        "on_conflict_do_nothing",
        "on_conflict_do_update",
        "on_duplicate_key_update",
    }
)
_TABLE_DML = frozenset({"insert", "update", "delete"})
_SESSION_WRITES = frozenset(
    {
        "add",
        "add_all",
        "delete",
        "merge",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "bulk_update_mappings",
    }
)
_WRITE_SQL = re.compile(
    r"\A\s*(?:(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/)\s*)*(?:INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE)\b",
    re.IGNORECASE | re.DOTALL,
)
_MAX_DEPTH = 6


@dataclass
class UncommittedWrite:
    write: cst.Call  # the call that writes (`conn.execute(...)`, `session.add(...)`)
    name: str  # the connection or session it writes through, as written
    kind: Kind
    block: cst.With | None  # the `with` block that opened it, if one did


@dataclass
class _Opened:
    """A connection or session the code opened, and the code that can use it: the body
    of its `with` block, or the statements after `name = engine.connect()` in the
    block that holds them."""

    name: str
    kind: Kind
    call: cst.Call
    region: cst.CSTNode
    after: int  # uses come after this position (model order)
    block: cst.With | None = None


def uncommitted_writes(model: ModuleModel, resolver: Resolver) -> Iterator[UncommittedWrite]:
    """Every write through a connection or session the code opened (a `with` block,
    `name = engine.connect()`, or `engine.connect().execute(...)` itself) that no
    `commit()` of the same connection or session follows on every normal path. Tests
    are left out: a test that writes without committing usually means to (the
    rollback keeps the database clean for the next one). Walks the model's lists, not
    the tree: no recursion, however deep the code nests."""
    if is_test_file(resolver.path):
        return
    methods = _method_calls_by_receiver(model)
    for call in model.calls:
        yield from _chained_write(model, resolver, call)
        opened = _opening(model, resolver, call, methods)
        if opened is None:
            continue
        calls = _calls_in(model, opened, methods)
        if _left_alone(model, resolver, opened, calls):
            continue
        commits = [c for c in calls if _method_of(c, opened.name) == "commit"]
        for use in calls:
            if not _writes(use, opened.name, opened.kind, model.enclosing_scope[use], resolver):
                continue
            if _inside_begin_block(model, use, opened):
                continue
            if _reattached_to_load(model, use, opened, calls):
                continue
            if any(post_dominates(model, commit, use) for commit in commits):
                continue
            if any(_committed_in_a_later_round(model, commit, use) for commit in commits):
                continue
            if any(
                _committed_under_the_same_test(model, commit, use, opened.name)
                or _committed_under_a_flag_it_sets(model, commit, use)
                or _committed_when_rows_changed(model, commit, use)
                for commit in _later_commits(model, opened, methods)
            ):
                continue
            yield UncommittedWrite(use, opened.name, opened.kind, opened.block)


def _reattached_to_load(
    model: ModuleModel, use: cst.Call, opened: _Opened, calls: list[cst.Call]
) -> bool:
    """`session.add(obj)` of an object the function was given, then only loads of it
    (`session.refresh(obj)`, `getattr(obj, name)`) and no other write: an object
    loaded elsewhere and detached, attached again to load a lazy attribute (sqladmin's
    `_lazyload_prop`). Adding it writes nothing unless it changes, and `refresh()`
    would raise on an object that was new."""
    if _method_of(use, opened.name) != "add" or len(use.args) != 1:
        return False
    added = use.args[0].value
    if not isinstance(added, cst.Name):
        return False
    scope = model.enclosing_scope[use]
    bound = binding_scope(added.value, scope)
    if bound is None or added.value not in bound.params or added.value in bound.assignments:
        return False
    if any(c is not use and _method_of(c, opened.name) in _SESSION_WRITES for c in calls):
        return False
    for target in nodes_of(opened.region, cst.AssignTarget):
        written = target.target
        if isinstance(written, cst.Attribute) and _is_name(written.value, added.value):
            return False  # `obj.name = ...`: a change the session would write
    return any(
        (_method_of(call, opened.name) == "refresh" and _passes(call, added.value))
        or (
            isinstance(call.func, cst.Name)
            and call.func.value == "getattr"
            and bool(call.args)
            and _is_name(call.args[0].value, added.value)
        )
        # (in a lambda too: `session.run_sync(lambda s: getattr(obj, prop))`)
        for call in nodes_of(opened.region, cst.Call, into_functions=True)
        if model.order.get(call, -1) > model.order[use]
    )


def _passes(call: cst.Call, name: str) -> bool:
    return bool(call.args) and _is_name(call.args[0].value, name)


def _committed_in_a_later_round(model: ModuleModel, commit: cst.Call, use: cst.Call) -> bool:
    """A `while True:` loop around both the write and a commit (`if n == 10:
    session.commit()`): a batch the loop commits when it comes round, and the loop
    has no end after which writes could be left."""
    around_commit = {id(a) for a in model.ancestors(commit)}
    for ancestor in model.ancestors(use):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if (
            isinstance(ancestor, cst.While)
            and id(ancestor) in around_commit
            and always_true(ancestor.test)
            and not leaves_the_loop(model, ancestor)
        ):
            return True
    return False


def _later_commits(model: ModuleModel, opened: _Opened, methods: _MethodIndex) -> list[cst.Call]:
    """`name.commit()` calls after the opening anywhere in its scope, also outside the
    block that opened it (`if ready: session = Session()` ... `if ready:
    session.commit()`)."""
    scope = model.enclosing_scope[opened.call]
    return [
        call
        for call in methods.get((id(scope), opened.name), ())
        if model.order[call] > opened.after and _method_of(call, opened.name) == "commit"
    ]


def _commit_under_an_if(model: ModuleModel, commit: cst.Call, use: cst.Call) -> cst.If | None:
    """The `if` (not an `elif`, which runs only sometimes) whose body has the commit as
    a line of its own, when that `if` follows the write `use` on every normal path."""
    later = next((a for a in model.ancestors(commit) if isinstance(a, cst.If)), None)
    if later is None or isinstance(model.parent(later), cst.If):
        return None
    line = next(a for a in model.ancestors(commit) if isinstance(a, cst.SimpleStatementLine))
    if model.parent(line) is not later.body or not post_dominates(model, later, use):
        return None
    return later


def _committed_under_the_same_test(
    model: ModuleModel, commit: cst.Call, use: cst.Call, name: str
) -> bool:
    """`if ready: session.add(row)` and, later, `if ready: session.commit()`: the
    commit runs whenever the write did, if the later `if` follows the write on every
    normal path and nothing rebinds the session's name or the test's names in between
    (a test without calls, which could answer differently the second time). A later
    test of several conditions joined by `and` (`if not args.skip_parse and not
    args.skip_save:`) holds when each is the test of an `if` the write is under."""
    later = _commit_under_an_if(model, commit, use)
    if later is None or nodes_of(later.test, cst.Call):
        return False
    spans = [(model.order[use], name)]
    for condition in _conjuncts(later.test):
        earlier = None
        child: cst.CSTNode = use
        for ancestor in model.ancestors(use):
            same_test = isinstance(ancestor, cst.If) and ancestor.test.deep_equals(condition)
            if same_test and child is getattr(ancestor, "body", None):
                earlier = ancestor
                break
            child = ancestor
        if earlier is None:
            return False
        spans += [(model.order[earlier], n.value) for n in nodes_of(condition, cst.Name)]
    scope = model.enclosing_scope[use]
    end = model.order[later]
    return not any(
        start < assignment.order < end
        for start, rebound in spans
        for assignment in scope.assignments.get(rebound, ())
    )


def _conjuncts(test: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The conditions `a and b and c` joins (the test itself when it joins none)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return [*_conjuncts(test.left), *_conjuncts(test.right)]
    return [test]


def _committed_when_rows_changed(model: ModuleModel, commit: cst.Call, use: cst.Call) -> bool:
    """`result = session.execute(update(...))`, then `if result.rowcount > 0:
    session.commit()`: the write is committed whenever it changed a row, and left
    uncommitted only when it changed none (nothing to lose)."""
    later = _commit_under_an_if(model, commit, use)
    assign = model.parent(use)
    if later is None or not isinstance(assign, cst.Assign) or assign.value is not use:
        return False
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return False
    result = assign.targets[0].target.value
    return any(
        isinstance(read.value, cst.Name)
        and read.value.value == result
        and read.attr.value == "rowcount"
        for read in nodes_of(later.test, cst.Attribute)
    )


_EXITS: tuple[type[cst.CSTNode], ...] = (cst.Return, cst.Continue, cst.Break, cst.Raise)


def _committed_under_a_flag_it_sets(model: ModuleModel, commit: cst.Call, use: cst.Call) -> bool:
    """`session.add(f)` ... `need_commit = True` on the way out of the write's block,
    and later `if need_commit: session.commit()` on every normal path: the flag says a
    write was made, and the commit follows whenever it was."""
    later = _commit_under_an_if(model, commit, use)
    if later is None or not isinstance(later.test, cst.Name):
        return False
    flag = later.test.value
    child: cst.CSTNode = use
    for ancestor in model.ancestors(use):
        if ancestor is later or isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.IndentedBlock):
            statements = list(ancestor.body)
            start = next((i for i, s in enumerate(statements) if s is child), None)
            for statement in statements[start + 1 :] if start is not None else ():
                if _sets_true(statement, flag):
                    return True
                if any(nodes_of(statement, kind) for kind in _EXITS):
                    return False  # may leave before the flag is set
        child = ancestor
    return False


def _sets_true(statement: cst.CSTNode, flag: str) -> bool:
    """`flag = True` as a line of its own."""
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and small.targets[0].target.value == flag
        and isinstance(small.value, cst.Name)
        and small.value.value == "True"
        for small in statement.body
    )


def _opening(
    model: ModuleModel, resolver: Resolver, call: cst.Call, methods: _MethodIndex
) -> _Opened | None:
    """`with <call> as name:` or `name = <call>`, when the call opens a connection or
    session that begins no transaction of its own and does not autocommit."""
    scope = model.enclosing_scope[call]
    parent = model.parent(call)
    block: cst.With | None = None
    if isinstance(parent, cst.WithItem) and parent.item is call:
        holder = model.parent(parent)
        if not isinstance(holder, cst.With):
            return None
        block = holder
        if parent.asname is None or not isinstance(parent.asname.name, cst.Name):
            return None
        name = parent.asname.name.value
        region: cst.CSTNode = block.body
        after = -1
    elif isinstance(parent, cst.Assign) and parent.value is call:
        if len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
            return None
        name = parent.targets[0].target.value
        line = model.parent(parent)
        body = model.parent(line) if line is not None else None
        if not isinstance(body, (cst.IndentedBlock, cst.Module)):
            return None
        region, after = body, model.order[parent]
    else:
        return None
    kind = _opened_kind(call, scope, resolver)
    uses = methods.get((id(scope), name), [])
    if (
        kind is None
        and block is not None
        and _connection_by_use(model, resolver, call, block, uses)
    ):
        kind = Kind.CONNECTION
    if kind is None:
        return None
    return _Opened(name, kind, call, region, after, block)


def _connection_by_use(
    model: ModuleModel, resolver: Resolver, call: cst.Call, block: cst.With, uses: list[cst.Call]
) -> bool:
    """`with ctx.obj.engine.connect() as conn:` on a receiver of unknown kind (a CLI
    context's attribute) is a SQLAlchemy connection when the block runs
    `conn.execute(text(...))` or `conn.exec_driver_sql(...)` (`uses`: the method calls
    on `conn` in its scope): only SQLAlchemy's connections take those. A driver's
    `connect()` (`sqlite3.connect`) is a module function, not a method of an unknown
    object, and is left alone."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "connect" or call.args:
        return False
    scope = model.enclosing_scope[call]
    if resolver.qualify(func) is not None or resolver.kind_of(func.value, scope) is not None:
        return False
    for use in uses:
        if not any(a is block.body for a in model.ancestors(use)):
            continue
        method = _method_of(use, None)
        if method == "exec_driver_sql":
            return True
        if method == "execute" and use.args:
            statement = use.args[0].value
            if (
                isinstance(statement, cst.Call)
                and resolver.qualify(statement.func) in TEXT_CONSTRUCTORS
            ):
                return True
    return False


def _opened_kind(call: cst.Call, scope: Scope, resolver: Resolver) -> Kind | None:
    """The kind of what `call` opens, when the code owns it (not `op.get_bind()`, whose
    transaction Alembic runs) and it begins no transaction of its own."""
    value = resolver.call_value(call, scope)
    kind = value.kind
    if kind not in (Kind.CONNECTION, Kind.SESSION) or value.owner is not Owner.FRESH:
        return None
    if _chain_has(call, "begin") or _autocommits(call, scope):
        return None
    if kind is Kind.SESSION and _has_keyword(call, "autocommit", scope):
        return None  # a 1.x autocommit session: each flush commits
    if (
        kind is Kind.SESSION
        and _untraced_factory(call, scope, resolver)
        and resolver.factories_autocommit()
    ):
        return None
    return kind


def _untraced_factory(call: cst.Call, scope: Scope, resolver: Resolver) -> bool:
    """`session()` on a parameter, `self.session()`: a factory this module cannot
    follow to where it is made (not a library's `orm.Session(...)`)."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return resolver.qualify(func) is None
    if not isinstance(func, cst.Name):
        return False
    bound = binding_scope(func.value, scope)
    return bound is not None and func.value in bound.params


def _left_alone(
    model: ModuleModel, resolver: Resolver, opened: _Opened, calls: list[cst.Call]
) -> bool:
    """Blocks that commit by themselves, hand the object on, manage the transaction
    explicitly, or run where 1.x autocommits connection writes."""
    if opened.block is not None and begins_transaction(opened.block, opened.name):
        return True
    if opened.kind.is_session and joins_a_transaction_manager(model, resolver, opened.call):
        return True  # zope.sqlalchemy: the `transaction` manager commits it
    if (
        opened.block is not None
        and opened.kind is Kind.SESSION
        and resolver.commits_on_exit(opened.call, model.enclosing_scope[opened.call])
    ):
        return True  # a session class whose `__exit__` commits
    if _handed_over(model, opened) or _explicit_transaction(model, opened, calls):
        return True
    scope = model.enclosing_scope[opened.call]
    return opened.kind is Kind.CONNECTION and _autocommits_before_2(
        model, opened.call, scope, resolver, calls
    )


def _chained_write(
    model: ModuleModel, resolver: Resolver, call: cst.Call
) -> Iterator[UncommittedWrite]:
    """`engine.connect().execute(insert(...))`, `Session(engine).add(user)`: nothing can
    commit a connection or session that no name holds."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Call):
        return
    opener = func.value
    scope = model.enclosing_scope[call]
    kind = _opened_kind(opener, scope, resolver)
    if kind is None:
        return
    if kind is Kind.CONNECTION and _autocommits_before_2(model, opener, scope, resolver):
        return
    written = cst.Module(body=[]).code_for_node(opener)
    if len(written) > 40 or "\n" in written:
        written = cst.Module(body=[]).code_for_node(opener.func) + "(...)"
    if _writes(call, None, kind, scope, resolver):
        yield UncommittedWrite(call, written, kind, None)


def _explicit_transaction(model: ModuleModel, opened: _Opened, calls: list[cst.Call]) -> bool:
    """`trans = conn.begin()` (committed through `trans`), or the connection switched to
    AUTOCOMMIT where it is used. (`with session.begin():` blocks are judged per write.)"""
    for call in calls:
        method = _method_of(call, opened.name)
        if method in ("begin", "begin_nested", "begin_twophase") and not isinstance(
            model.parent(call), cst.WithItem
        ):
            return True
        if method == "execution_options" and any(_is_autocommit(a) for a in call.args):
            return True
    return False


def _autocommits_before_2(
    model: ModuleModel,
    call: cst.Call,
    scope: Scope,
    resolver: Resolver,
    writes: Sequence[cst.Call] = (),
) -> bool:
    """SQLAlchemy 1.x commits each write of a connection outside a transaction by itself
    ("library-level autocommit"), unless its engine was made with `future=True`. The
    project runs on 1.x when it says so, or, when it says nothing, when the module
    calls what only 1.x has (`MetaData(bind=engine)`, `Table(..., autoload=True)`), or
    the writes are given their values as only 1.x takes them (`conn.execute(
    table.insert(), **row)`, which 2.0 refuses with a `TypeError` before any SQL)."""
    major = major_version(resolver.path, resolver.options.sqlalchemy_version)
    if major == 2:
        return False
    if major is None and not (
        _uses_1x_only_api(model, resolver.qualify) or any(map(_execute_as_1x, writes))
    ):
        return False
    return not _has_keyword(call, "future", scope)


def _execute_as_1x(call: cst.Call) -> bool:
    """`conn.execute(statement, **row)`, `conn.execute(statement, name=value)`, or more
    than one set of parameters as separate arguments: 1.x's calling form only (2.0's
    `Connection.execute()` takes `parameters` and `execution_options`)."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "execute"):
        return False
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return len(positional) > 2 or any(
        a.star == "**"
        or (a.keyword is not None and a.keyword.value not in ("parameters", "execution_options"))
        for a in call.args
    )


def _has_keyword(expr: cst.BaseExpression, keyword: str, scope: Scope) -> bool:
    """Whether a call in the chain that made `expr`, or the engine it comes from, is
    given `keyword=True`."""

    def is_true(arg: cst.Arg) -> bool:
        return (
            arg.keyword is not None
            and arg.keyword.value == keyword
            and isinstance(arg.value, cst.Name)
            and arg.value.value == "True"
        )

    return made_with(expr, is_true, scope)


def made_with(
    expr: cst.BaseExpression, wanted: Callable[[cst.Arg], bool], scope: Scope, depth: int = 0
) -> bool:
    """Whether a call in the chain that made `expr` (`engine.connect().execution_options(
    ...)`), or in every value of the name the chain starts from (the engine's
    `create_engine(...)`), is given an argument that `wanted` accepts."""
    if depth > _MAX_DEPTH:
        return False
    node: cst.BaseExpression = expr
    while isinstance(node, (cst.Call, cst.Attribute)):
        if isinstance(node, cst.Call) and any(wanted(a) for a in node.args):
            return True
        kept = self_attribute_values(node, scope)
        if kept is not None:
            # `self.engine.connect()`: what the class sets `self.engine` to
            return bool(kept) and all(
                made_with(value, wanted, where, depth + 1) for value, where in kept
            )
        node = node.func if isinstance(node, cst.Call) else node.value
    if isinstance(node, cst.Name):
        values = _assigned_values(node.value, scope)
        return bool(values) and all(made_with(v, wanted, scope, depth + 1) for v in values)
    return False


def _chain_has(call: cst.BaseExpression, method: str) -> bool:
    """`SessionLocal.begin()`, `engine.connect().begin()`: a method of that name in the
    chain of calls that made the object."""
    node: cst.BaseExpression = call
    while isinstance(node, (cst.Call, cst.Attribute)):
        if isinstance(node, cst.Attribute) and node.attr.value == method:
            return True
        node = node.func if isinstance(node, cst.Call) else node.value
    return False


def _autocommits(call: cst.Call, scope: Scope) -> bool:
    """`isolation_level="AUTOCOMMIT"` on the connection, or on the engine it comes from."""
    return made_with(call, _is_autocommit, scope)


def _assigned_values(name: str, scope: Scope) -> list[cst.BaseExpression]:
    """What `name` is assigned, seen from `scope` (empty when a value is unknown)."""
    bound = binding_scope(name, scope)
    if bound is None or name in bound.params:
        return []
    values: list[cst.BaseExpression] = []
    for assignment in bound.assignments.get(name, ()):
        if assignment.value is None or assignment.via_with:
            return []
        values.append(assignment.value)
    return values


def _is_autocommit(arg: cst.Arg) -> bool:
    return (
        arg.keyword is not None
        and arg.keyword.value == "isolation_level"
        and isinstance(arg.value, cst.SimpleString)
        and arg.value.evaluated_value == "AUTOCOMMIT"
    )


_MethodIndex = dict[tuple[int, str], list[cst.Call]]


def _method_calls_by_receiver(model: ModuleModel) -> _MethodIndex:
    """`name.method(...)` calls by (scope, name): what a connection or session named
    `name` in that scope can be used by, found without scanning every call again."""
    index: _MethodIndex = {}
    for call in model.calls:
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            scope = model.enclosing_scope[call]
            index.setdefault((id(scope), func.value.value), []).append(call)
    return index


def _calls_in(model: ModuleModel, opened: _Opened, methods: _MethodIndex) -> list[cst.Call]:
    """The method calls on the opened object's name in its region, after it was opened,
    not inside a function, lambda or class defined there (they run later, if at all)."""
    scope = model.enclosing_scope[opened.call]
    found = []
    for call in methods.get((id(scope), opened.name), ()):
        if model.order[call] <= opened.after:
            continue
        for ancestor in model.ancestors(call):
            if ancestor is opened.region:
                found.append(call)
                break
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
    return found


def _method_of(call: cst.Call, name: str | None) -> str | None:
    """`m` for `name.m(...)`; with no name, for `<anything>.m(...)`."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    if name is None or (isinstance(func.value, cst.Name) and func.value.value == name):
        return func.attr.value
    return None


def _inside_begin_block(model: ModuleModel, call: cst.Call, opened: _Opened) -> bool:
    for ancestor in model.ancestors(call):
        if ancestor is opened.region:
            return False
        if isinstance(ancestor, cst.With) and begins_transaction(ancestor, opened.name):
            return True
    return False


def _handed_over(model: ModuleModel, opened: _Opened) -> bool:
    """The code gives the connection or session to another function (it may commit),
    keeps it somewhere, or returns it; or calls a function defined in the same scope
    that uses it (a closure: `def add_new_solution(): ...; db_sess.commit()`)."""
    scope = model.enclosing_scope[opened.call]
    for use in scope.references.get(opened.name, ()):
        if model.order.get(use, -1) <= opened.after:
            continue
        if not any(a is opened.region for a in model.ancestors(use)):
            continue
        parent = model.parent(use)
        if isinstance(parent, (cst.Arg, cst.Element, cst.Return, cst.Yield)):
            return True
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is use:
            return True
    return any(
        _called_in_region(model, scope, opened, closure.name)
        for closure in scope.children
        if isinstance(closure.node, cst.FunctionDef)
        and opened.name in closure.references
        and binding_scope(opened.name, closure) is scope
    )


def _called_in_region(model: ModuleModel, scope: Scope, opened: _Opened, name: str) -> bool:
    """Whether `name(...)` is called in the opened object's region, after it opened."""
    for reference in scope.references.get(name, ()):
        call = model.parent(reference)
        if (
            isinstance(call, cst.Call)
            and call.func is reference
            and model.order.get(call, -1) > opened.after
            and any(a is opened.region for a in model.ancestors(call))
        ):
            return True
    return False


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _writes(call: cst.Call, name: str | None, kind: Kind, scope: Scope, resolver: Resolver) -> bool:
    method = _method_of(call, name)
    if method is None:
        return False
    if kind is Kind.SESSION and method in _SESSION_WRITES:
        return method != "merge" or not _attaches_to_read(call, scope, resolver.model)
    if method == "exec_driver_sql":
        return bool(call.args) and _write_sql(call.args[0].value)
    if method in ("execute", "scalar", "scalars") and call.args:
        return _is_write_statement(call.args[0].value, scope, resolver, 0)
    return False


# Methods that change the collection (or the object) they are called on.
_MUTATORS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "update", "add", "discard"}
)


def _attaches_to_read(call: cst.Call, scope: Scope, model: ModuleModel) -> bool:
    """`user = session.merge(current_user)`, then `user.orders`: an object of another
    session (not one the function is given, which its caller may have changed) merged
    to read it here, whose result is kept and read, and neither it nor the merged object
    has an attribute set in the function: nothing to write."""
    if len(call.args) != 1 or call.args[0].keyword is not None:
        return False
    merged = call.args[0].value
    statement = model.parent(call)
    if not (
        isinstance(statement, cst.Assign)
        and statement.value is call
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
    ):
        return False
    kept = statement.targets[0].target.value
    names = {kept}
    if isinstance(merged, cst.Name):
        if merged.value in scope.params:
            return False
        names.add(merged.value)
    elif not isinstance(merged, cst.Attribute):
        return False
    if not any(
        isinstance(model.parent(ref), cst.Attribute) for ref in scope.references.get(kept, ())
    ):
        return False  # kept but never read
    for name in names:
        for ref in scope.references.get(name, ()):
            node: cst.CSTNode = ref
            while True:
                attribute = model.parent(node)
                if not isinstance(attribute, cst.Attribute) or attribute.value is not node:
                    break
                outer = model.parent(attribute)
                if isinstance(outer, (cst.AssignTarget, cst.AugAssign, cst.Del)) or (
                    isinstance(outer, cst.Call)
                    and outer.func is attribute
                    and attribute.attr.value in _MUTATORS
                ):
                    return False  # `user.name = ...`, `user.orders.append(order)`
                node = attribute
    return True


def _is_write_statement(
    expr: cst.BaseExpression, scope: Scope, resolver: Resolver, depth: int
) -> bool:
    if depth > _MAX_DEPTH:
        return False
    while (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _REFINERS
    ):
        expr = expr.func.value
    if isinstance(expr, cst.Call):
        qualified = resolver.qualify(expr.func) or ""
        if qualified in _WRITE_CONSTRUCTORS:
            return True
        if qualified in TEXT_CONSTRUCTORS:
            return bool(expr.args) and _write_sql(expr.args[0].value)
        func = expr.func
        # `users.insert()`: a Table's DML methods (a dict's `update()` is never executed).
        return isinstance(func, cst.Attribute) and func.attr.value in _TABLE_DML
    if isinstance(expr, cst.Name):
        values = _assigned_values(expr.value, scope)
        return bool(values) and all(
            _is_write_statement(v, scope, resolver, depth + 1) for v in values
        )
    return False


def _write_sql(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return isinstance(value, str) and _WRITE_SQL.match(value) is not None
    if isinstance(expr, cst.ConcatenatedString):
        return _write_sql(expr.left)
    if isinstance(expr, cst.FormattedString):
        first = expr.parts[0] if expr.parts else None
        return (
            isinstance(first, cst.FormattedStringText) and _WRITE_SQL.match(first.value) is not None
        )
    return False


# Arguments SQLAlchemy 2.0 removed: code that passes them runs only on 1.x.
_REMOVED_IN_2 = {
    "sqlalchemy.MetaData": "bind",
    "sqlalchemy.schema.MetaData": "bind",
    "sqlalchemy.sql.schema.MetaData": "bind",
    "sqlalchemy.Table": "autoload",
    "sqlalchemy.schema.Table": "autoload",
    "sqlalchemy.sql.schema.Table": "autoload",
}


def _uses_1x_only_api(
    model: ModuleModel, qualify: Callable[[cst.BaseExpression], str | None]
) -> bool:
    """Whether the module calls what SQLAlchemy 2.0 removed, so it is written for 1.x:
    `MetaData(bind=engine)`, `Table(name, metadata, autoload=True)`."""
    for call in model.calls:
        func = call.func
        name = (
            func.value
            if isinstance(func, cst.Name)
            else (func.attr.value if isinstance(func, cst.Attribute) else None)
        )
        if name not in ("MetaData", "Table"):
            continue
        removed = _REMOVED_IN_2.get(qualify(func) or "")
        if removed is not None and any(
            a.keyword is not None and a.keyword.value == removed for a in call.args
        ):
            return True
    return False
