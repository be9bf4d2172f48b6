"""Where statements run relative to each other, in structured code (no exceptions, no
`break`/`continue` followed): what runs before a node on every path that reaches it,
and what runs after it on every normal way out of a block."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import libcst as cst

from .kinds import BROAD_EXCEPTIONS
from .model import Assignment, ModuleModel, Scope

_N = TypeVar("_N", bound=cst.CSTNode)


def nodes_of(body: cst.CSTNode, kind: type[_N], *, into_functions: bool = False) -> list[_N]:
    """The nodes of type `kind` in `body`, in source order; those of the functions,
    lambdas and classes defined in it only with `into_functions` (they run later, if
    at all). Iterative: code nested thousands deep does not exhaust the stack."""
    found: list[_N] = []
    pending: list[cst.CSTNode] = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, kind):
            found.append(node)
        if (
            node is not body
            and not into_functions
            and isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))
        ):
            continue
        pending.extend(reversed(node.children))
    return found


def within(model: ModuleModel, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    """Whether `node` is inside `container` (a `try`'s body, a `finally`)."""
    return any(a is container for a in model.ancestors(node))


def exclusive(model: ModuleModel, first: cst.CSTNode, second: cst.CSTNode) -> bool:
    """Whether `first` and `second` sit in different branches of one `if` (its body
    and its `elif`/`else`), or in different `except` handlers of one `try` (or one
    and its `else`), that no loop of their function repeats: one running rules out
    the other (`text = "SELECT 1"` in the `else` cannot be the `text` built in the
    `if`)."""
    first_chain = [first, *model.ancestors(first)]
    index = {id(node): position for position, node in enumerate(first_chain)}
    below: cst.CSTNode = second
    for ancestor in model.ancestors(second):
        position = index.get(id(ancestor))
        if position is not None:
            break
        below = ancestor
    else:
        return False
    if not isinstance(ancestor, (cst.If, cst.Try)) or position == 0:
        return False
    first_below = first_chain[position - 1]
    if first_below is below:
        return False
    if isinstance(ancestor, cst.If):
        if {id(first_below), id(below)} != {id(ancestor.body), id(ancestor.orelse)}:
            return False
    else:
        # Two handlers of one `try`, or a handler and its `else`: one exception (or
        # none) picks one of them.
        arms = {id(h) for h in ancestor.handlers}
        if ancestor.orelse is not None:
            arms.add(id(ancestor.orelse))
        if id(first_below) not in arms or id(below) not in arms:
            return False
    for outer in model.ancestors(ancestor):
        if isinstance(outer, (cst.For, cst.While)):
            return False
        if isinstance(outer, (cst.FunctionDef, cst.Lambda, cst.Module)):
            return True
    return True


def own_returns(body: cst.CSTNode) -> list[cst.Return]:
    """The `return` statements of a function body, not of the functions inside it."""
    return nodes_of(body, cst.Return)


def _line_in_block(model: ModuleModel, node: cst.CSTNode) -> tuple[cst.CSTNode, cst.CSTNode]:
    """The statement line holding `node` and the block (body) it is an element of."""
    current = node
    parent = model.parent(current)
    while parent is not None and not isinstance(parent, (cst.IndentedBlock, cst.Module)):
        current, parent = parent, model.parent(parent)
    return current, parent if parent is not None else current


def dominates(model: ModuleModel, statement: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Whether `statement` runs, unconditionally, before `node` in straight-line code:
    its line comes earlier in a block that encloses `node`."""
    line, block = _line_in_block(model, statement)
    return _relative_order(model, line, block, node) == -1


def comes_before(model: ModuleModel, first: cst.CSTNode, second: cst.CSTNode) -> bool:
    """Whether `first` comes before `second` in the source (pre-order)."""
    first_chain = [first, *model.ancestors(first)][::-1]
    second_chain = [second, *model.ancestors(second)][::-1]
    for depth, (a, b) in enumerate(zip(first_chain, second_chain)):
        if a is not b:
            parent = first_chain[depth - 1]
            children = parent.children
            return next(i for i, c in enumerate(children) if c is a) < next(
                i for i, c in enumerate(children) if c is b
            )
    return len(first_chain) < len(second_chain)


def finally_contains(model: ModuleModel, node: cst.CSTNode, releases: list[cst.CSTNode]) -> bool:
    """Whether `node` is inside a `try` whose `finally` holds one of the releases."""
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, cst.Try) and ancestor.finalbody is not None:
            final = ancestor.finalbody
            if any(final in set(model.ancestors(r)) for r in releases):
                return True
    return False


def broad_handler_contains(
    model: ModuleModel, node: cst.CSTNode, releases: list[cst.CSTNode]
) -> bool:
    """Whether `node` is inside a `try` (its body, or its handlers) with a handler that
    catches everything (bare, `Exception`, `BaseException`) and holds one of the
    releases: whatever fails there, the release runs (`except: session.rollback();
    raise`)."""
    for ancestor in model.ancestors(node):
        if not isinstance(ancestor, cst.Try):
            continue
        for handler in ancestor.handlers:
            if catches_everything(handler) and any(
                handler in set(model.ancestors(r)) for r in releases
            ):
                return True
    return False


def catches_everything(handler: cst.ExceptHandler) -> bool:
    """A bare `except:`, `except Exception:` or `except BaseException:`."""
    if handler.type is None:
        return True
    return isinstance(handler.type, cst.Name) and handler.type.value in BROAD_EXCEPTIONS


def post_dominates(model: ModuleModel, statement: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Whether `statement` runs, on every normal path, after `node`: its line comes
    later in a block that encloses `node`. A line in the body of a `try` or a `with`
    runs whenever that statement completes normally, so it counts from there too, and
    a line in a `try`'s `else` runs whenever its body completes normally (`try:
    session.add(row)` ... `else: session.commit()`)."""
    line, block = _line_in_block(model, statement)
    while True:
        if _after_in(model, line, block, node):
            return True
        owner = model.parent(block)
        guarded = model.parent(owner) if isinstance(owner, cst.Else) else None
        if isinstance(guarded, (cst.Try, cst.TryStar)):
            if any(a is guarded.body for a in model.ancestors(node)):
                return True
            line, block = _line_in_block(model, guarded)
            continue
        if not (isinstance(owner, (cst.Try, cst.TryStar, cst.With)) and owner.body is block):
            return False
        line, block = _line_in_block(model, owner)


def _after_in(model: ModuleModel, line: cst.CSTNode, block: cst.CSTNode, node: cst.CSTNode) -> bool:
    return _relative_order(model, line, block, node) == 1


def _relative_order(
    model: ModuleModel, line: cst.CSTNode, block: cst.CSTNode, node: cst.CSTNode
) -> int | None:
    """-1 / 1: `line` comes before / after the element of `block` that holds `node`;
    None when `block` does not hold `node` (or it is that element)."""
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None
    for ancestor in (node, *model.ancestors(node)):
        if model.parent(ancestor) is block:
            body = list(block.body)
            mine = next(i for i, b in enumerate(body) if b is line)
            theirs = next(i for i, b in enumerate(body) if b is ancestor)
            return None if mine == theirs else (-1 if mine < theirs else 1)
    return None


def method_calls(
    model: ModuleModel, scope: Scope, name: str, methods: frozenset[str]
) -> list[cst.Call]:
    """The calls `name.<method>(...)` in `scope`, for `name` as `scope` binds it and a
    method of `methods`, in the order of the source."""
    found: list[cst.Call] = []
    for reference in scope.references.get(name, ()):
        attribute = model.parent(reference)
        call = model.parent(attribute) if isinstance(attribute, cst.Attribute) else None
        if (
            isinstance(attribute, cst.Attribute)
            and isinstance(call, cst.Call)
            and call.func is attribute
            and attribute.attr.value in methods
        ):
            found.append(call)
    return found


def reaching_assignments(
    model: ModuleModel, use: cst.Name, assignments: list[Assignment]
) -> list[Assignment]:
    """The assignments, of those binding `use`'s name in its scope, that can give it
    its value there: not those in another branch of an `if` than the use (all of them,
    if that leaves none), nor those before one that runs, unconditionally, between
    them and the use (`sql = "CREATE ..."` on the line above the `execute(text(sql))`).
    What comes after the use reaches it only through a loop around both."""
    # `years = ", ".join(... for year in years)`: the value on the right is the old one.
    assignments = [a for a in assignments if not _in_own_value(model, use, a)]
    reaching = [a for a in assignments if not exclusive(model, a.node, use)]
    if not reaching:
        return list(assignments)
    at = model.order[use]
    covering = [a for a in reaching if _covers(model, a, use, at)]
    if covering:
        last = max(covering, key=lambda a: a.order)
        loops = [node for node in model.ancestors(use) if isinstance(node, (cst.For, cst.While))]
        reaching = [
            a
            for a in reaching
            # (`last` itself too: a comprehension's `for` comes after its element)
            if a is last
            or last.order <= a.order < at
            or (a.order > at and any(within(model, a.node, loop) for loop in loops))
        ]
    return reaching


def reaching_assignment(
    model: ModuleModel, use: cst.Name, assignments: list[Assignment]
) -> Assignment | None:
    """The one assignment of `reaching_assignments` when it is a plain one on a line
    that runs, unconditionally, before `use` (`c = conn.cursor()` a few lines above
    `c.execute(...)` in the `if` whose `else` makes `c` a session); None when which
    binding reaches depends on the path."""
    reaching = reaching_assignments(model, use, assignments)
    if len(reaching) != 1:
        return None
    only = reaching[0]
    line, _ = _line_in_block(model, only.node)
    if not isinstance(line, cst.SimpleStatementLine) or not _covers(
        model, only, use, model.order[use]
    ):
        return None
    return only


def _covers(model: ModuleModel, assignment: Assignment, use: cst.Name, at: int) -> bool:
    """A plain assignment that runs, unconditionally, before `use` (at order `at`); or
    the target of a `for` loop whose body holds `use` (bound anew on each iteration)."""
    node = assignment.node
    if type(node) is cst.For and assignment.order < at:
        return within(model, use, node.body)
    if type(node) is cst.CompFor:
        # `f(i) for i in coords`: the element (and what follows the `for`) sees it.
        comprehension = model.parent(node)
        while type(comprehension) is cst.CompFor:
            comprehension = model.parent(comprehension)
        return (
            comprehension is not None
            and within(model, use, comprehension)
            and not within(model, use, node.iter)
        )
    return (
        assignment.order < at
        and not assignment.via_with
        and assignment.unpacked is None
        and dominates(model, node, use)
    )


def _in_own_value(model: ModuleModel, use: cst.Name, assignment: Assignment) -> bool:
    """`use` is read in the value `assignment` binds (`x = f(x)`): before it binds."""
    value = assignment.value if assignment.unpacked is None else assignment.unpacked[0]
    return value is not None and (use is value or within(model, use, value))


def names_bound_otherwise(model: ModuleModel) -> dict[int, frozenset[str]]:
    """For each function, lambda and the module (by the `id` of its node), the names
    bound there other than by `=`, `:=` or `with ... as`: `for` targets, `except ...
    as`, imports, `def` and `class`, `+=`, `del`, `global`/`nonlocal`, `match`
    captures. One pass over the nodes the model already holds."""
    found: dict[int, set[str]] = {}
    for node in model.order:
        names = _names_bound_by(node)
        if not names:
            continue
        owner = next(
            (
                a
                for a in model.ancestors(node)
                if isinstance(a, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module))
            ),
            None,
        )
        if owner is not None and not isinstance(owner, cst.ClassDef):
            found.setdefault(id(owner), set()).update(names)
    return {key: frozenset(names) for key, names in found.items()}


# What binds a name other than an assignment (exact types: `isinstance` on libcst's
# classes is slow, and this runs over every node of the module).
_BINDERS = frozenset(
    {
        cst.FunctionDef,
        cst.ClassDef,
        cst.Import,
        cst.ImportFrom,
        cst.Global,
        cst.Nonlocal,
        cst.For,
        cst.ExceptHandler,
        cst.AugAssign,
        cst.Del,
        cst.MatchAs,
        cst.MatchStar,
    }
)


def _names_bound_by(node: cst.CSTNode) -> list[str]:
    if type(node) not in _BINDERS:
        return []
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return [node.name.value]
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return list(_imported_names(node))
    if isinstance(node, (cst.Global, cst.Nonlocal)):
        return [n.name.value for n in node.names]
    target: cst.CSTNode | None = None
    if isinstance(node, cst.For):
        target = node.target
    elif isinstance(node, cst.ExceptHandler) and node.name is not None:
        target = node.name
    elif isinstance(node, (cst.AugAssign, cst.Del)):
        target = node.target
    elif isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
        target = node.name
    return [n.value for n in nodes_of(target, cst.Name)] if target is not None else []


def _imported_names(node: cst.Import | cst.ImportFrom) -> Iterator[str]:
    if isinstance(node.names, cst.ImportStar):
        yield "*"  # binds names nobody can list: every name counts as bound so
        return
    for alias in node.names:
        bound: cst.BaseExpression = alias.asname.name if alias.asname else alias.name
        while isinstance(bound, cst.Attribute):  # `import a.b` binds `a`
            bound = bound.value
        if isinstance(bound, cst.Name):
            yield bound.value


def under_a_flag_it_sets(model: ModuleModel, node: cst.CSTNode) -> bool:
    """Whether `node` runs only under `if not Engine._initialized:` (or `if _ready is
    None:` with `global _ready`) whose block sets that flag (`Engine._initialized =
    True`): a flag on a class or the module, so the block runs once per process. A
    flag on `self` is one per instance, and does not count."""
    child: cst.CSTNode = node
    for ancestor in model.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)):
            return False
        flag = _unset_flag(ancestor.test) if isinstance(ancestor, cst.If) else None
        if (
            isinstance(ancestor, cst.If)
            and child is ancestor.body
            and isinstance(ancestor.body, cst.IndentedBlock)
            and flag is not None
            and _shared_flag(model, ancestor, flag)
            and any(_sets_flag(line, flag) for line in ancestor.body.body)
        ):
            return True
        child = ancestor
    return False


