"""Source positions of nodes, without generating the whole module with positions.

libcst's PositionProvider generates code for the whole module with position
tracking, which costs about as much as parsing it again, and recurses a few
Python frames per nesting level: one deeply nested expression anywhere (a
300-term sum, 150 nested brackets) makes it fail for every node of the module.

Two cheaper ways are used instead:

- Reported nodes are mostly calls, and CPython's own parser (C, many times
  faster) knows where every call is: both trees list calls in the same source
  order, so the n-th call of one is the n-th call of the other. The match is
  checked (same count, same callee name at the reported place).
- Otherwise `StatementPositions` generates each top-level statement on its own
  and tracks positions only in the statements asked about; a statement too deep
  to generate hides only the positions inside itself.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import re
import warnings
from collections.abc import Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from .model import ModuleModel

# How libcst's position tracking counts lines (a lone "\r" ends a line too).
_LINE_BREAK = re.compile(r"\r\n?|\n")


class PositionUnavailable(LookupError):
    """The node lies in a statement nested too deeply for libcst to generate its code."""


def resolve_positions(
    model: ModuleModel,
    source: str,
    nodes: Iterable[cst.CSTNode],
    cpython_tree: ast.Module | None = None,
) -> dict[cst.CSTNode, CodeRange]:
    """The range of each of `nodes`. A node in a statement too deeply nested for
    its code to be generated gets the first line of that statement instead; one
    that cannot be placed even so is left out. `cpython_tree` is `ast.parse(source)`
    if the caller has it already."""
    wanted = list(nodes)
    if all(isinstance(node, cst.Call) for node in wanted):
        found = _call_positions_from_ast(model, source, wanted, cpython_tree)
        if found is not None:
            return found
    positions = StatementPositions(model.module, source, model.parents)
    ranges: dict[cst.CSTNode, CodeRange] = {}
    for node in wanted:
        try:
            ranges[node] = positions.range_of(node)
        except PositionUnavailable:
            first_line = positions.first_line_of_statement(node)
            if first_line is not None:
                ranges[node] = first_line
    return ranges


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every child node of `node` (whitespace and punctuation included)."""
    found: list[cst.CSTNode] = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
    return found


_FIELD_NAMES: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _field_names(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(node_type)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(node_type))
        _FIELD_NAMES[node_type] = names
    return names


