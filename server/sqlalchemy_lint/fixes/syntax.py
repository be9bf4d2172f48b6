"""A parsed source file with the metadata the fixes need, and small questions about it.

Nothing here generates the whole module: positions are computed one top-level
statement at a time, parents by a walk without recursion, and a fix's edits come
from rendering only the top-level statements it changed. So a fix costs in
proportion to what it rewrites, not to the file, and one deeply nested
expression elsewhere in the module does not stop it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ScopeProvider
from libcst.metadata import Scope as VariableScope

from sqlalchemy_lint.diagnostics import Position, Span, TextEdit
from sqlalchemy_lint.fixes.edits import diff_edits, replace_lines_edit, split_lines
from sqlalchemy_lint.semantic.positions import StatementPositions, child_nodes
from sqlalchemy_lint.sources import parse_module_safely


@functools.lru_cache(maxsize=4)
def _parse_cached(source: str) -> SourceTree | None:
    return SourceTree._parse(source)


# Trees the checker has already parsed, handed over so that the fixes of a module
# start from the analysis' own parse instead of parsing the text again.
_handed_over: OrderedDict[str, cst.Module] = OrderedDict()
_handed_over_lock = threading.Lock()


@contextlib.contextmanager
def reusing_parse(source: str, module: cst.Module) -> Iterator[None]:
    """Within the block, `SourceTree.parse(source)` uses `module` (libcst's parse of
    `source`) instead of parsing again. Not kept past the block: a module whose fixes
    never ask for it (SQA301 has none) must not stay in memory."""
    with _handed_over_lock:
        _handed_over[source] = module
        while len(_handed_over) > 4:
            _handed_over.popitem(last=False)
    try:
        yield
    finally:
        _take_handed_over(source)


def _take_handed_over(source: str) -> cst.Module | None:
    with _handed_over_lock:
        return _handed_over.pop(source, None)


# What can bind a module-level name from inside a function or class statement: a
# `global` declaration, or `:=` in a decorator, default or base. (Matches in strings
# and comments only make the reduction keep more.)
_MODULE_BINDING_WITHIN = re.compile(r"^[ \t]*global\b|:=", re.MULTILINE)


def _bindings_of(names: list[cst.Name]) -> cst.SimpleStatementLine:
    """`a = b = c = None`: one small statement binding every name."""
    targets = [cst.AssignTarget(target=name) for name in names]
    return cst.SimpleStatementLine([cst.Assign(targets=targets, value=cst.Name("None"))])


@dataclass(frozen=True)
class ScopesAround:
    """libcst's scope analysis of a module in which every top-level function and
    class but one is reduced to the name it binds (`a = b = None`; decorators,
    defaults and bases only read names), and only if that one statement mentions the
    name: what that statement's names read, for a fraction of the cost of analysing
    every function of the module."""

    scopes: Mapping[cst.CSTNode, VariableScope | None]
    module_names: frozenset[str]  # every name the real module binds at its top level
    # The names bound in place of functions and classes -> the statements they stand for.
    originals: Mapping[cst.CSTNode, cst.CSTNode]

    def original(self, node: cst.CSTNode) -> cst.CSTNode:
        """`node` as it is in the real module (an assignment's node may stand in for one)."""
        return self.originals.get(node, node)


# A statement list a fix can rewrite: a module's body or an indented block's.
Block = Union[cst.Module, cst.IndentedBlock]
Scope = Union[cst.Module, cst.FunctionDef]


@dataclass(frozen=True)
class Rewrite:
    """A run of top-level statements a fix changed: where the old ones are in the
    source, and their text before and after."""

    first_line: int  # 1-based line where the old text starts (always at column 0)
    old: str
    new: str

    def edit_covering(self, first: int, last: int) -> TextEdit | None:
        """One edit replacing whole lines, spanning at least lines `first`..`last`."""
        offset = self.first_line - 1
        edit = replace_lines_edit(self.old, self.new, covering=(first - offset, last - offset))
        return _moved(edit, offset) if edit is not None else None

    def line_edits(self) -> tuple[TextEdit, ...]:
        """Edits replacing whole lines, one per run of changed lines."""
        return tuple(_moved(edit, self.first_line - 1) for edit in diff_edits(self.old, self.new))


def _moved(edit: TextEdit, lines: int) -> TextEdit:
    start, end = edit.span.start, edit.span.end
    return TextEdit(
        Span(Position(start.line + lines, start.column), Position(end.line + lines, end.column)),
        edit.content,
    )


@dataclass(frozen=True)
class SourceTree:
    module: cst.Module
    source: str
    parents: Mapping[cst.CSTNode, cst.CSTNode]
    positions: StatementPositions

    @classmethod
    def parse(cls, source: str) -> SourceTree | None:
        # Every fix of one file starts from the same text: share one parse and its
        # metadata (libcst trees are immutable, so sharing is safe).
        return _parse_cached(source)

    @classmethod
    def _parse(cls, source: str) -> SourceTree | None:
        module = _take_handed_over(source)
        try:
            if module is None:
                module = parse_module_safely(source)
        except cst.ParserSyntaxError:
            return None
        parents = parent_map(module)
        return cls(module, source, parents, StatementPositions(module, source, parents))

    @functools.cached_property
    def _lines(self) -> list[str]:
        return split_lines(self.source)

    def scopes_around(self, index: int) -> ScopesAround:
        """Scope analysis that is exact for the names in top-level statement `index`
        and for the module's own names (see `ScopesAround`), computed once per index.

        Reducing a function or class to its name changes no binding at module level,
        unless it declares `global` names or uses `:=`: such statements are kept whole.
        """
        cached = self._scopes_around.get(index)
        if cached is not None:
            return cached
        keep_whole = {index} | self._statements_binding_module_names
        mentioned = names_used(self.module.body[index])
        body: list[cst.BaseStatement] = []
        stand_ins: list[cst.Name] = []
        originals: dict[cst.CSTNode, cst.CSTNode] = {}
        defined: set[str] = set()
        for i, statement in enumerate(self.module.body):
            if i in keep_whole or not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                body.append(statement)
                continue
            defined.add(statement.name.value)
            if statement.name.value in mentioned:
                stand_in = cst.Name(statement.name.value)
                stand_ins.append(stand_in)
                originals[stand_in] = statement
        if stand_ins:
            body.append(_bindings_of(stand_ins))
        reduced = self.module.with_changes(body=body)
        scopes = MetadataWrapper(reduced, unsafe_skip_copy=True).resolve(ScopeProvider)
        module_scope = scopes[reduced]
        assert module_scope is not None
        module_names = frozenset({a.name for a in module_scope.assignments} | defined)
        around = ScopesAround(scopes, module_names, originals)
        self._scopes_around[index] = around
        return around

    @functools.cached_property
    def _scopes_around(self) -> dict[int, ScopesAround]:
        return {}

    @functools.cached_property
    def _statements_binding_module_names(self) -> set[int]:
        found: set[int] = set()
        for match in _MODULE_BINDING_WITHIN.finditer(self.source):
            line = self.source.count("\n", 0, match.start()) + 1
            # (Lines counted at "\n" only: with a bare "\r" in the text, place nothing.)
            index = None if "\r" in self.source else self.positions.statement_at_line(line)
            # A line the positions cannot place: keep everything whole to be exact.
            found.add(index if index is not None else -1)
        if -1 in found:
            found.update(range(len(self.module.body)))
        return found

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        """Where `node` is; raises PositionUnavailable inside a statement too deeply
        nested for libcst to generate."""
        return self.positions.range_of(node)

    def contains(self, outer: cst.CSTNode, inner: cst.CSTNode) -> bool:
        """Whether `inner` lies within the source range of `outer`."""
        a, b = self.range_of(outer), self.range_of(inner)
        return (a.start.line, a.start.column) <= (b.start.line, b.start.column) and (
            b.end.line,
            b.end.column,
        ) <= (a.end.line, a.end.column)

    def starts_before(self, node: cst.CSTNode, other: cst.CSTNode) -> bool:
        a, b = self.range_of(node).start, self.range_of(other).start
        return (a.line, a.column) < (b.line, b.column)

    def find_call(self, span: Span) -> cst.Call | None:
        """The call expression whose range is exactly `span` (parentheses excluded)."""
        index = self.positions.statement_at_line(span.start.line)
        shift = self.positions.breaks_before(index) if index is not None else None
        ranges = self.positions.ranges_in(index) if index is not None else None
        if ranges is None or shift is None:
            return None
        for node, code_range in ranges.items():
            if (
                isinstance(node, cst.Call)
                and Position(code_range.start.line + shift, code_range.start.column) == span.start
                and Position(code_range.end.line + shift, code_range.end.column) == span.end
            ):
                return node
        return None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement | None:
        """The innermost statement containing `node`."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.BaseStatement):
                return ancestor
        return None

    def block_of(self, statement: cst.BaseStatement) -> tuple[Block, int] | None:
        """The statement list holding `statement`, and its index there."""
        block = self.parents.get(statement)
        if not isinstance(block, (cst.Module, cst.IndentedBlock)):
            return None
        for index, candidate in enumerate(block.body):
            if candidate is statement:
                return block, index
        return None

    def scope_of(self, statement: cst.BaseStatement) -> Scope | None:
        """The function or module whose local variables `statement` uses.

        None inside a class body, where names are class attributes.
        """
        for ancestor in self.ancestors(statement):
            if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
                return ancestor
            if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
                return None
        return None

    def replace_in_block(
        self, block: Block, start: int, stop: int, statements: Sequence[cst.BaseStatement]
    ) -> Rewrite | None:
        """The rewrite putting `statements` in place of `block.body[start:stop]`.

        Only the top-level statement holding the block is rebuilt and rendered
        (or, in the module's own body, the new statements). None when the place
        cannot be found (next to a statement too deeply nested to generate).
        """
        if isinstance(block, cst.Module):
            return self._replace_top_level(start, stop, statements)
        old: cst.CSTNode = block
        new: cst.CSTNode = block.with_changes(
            body=[*block.body[:start], *statements, *block.body[stop:]]
        )
        while (parent := self.parents[old]) is not self.module:
            new = _with_child_replaced(parent, old, new)
            old = parent
        index = self.positions.statement_of(old)
        assert isinstance(new, cst.BaseStatement) and index is not None
        return self._replace_top_level(index, index + 1, [new])

    def rewrites(self, rewritten: cst.Module) -> list[Rewrite] | None:
        """What changed from this module to `rewritten` (built from it with
        `replace_node` and the like, so unchanged statements are the same objects),
        as runs of top-level statements; only the changed ones are rendered.

        None when a change cannot be placed (the header or footer changed, or it
        is next to a statement too deeply nested to generate).
        """
        if not (
            _same(self.module.header, rewritten.header)
            and _same(self.module.footer, rewritten.footer)
        ):
            return None
        found: list[Rewrite] = []
        for old_start, old_stop, new_start, new_stop in _changed_runs(
            self.module.body, rewritten.body
        ):
            rewrite = self._replace_top_level(
                old_start, old_stop, rewritten.body[new_start:new_stop]
            )
            if rewrite is None:
                return None
            found.append(rewrite)
        return found

    def _replace_top_level(
        self, start: int, stop: int, statements: Sequence[cst.BaseStatement]
    ) -> Rewrite | None:
        module = self.module
        at_end = stop == len(module.body) and not module.footer and not module.has_trailing_newline
        if at_end and start > 0:
            # The last line has no line break, and the statement before the new
            # end needs one exactly when something follows it: render it too.
            statements = [module.body[start - 1], *statements]
            start -= 1
        first, after = self.positions.breaks_before(start), self.positions.breaks_before(stop)
        if first is None or after is None:
            return None
        text = "".join(module.code_for_node(statement) for statement in statements)
        if at_end:
            text = _without_final_line_break(text)
        return Rewrite(first + 1, "".join(self._lines[first:after]), text)


def _changed_runs(
    old: Sequence[cst.CSTNode], new: Sequence[cst.CSTNode]
) -> Iterator[tuple[int, int, int, int]]:
    """`(old_start, old_stop, new_start, new_stop)` for each run of statements that
    differ, where unchanged statements are the same objects in the same order."""
    positions = {id(node): index for index, node in enumerate(old)}
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and old[i] is new[j]:
            i, j = i + 1, j + 1
            continue
        # The run ends where a new statement is an old one again (at or after i).
        stop_j = j
        while stop_j < len(new) and positions.get(id(new[stop_j]), -1) < i:
            stop_j += 1
        stop_i = positions[id(new[stop_j])] if stop_j < len(new) else len(old)
        yield i, stop_i, j, stop_j
        i, j = stop_i, stop_j


def _same(old: Sequence[cst.CSTNode], new: Sequence[cst.CSTNode]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new))


def _without_final_line_break(text: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def parent_map(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """Every node's parent, found without recursion (libcst's ParentNodeProvider
    recurses once per nesting level and fails on deeply nested code)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        for child in child_nodes(node):
            parents[child] = node
            pending.append(child)
    return parents


class _VariableNames(cst.CSTVisitor):
    """Names that denote variables: not attribute names nor keyword-argument names."""

    def __init__(self) -> None:
        self.names: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def variable_names(node: cst.CSTNode) -> list[cst.Name]:
    visitor = _VariableNames()
    node.visit(visitor)
    return visitor.names


@functools.lru_cache(maxsize=8)
def names_used(node: cst.CSTNode) -> frozenset[str]:
    """The variable names used anywhere in `node` (a function or a whole module).

    Cached by node: every fix of a module asks this of the same scopes, and each
    answer walks the whole scope, so asking once keeps fixing linear in the findings.
    """
    return frozenset(name.value for name in variable_names(node))


def fresh_name(base: str, taken: set[str] | frozenset[str]) -> str:
    """`base`, or `base_1`, `base_2`, ... whichever is not in `taken`."""
    candidate, suffix = base, 0
    while candidate in taken:
        suffix += 1
        candidate = f"{base}_{suffix}"
    return candidate


def compiles(source: str) -> bool:
    """Whether CPython accepts `source` (catches `await` or `async with` out of place)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def replace_statements(
    module: cst.Module,
    block: Block,
    body: Sequence[cst.BaseStatement],
    parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None,
) -> cst.Module:
    """`module` with the statements of `block` replaced by `body`.

    With the parent map, only the chain of ancestors is rebuilt (see `replace_node`).
    """
    if isinstance(block, cst.Module):
        return block.with_changes(body=body)
    if parents is None:
        replaced = module.deep_replace(block, block.with_changes(body=body))
        assert isinstance(replaced, cst.Module)
        return replaced
    return replace_node(module, block, block.with_changes(body=body), parents)


def replace_node(
    module: cst.Module,
    old: cst.CSTNode,
    new: cst.CSTNode,
    parents: Mapping[cst.CSTNode, cst.CSTNode],
) -> cst.Module:
    """`module` with `old` replaced by `new`: only the chain of ancestors is rebuilt,
    so every other statement stays the same object (libcst's `deep_replace`
    rebuilds the whole tree, and recurses through all of it)."""
    while old is not module:
        parent = parents[old]
        new = _with_child_replaced(parent, old, new)
        old = parent
    assert isinstance(new, cst.Module)
    return new


def _with_child_replaced(parent: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    for field in dataclasses.fields(parent):
        value = getattr(parent, field.name)
        if value is old:
            return parent.with_changes(**{field.name: new})
        if isinstance(value, (tuple, list)) and any(item is old for item in value):
            items = [new if item is old else item for item in value]
            return parent.with_changes(**{field.name: items})
    raise ValueError("node is not a child of its recorded parent")


def lone_expression(statement: cst.CSTNode) -> cst.BaseExpression | None:
    """The expression when `statement` is one expression on its own line, its value
    unused (`conn.close()`, a docstring); else None."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    return small.value if isinstance(small, cst.Expr) else None


def assigned_name(statement: cst.BaseStatement, value: cst.BaseExpression) -> str | None:
    """`name` when `statement` is exactly `name = value` (or `name: T = value`)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and small.value is value and len(small.targets) == 1:
        target = small.targets[0].target
    elif isinstance(small, cst.AnnAssign) and small.value is value:
        target = small.target
    else:
        return None
    return target.value if isinstance(target, cst.Name) else None
