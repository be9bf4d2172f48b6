"""Rewrite a resource that is never closed into the `with` form that closes it.

    conn = engine.connect()              with engine.connect() as conn:
    rows = conn.execute(q).fetchall()        rows = conn.execute(q).fetchall()
    conn.close()                         print(rows)
    print(rows)

The block spans the statements that still need the resource: up to an explicit
`close()` (which it replaces), or else up to the last use of the resource or of a
variable reading through it. Anything the rewrite cannot keep equivalent (the
resource or a lazy result returned, stored, captured, or used after the block)
yields no fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from sqlalchemy_lint.diagnostics import Applicability, Fix, Span
from sqlalchemy_lint.fixes.resource_flow import ResourceFlow, Unfixable, Value
from sqlalchemy_lint.fixes.syntax import (
    Block,
    Rewrite,
    Scope,
    SourceTree,
    assigned_name,
    compiles,
    fresh_name,
    lone_expression,
    variable_names,
)

CLOSE_METHODS = frozenset({"close", "aclose"})


def with_block_fix(source: str, call: Span, *, is_async: bool, noun: str) -> Fix | None:
    """A safe fix that manages the resource created by `call` with a `with` block.

    `call` is the exact span of the call creating the resource (without an
    enclosing `await`); `noun` names the resource in the title ("session").
    None when no rewrite keeps the code's meaning apart from releasing the resource.
    """
    tree = SourceTree.parse(source)
    node = tree.find_call(call) if tree is not None else None
    if tree is None or node is None:
        return None
    try:
        creation = _find_creation(tree, node, is_async=is_async, noun=noun)
        region = _plan_region(tree, creation, data_needs_resource="session" in noun.lower())
    except Unfixable:
        return None
    rewrite = _rewrite(tree, creation, region, is_async=is_async)
    if rewrite is None:
        return None
    if compiles(rewrite.old) and not compiles(rewrite.new):
        return None
    statements = creation.block.body
    edit = rewrite.edit_covering(
        tree.range_of(statements[creation.index]).start.line,
        tree.range_of(statements[region.end]).end.line,
    )
    if edit is None:
        return None
    keyword = "an `async with`" if is_async else "a `with`"
    return Fix(f"Wrap the {noun} in {keyword} block", Applicability.SAFE, (edit,))


@dataclass(frozen=True)
class _Creation:
    """Where the resource is created and what the `with` statement will enter."""

    statement: cst.BaseStatement
    block: Block
    index: int
    scope: Scope
    name: str  # the variable the `with` statement binds
    item: cst.BaseExpression  # the expression it enters
    # The creating statement rewritten to use `name`; None when it is `name = <call>`,
    # or the bare `<call>` whose result nothing uses.
    first: cst.BaseStatement | None
    bound: bool = True  # False: `with <call>:`, no `as name`


@dataclass
class _Region:
    end: int  # index of the last statement of the block the rewrite replaces
    body: list[cst.BaseStatement] = field(default_factory=list)
    footer: list[cst.EmptyLine] = field(default_factory=list)  # comments of a removed close


def _find_creation(tree: SourceTree, call: cst.Call, *, is_async: bool, noun: str) -> _Creation:
    resource: cst.BaseExpression = call
    parent = tree.parent(call)
    if isinstance(parent, cst.Await):
        if not is_async:
            raise Unfixable("a synchronous resource is awaited")
        resource = parent
    elif is_async and "session" not in noun.lower():
        # `conn = async_engine.connect()` then `await conn` or `await conn.start()`:
        # inside `async with`, that second start raises.
        raise Unfixable("an async connection created without `await` is started elsewhere")
    statement = tree.statement_of(resource)
    if statement is None:
        raise Unfixable("not in a statement")
    for ancestor in tree.ancestors(call):
        if isinstance(ancestor, cst.WithItem):
            raise Unfixable("already entered by a `with` statement")
        if ancestor is statement:
            break
    located = tree.block_of(statement)
    scope = tree.scope_of(statement)
    if located is None or scope is None:
        raise Unfixable("not in a function or module body")
    if is_async and not (isinstance(scope, cst.FunctionDef) and scope.asynchronous):
        raise Unfixable("`async with` needs an async function")
    block, index = located
    target = assigned_name(statement, resource)
    if target is not None:
        return _Creation(statement, block, index, scope, target, call, None)
    _check_evaluated_once(tree, resource, statement)
    taken = {name.value for name in variable_names(scope)}
    name = fresh_name("session" if "session" in noun.lower() else "conn", taken)
    if lone_expression(statement) is resource:
        # `engine.connect()` on its own: `with engine.connect():` and `pass`, rather
        # than binding a name only to write it as a useless statement.
        return _Creation(statement, block, index, scope, name, call, None, bound=False)
    rewritten = statement.deep_replace(resource, cst.Name(name))
    assert isinstance(rewritten, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return _Creation(
        statement, block, index, scope, name, call, rewritten.with_changes(leading_lines=())
    )


def _check_evaluated_once(
    tree: SourceTree, expression: cst.BaseExpression, statement: cst.BaseStatement
) -> None:
    """Refuse unless `expression` runs exactly once each time `statement` runs,
    so that entering it once just before the statement changes nothing."""
    child: cst.CSTNode = expression
    for parent in tree.ancestors(expression):
        if not _evaluates_once(parent, child):
            raise Unfixable("the call runs conditionally or repeatedly")
        if parent is statement:
            return
        child = parent


_ALWAYS_EVALUATED = (
    cst.Arg,
    cst.Attribute,
    cst.Await,
    cst.BinaryOperation,
    cst.Call,
    cst.ComparisonTarget,
    cst.Dict,
    cst.DictElement,
    cst.Element,
    cst.FormattedString,
    cst.FormattedStringExpression,
    cst.Index,
    cst.List,
    cst.Set,
    cst.Slice,
    cst.StarredDictElement,
    cst.StarredElement,
    cst.Subscript,
    cst.SubscriptElement,
    cst.Tuple,
    cst.UnaryOperation,
)


def _evaluates_once(parent: cst.CSTNode, child: cst.CSTNode) -> bool:
    if isinstance(parent, _ALWAYS_EVALUATED):
        return True
    if isinstance(parent, cst.SimpleStatementLine):
        return len(parent.body) == 1
    if isinstance(parent, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
        return parent.value is child
    if isinstance(parent, cst.Yield):
        return parent.value is child
    if isinstance(parent, cst.If):
        return parent.test is child
    if isinstance(parent, cst.For):
        return parent.iter is child
    if isinstance(parent, (cst.BooleanOperation, cst.Comparison)):
        # Later operands are skipped when an earlier one decides the result.
        first_comparison = isinstance(parent, cst.Comparison) and parent.comparisons[0] is child
        return parent.left is child or first_comparison
    if isinstance(parent, cst.IfExp):
        return parent.test is child
    return False


def _is_close(statement: cst.BaseStatement, name: str) -> bool:
    """Whether `statement` is exactly `name.close()` (or `await name.close()`)."""
    value = lone_expression(statement)
    if isinstance(value, cst.Await):
        value = value.expression
    return (
        isinstance(value, cst.Call)
        and not value.args
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in CLOSE_METHODS
        and isinstance(value.func.value, cst.Name)
        and value.func.value.value == name
    )


def _comments_of(statement: cst.CSTNode) -> list[cst.EmptyLine]:
    """The comment lines above and at the end of a statement that is removed."""
    lines: list[cst.EmptyLine] = []
    leading = getattr(statement, "leading_lines", ())
    lines.extend(line for line in leading if line.comment is not None)
    trailing = getattr(statement, "trailing_whitespace", None)
    if isinstance(trailing, cst.TrailingWhitespace) and trailing.comment is not None:
        lines.append(cst.EmptyLine(comment=trailing.comment))
    return lines


def _plan_region(tree: SourceTree, creation: _Creation, *, data_needs_resource: bool) -> _Region:
    """Find the statements the `with` block must hold, and their rewritten form."""
    flow = ResourceFlow(creation.name)
    level = Value.DATA if data_needs_resource else Value.LIVE
    statements = creation.block.body
    region = _Region(end=creation.index)
    if creation.first is not None:
        flow.feed(creation.first)
        region.body.append(creation.first)
    closed_explicitly = False
    for index in range(creation.index + 1, len(statements)):
        statement = statements[index]
        if _is_close(statement, creation.name):
            region.body.extend(statements[region.end + 1 : index])
            region.footer.extend(_comments_of(statement))
            region.end, closed_explicitly = index, True
            break
        if isinstance(statement, cst.Try):
            split = _split_finally_close(statement, creation.name)
            if split is not None:
                flow.feed(statement)
                if any(flow.mentions(later, Value.LIVE) for later in split[2]):
                    raise Unfixable("the resource is used after it is closed")
                region.body.extend(statements[region.end + 1 : index])
                region.body.extend(split[0])
                region.footer.extend(split[1])
                region.end, closed_explicitly = index, True
                break
        if flow.mentions(statement, level):
            flow.feed(statement)
            region.body.extend(statements[region.end + 1 : index + 1])
            region.end = index
    _check_references(
        tree,
        creation,
        region,
        held=flow.names_at_least(level),
        live=flow.names_at_least(Value.LIVE) if closed_explicitly else None,
    )
    return region


def _split_finally_close(
    statement: cst.Try, name: str
) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine], list[cst.BaseStatement]] | None:
    """For a `try` whose `finally` closes `name`: the statements replacing it
    without the close, the comments that go with the close, and the statements
    of `finally` that ran after it. None if the `finally` does not close `name`."""
    final = statement.finalbody
    if final is None or not isinstance(final.body, cst.IndentedBlock):
        return None
    body = list(final.body.body)
    close = next((i for i, s in enumerate(body) if _is_close(s, name)), None)
    if close is None:
        return None
    after_close = body[close + 1 :]
    comments = _comments_of(body[close])
    del body[close]
    if body:
        kept = final.with_changes(body=final.body.with_changes(body=body))
        return [statement.with_changes(finalbody=kept)], comments, after_close
    header = final.body.header.comment
    comments = [
        *_comments_of(final),
        *([cst.EmptyLine(comment=header)] if header is not None else []),
        *comments,
        *final.body.footer,
    ]
    if statement.handlers:
        return [statement.with_changes(finalbody=None)], comments, after_close
    if not isinstance(statement.body, cst.IndentedBlock):
        raise Unfixable("a one-line `try` body")
    # Only the close was in `finally`: the `with` block replaces the whole `try`.
    inner = list(statement.body.body)
    lead = list(statement.leading_lines)
    if statement.body.header.comment is not None:
        lead.append(cst.EmptyLine(comment=statement.body.header.comment))
    inner[0] = inner[0].with_changes(leading_lines=[*lead, *_leading_lines(inner[0])])
    return inner, [*statement.body.footer, *comments], after_close


def _position(tree: SourceTree, node: cst.CSTNode, *, end: bool = False) -> tuple[int, int]:
    code_range = tree.range_of(node)
    point = code_range.end if end else code_range.start
    return point.line, point.column


def _check_references(
    tree: SourceTree,
    creation: _Creation,
    region: _Region,
    *,
    held: frozenset[str],
    live: frozenset[str] | None,
) -> None:
    """Refuse when a variable that needs the resource is used outside the block.

    `held` are the variables the block must cover; `live` those reading through
    the resource when it is closed explicitly (None otherwise). Uses before the
    block are fine unless a loop or a closure brings them back after it. After an
    explicit close, values read earlier may still be used, as they were before.
    """
    statements = creation.block.body
    start = _position(tree, statements[creation.index])
    stop = _position(tree, statements[region.end], end=True)
    loops = [
        ancestor
        for ancestor in _ancestors_within(tree, creation.statement, creation.scope)
        if isinstance(ancestor, (cst.For, cst.While))
    ]
    held = held | {creation.name}
    for name in variable_names(creation.scope):
        if name.value not in held:
            continue
        if isinstance(tree.parent(name), cst.NameItem):
            raise Unfixable(f"`{name.value}` is declared global or nonlocal")
        where = _position(tree, name)
        if start <= where < stop:
            continue
        if where < start:
            if any(tree.contains(loop, name) for loop in loops):
                raise Unfixable("a loop uses the resource again before it is created")
            if any(
                isinstance(a, (cst.FunctionDef, cst.Lambda, cst.ClassDef))
                for a in _ancestors_within(tree, name, creation.scope)
            ):
                raise Unfixable("a function defined earlier uses the resource")
            continue
        if live is not None and name.value not in live:
            continue
        raise Unfixable(f"`{name.value}` is used after the block would end")


def _ancestors_within(tree: SourceTree, node: cst.CSTNode, scope: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    for ancestor in tree.ancestors(node):
        if ancestor is scope:
            break
        found.append(ancestor)
    return found


def _rewrite(
    tree: SourceTree, creation: _Creation, region: _Region, *, is_async: bool
) -> Rewrite | None:
    statement = creation.statement
    header = (
        statement.trailing_whitespace
        if creation.first is None and isinstance(statement, cst.SimpleStatementLine)
        else cst.TrailingWhitespace()
    )
    block = creation.block
    body: Sequence[cst.BaseStatement] = region.body or [cst.SimpleStatementLine([cst.Pass()])]
    with_statement = cst.With(
        items=[
            cst.WithItem(
                item=creation.item.with_changes(lpar=(), rpar=()),
                asname=cst.AsName(name=cst.Name(creation.name)) if creation.bound else None,
            )
        ],
        body=cst.IndentedBlock(
            body=body,
            header=header,
            indent=block.indent if isinstance(block, cst.IndentedBlock) else None,
            footer=region.footer,
        ),
        asynchronous=cst.Asynchronous() if is_async else None,
        leading_lines=_leading_lines(statement),
    )
    return tree.replace_in_block(block, creation.index, region.end + 1, [with_statement])


def _leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return statement.leading_lines
    return ()