class StatementPositions:
    """Source ranges of nodes, computed one top-level statement at a time.

    Each top-level statement starts at the beginning of a line, so the code of
    statement `i` generated alone has the positions it has in the module, moved
    down by the line breaks of the header and of the statements before it.
    `parents` (a node's parent, complete or not) finds a node's statement
    quickly; nodes it does not reach are searched for.
    """

    def __init__(
        self,
        module: cst.Module,
        source: str,
        parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None,
    ) -> None:
        self.module = module
        self._source = source
        self._parents: Mapping[cst.CSTNode, cst.CSTNode] = parents or {}
        self._index: dict[cst.CSTNode, int] = {s: i for i, s in enumerate(module.body)}
        self._located: dict[cst.CSTNode, int] = {}  # nodes found by searching
        self._searched = 0  # statements searched so far
        self._ranges: dict[int, Mapping[cst.CSTNode, CodeRange] | None] = {}
        self._breaks: list[int | None] | None = None

    # -- lines ---------------------------------------------------------------------

    def breaks_before(self, index: int) -> int | None:
        """How many line breaks precede top-level statement `index` (`len(body)`: the
        footer); None when too deeply nested statements around it hide the count."""
        if self._breaks is None:
            self._breaks = self._count_breaks_before()
        return self._breaks[index]

    def _count_breaks_before(self) -> list[int | None]:
        module = self.module
        counts = [self._breaks_in(statement) for statement in module.body]
        header = sum(self._breaks_in(line) or 0 for line in module.header)
        before: list[int | None] = []
        running: int | None = header
        for count in counts:
            before.append(running)
            running = None if running is None or count is None else running + count
        before.append(running)
        if running is None:
            # A statement too deep to generate: count from the end of the source
            # for the statements after it (its own breaks are what is left).
            footer = sum(self._breaks_in(line) or 0 for line in module.footer)
            popped = not module.has_trailing_newline and bool(
                module.header or module.body or module.footer
            )
            from_end: int | None = len(_LINE_BREAK.findall(self._source)) + popped - footer
            for index in range(len(counts), -1, -1):
                if before[index] is None:
                    before[index] = from_end
                if index > 0:
                    count = counts[index - 1]
                    from_end = None if from_end is None or count is None else from_end - count
        return before

    def _breaks_in(self, node: cst.CSTNode) -> int | None:
        try:
            return len(_LINE_BREAK.findall(self.module.code_for_node(node)))
        except RecursionError:
            return None

    def statement_at_line(self, line: int) -> int | None:
        """The index of the top-level statement whose code holds `line` (1-based)."""
        count = len(self.module.body)
        self.breaks_before(0)
        bounds = self._breaks
        assert bounds is not None
        if None not in bounds:
            index = bisect.bisect_left(bounds, line) - 1  # type: ignore[type-var]
            return index if 0 <= index < count else None
        for index in range(count):
            first, last = bounds[index], bounds[index + 1]
            if first is not None and last is not None and first < line <= last:
                return index
        return None

    # -- ranges --------------------------------------------------------------------

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        """Where `node` is; raises PositionUnavailable for a node in a statement
        too deeply nested to generate (or not in the module at all)."""
        index = self.statement_of(node)
        ranges = self.ranges_in(index) if index is not None else None
        found = ranges.get(node) if ranges is not None else None
        shift = self.breaks_before(index) if index is not None else None
        if found is None or shift is None:
            raise PositionUnavailable(type(node).__name__)
        start, end = found.start, found.end
        return CodeRange((start.line + shift, start.column), (end.line + shift, end.column))

    def ranges_in(self, index: int) -> Mapping[cst.CSTNode, CodeRange] | None:
        """The positions of statement `index`'s nodes, counted from its first line
        (line 1); None if it is too deeply nested to generate."""
        if index not in self._ranges:
            alone = self.module.with_changes(
                body=[self.module.body[index]], header=(), footer=(), has_trailing_newline=True
            )
            try:
                ranges = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
            except RecursionError:
                ranges = None
            self._ranges[index] = ranges
        return self._ranges[index]

    def lines_of(self, index: int) -> tuple[int, int] | None:
        """The first and last line of statement `index`'s code (its leading comment
        and blank lines included), or None if unknown."""
        first, after = self.breaks_before(index), self.breaks_before(index + 1)
        if first is None or after is None:
            return None
        return first + 1, max(first + 1, after)

    def first_line_of_statement(self, node: cst.CSTNode) -> CodeRange | None:
        """The first line of the top-level statement holding `node` (after its
        comments), whole: where to report a node that cannot be placed exactly."""
        index = self.statement_of(node)
        lines = self.lines_of(index) if index is not None else None
        if index is None or lines is None:
            return None
        statement = self.module.body[index]
        line = lines[0] + len(getattr(statement, "leading_lines", ()))
        texts = _LINE_BREAK.split(self._source)
        if not 0 < line <= len(texts):
            return None
        return CodeRange((line, 0), (line, len(texts[line - 1])))

    def statement_of(self, node: cst.CSTNode) -> int | None:
        """The index of the top-level statement holding `node`."""
        current: cst.CSTNode | None = node
        while current is not None:
            index = self._index.get(current)
            if index is not None:
                return index
            current = self._parents.get(current)
        if node not in self._located:
            self._search(node)
        return self._located.get(node)

    def _search(self, wanted: cst.CSTNode) -> None:
        """Walk the statements not searched yet until `wanted` is found, remembering
        the statement of every node seen (without recursion: depth is no limit)."""
        while self._searched < len(self.module.body) and wanted not in self._located:
            index = self._searched
            pending: list[cst.CSTNode] = [self.module.body[index]]
            while pending:
                node = pending.pop()
                self._located[node] = index
                pending.extend(child_nodes(node))
            self._searched += 1