def _unset_flag(test: cst.BaseExpression) -> cst.BaseExpression | None:
    """`F` for `not F`, `F is None`, `F is False`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test.expression
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value in ("None", "False")
    ):
        return test.left
    return None


def _shared_flag(model: ModuleModel, test_owner: cst.If, flag: cst.BaseExpression) -> bool:
    """`Engine._initialized` or `cls._ready` (not `self.x`), or a name the function
    declares `global`."""
    if isinstance(flag, cst.Attribute):
        return isinstance(flag.value, cst.Name) and flag.value.value != "self"
    function = next(
        (a for a in model.ancestors(test_owner) if isinstance(a, cst.FunctionDef)), None
    )
    scope = model.scope_of.get(function) if function is not None else None
    return isinstance(flag, cst.Name) and scope is not None and flag.value in scope.global_names


def _sets_flag(line: cst.BaseStatement, flag: cst.BaseExpression) -> bool:
    """`F = True` (or another truthy literal) as a line of its own."""
    if not isinstance(line, cst.SimpleStatementLine):
        return False
    for small in line.body:
        if (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and small.targets[0].target.deep_equals(flag)
            and (
                (isinstance(small.value, cst.Name) and small.value.value == "True")
                or (isinstance(small.value, cst.Integer) and small.value.evaluated_value != 0)
            )
        ):
            return True
    return False


def begins_transaction(block: cst.With, name: str) -> bool:
    """`with name.begin():` (also as one item of several: `with Session(engine) as
    session, session.begin():`): a block that commits or rolls back at its end."""
    return any(
        isinstance(item.item, cst.Call)
        and isinstance(item.item.func, cst.Attribute)
        and item.item.func.attr.value == "begin"
        and isinstance(item.item.func.value, cst.Name)
        and item.item.func.value.value == name
        for item in block.items
    )


def leaves_the_loop(model: ModuleModel, loop: cst.While) -> bool:
    """A `return`, or a `break` of this loop (not of a loop inside it), inside it: the
    only ways out of a `while True:` other than an exception."""
    if nodes_of(loop.body, cst.Return):
        return True
    for found in nodes_of(loop.body, cst.Break):
        innermost = next(a for a in model.ancestors(found) if isinstance(a, (cst.While, cst.For)))
        if innermost is loop:
            return True
    return False


def always_true(test: cst.BaseExpression) -> bool:
    """`True` or a nonzero number: a `while` test only a way out ends."""
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.value not in ("0", "0x0", "0o0", "0b0")
    return False
