"""Text positions and edits: applying them, and turning a rewritten source into them.

Lines end at `\\r\\n`, `\\r` or `\\n`, as for Python's tokenizer and libcst; a line
break is never split. Columns count code points, like `str` indices.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Sequence

from sqlalchemy_lint.diagnostics import Position, Span, TextEdit

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(source: str) -> list[str]:
    """The lines of `source`, each with its line break (the last one may have none)."""
    lines: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(source):
        lines.append(source[start : match.end()])
        start = match.end()
    if start < len(source):
        lines.append(source[start:])
    return lines


def strip_line_break(line: str) -> str:
    return line.rstrip("\r\n")


def _line_starts(source: str) -> list[int]:
    """Offsets where each line starts; one more than there are line breaks."""
    return [0, *(match.end() for match in _LINE_BREAK.finditer(source))]


def _offset(source: str, starts: list[int], position: Position) -> int:
    if not 1 <= position.line <= len(starts):
        raise ValueError(f"line {position.line} is outside the source")
    start = starts[position.line - 1]
    end = starts[position.line] if position.line < len(starts) else len(source)
    line_length = len(strip_line_break(source[start:end]))
    if not 0 <= position.column <= line_length:
        raise ValueError(f"column {position.column} is outside line {position.line}")
    return start + position.column


def span_from_offsets(source: str, start: int, end: int) -> Span:
    """The span of `source[start:end]`."""
    starts = _line_starts(source)

    def position(offset: int) -> Position:
        line = bisect.bisect_right(starts, offset)
        return Position(line, offset - starts[line - 1])

    return Span(position(start), position(end))


def apply_edits(source: str, edits: Sequence[TextEdit]) -> str:
    """Return `source` with `edits` applied; the edits may not overlap."""
    starts = _line_starts(source)
    ranges = sorted(
        (
            (_offset(source, starts, edit.span.start), _offset(source, starts, edit.span.end), i)
            for i, edit in enumerate(edits)
        ),
    )
    pieces: list[str] = []
    cursor = 0
    for start, end, index in ranges:
        if start < cursor or end < start:
            raise ValueError(f"edit {edits[index]} overlaps another or ends before it starts")
        pieces.append(source[cursor:start])
        pieces.append(edits[index].content)
        cursor = end
    pieces.append(source[cursor:])
    return "".join(pieces)


def _line_span(lines: Sequence[str], first: int, stop: int) -> Span:
    """The span of `lines[first:stop]` as whole lines (0-based indices)."""
    if stop < len(lines) or not lines or lines[-1] != strip_line_break(lines[-1]):
        return Span(Position(first + 1, 0), Position(stop + 1, 0))
    # The last line has no line break, so the span ends at its end.
    end = Position(stop, len(lines[-1]))
    return Span(end if first == stop else Position(first + 1, 0), end)


def replace_lines_edit(old: str, new: str, *, covering: tuple[int, int]) -> TextEdit | None:
    """One edit that turns `old` into `new` by replacing whole lines.

    The edit spans at least the 1-based line range `covering` (so that it matches
    the statements a fix rewrites) and otherwise only the lines that differ.
    Returns None when nothing differs.
    """
    if old == new:
        return None
    old_lines, new_lines = split_lines(old), split_lines(new)
    common = min(len(old_lines), len(new_lines))
    prefix = 0
    while prefix < common and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    suffix = 0
    while suffix < common - prefix and old_lines[-1 - suffix] == new_lines[-1 - suffix]:
        suffix += 1
    first = min(prefix, covering[0] - 1)
    stop = max(len(old_lines) - suffix, covering[1])
    kept_after = len(old_lines) - stop
    content = "".join(new_lines[first : len(new_lines) - kept_after])
    return TextEdit(_line_span(old_lines, first, stop), content)


def diff_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    """Edits replacing whole lines, one per run of changed lines."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return tuple(
        TextEdit(_line_span(old_lines, i1, i2), "".join(new_lines[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    )