def _call_positions_from_ast(
    model: ModuleModel,
    source: str,
    wanted: list[cst.CSTNode],
    tree: ast.Module | None,
) -> dict[cst.CSTNode, CodeRange] | None:
    """Ranges of the calls in `wanted` from CPython's tree, or None when the trees
    cannot be matched. Only the top-level statements holding wanted calls are
    walked: their calls, in source order, pair with the model's calls between the
    statement and the next one (same count, and the callee checked)."""
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences and the like
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    body = model.module.body
    # libcst puts `a; b` on one line in one statement, CPython in two.
    first_ast_statement = [0]
    for statement in body:
        size = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        first_ast_statement.append(first_ast_statement[-1] + size)
    if first_ast_statement[-1] != len(tree.body):
        return None
    order = model.order
    statement_order = [order[statement] for statement in body]
    call_order = [order[call] for call in model.calls]  # ascending: calls are kept in walk order
    lines = source.splitlines(keepends=True)
    found: dict[cst.CSTNode, CodeRange] = {}
    matched: dict[int, dict[cst.Call, ast.Call] | None] = {}
    for node in wanted:
        assert isinstance(node, cst.Call)
        if node not in order:
            return None
        index = bisect.bisect_right(statement_order, order[node]) - 1
        if index not in matched:
            matched[index] = _match_statement_calls(
                model.calls, call_order, statement_order, index, tree, first_ast_statement
            )
        pairs = matched[index]
        call = pairs.get(node) if pairs is not None else None
        if call is None or call.end_lineno is None or call.end_col_offset is None:
            return None
        if not _callee_matches(node, call):
            return None
        start = (call.lineno, _code_points(lines, call.lineno, call.col_offset))
        end = (call.end_lineno, _code_points(lines, call.end_lineno, call.end_col_offset))
        found[node] = CodeRange(start, end)
    return found


def _match_statement_calls(
    calls: list[cst.Call],
    call_order: list[int],
    statement_order: list[int],
    index: int,
    tree: ast.Module,
    first_ast_statement: list[int],
) -> dict[cst.Call, ast.Call] | None:
    """The model's calls in top-level statement `index`, each with CPython's call at
    the same place in source order; None if the counts differ."""
    if index < 0:
        return None
    low = bisect.bisect_left(call_order, statement_order[index])
    high = (
        bisect.bisect_left(call_order, statement_order[index + 1])
        if index + 1 < len(statement_order)
        else len(calls)
    )
    theirs = [
        node
        for statement in tree.body[first_ast_statement[index] : first_ast_statement[index + 1]]
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
    ]
    if len(theirs) != high - low:
        return None
    # Source order; a call that starts where another does and ends later encloses it.
    theirs.sort(
        key=lambda c: (c.lineno, c.col_offset, -(c.end_lineno or 0), -(c.end_col_offset or 0))
    )
    return dict(zip(calls[low:high], theirs))


def _code_points(lines: list[str], line: int, utf8_offset: int) -> int:
    """ast counts columns in UTF-8 bytes; libcst (and we) in code points."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:utf8_offset].decode("utf-8", errors="replace"))


def _callee_matches(node: cst.Call, call: ast.Call) -> bool:
    """Same callee name on both sides: a cheap check that the pairing is right."""
    ours = node.func
    theirs = call.func
    if isinstance(ours, cst.Name) and isinstance(theirs, ast.Name):
        return ours.value == theirs.id
    if isinstance(ours, cst.Attribute) and isinstance(theirs, ast.Attribute):
        return ours.attr.value == theirs.attr
    return type(ours).__name__ == type(theirs).__name__
