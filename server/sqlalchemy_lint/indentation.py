"""Tab indentation that CPython reads and libcst's tokenizer refuses.

CPython measures a tab in indentation as reaching the next multiple of eight
columns, and accepts a block indented `"\\t    "` under one indented `"    "`
(twelve columns against four). libcst 1.9's tokenizer compares the two differently
and refuses the module ("no matching outer block for dedent"), so old code that mixes
tabs and spaces consistently would not be checked at all.

Such a module is checked as the same text with its indentation written in spaces,
as CPython sees it: every statement stays on its line, only the leading whitespace of
lines whose indentation holds a tab changes (never a line inside a multi-line
string, whose text would change). `Retabbed.column` maps a column of the rewritten
text back to the original line.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass

_TAB_SIZE = 8  # CPython's tokenizer


@dataclass(frozen=True)
class Retabbed:
    text: str
    # Per changed line (1-based): the length of its indentation before and after.
    indents: dict[int, tuple[int, int]]

    def column(self, line: int, column: int) -> int:
        """The column of the original line that `column` of the rewritten one is."""
        indent = self.indents.get(line)
        if indent is None:
            return column
        before, after = indent
        return column - (after - before) if column >= after else min(column, before)


def expand_indentation_tabs(source: str) -> Retabbed | None:
    """`source` with the tabs of its lines' indentation expanded as CPython counts
    them; None when no line is indented with a tab, or the text does not tokenize."""
    lines = source.splitlines(keepends=True)
    if not any(line[: len(line) - len(line.lstrip(" \t\f"))].count("\t") for line in lines):
        return None
    inside_strings = _lines_inside_strings(source)
    if inside_strings is None:
        return None
    indents: dict[int, tuple[int, int]] = {}
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        body = line.lstrip(" \t\f")
        leading = line[: len(line) - len(body)]
        if "\t" not in leading or number in inside_strings:
            out.append(line)
            continue
        expanded = " " * _width(leading)
        indents[number] = (len(leading), len(expanded))
        out.append(expanded + body)
    return Retabbed("".join(out), indents) if indents else None


def _width(leading: str) -> int:
    column = 0
    for char in leading:
        if char == "\t":
            column = (column // _TAB_SIZE + 1) * _TAB_SIZE
        elif char == "\f":
            column = 0
        else:
            column += 1
    return column


def _lines_inside_strings(source: str) -> set[int] | None:
    """The lines a multi-line string token continues onto (not the one it starts on)."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            start, end = token.start[0], token.end[0]
            if end > start and token.type in _STRING_TOKENS:
                inside.update(range(start + 1, end + 1))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return inside


# Python 3.12 tokenizes an f-string (3.14 a template string) into parts: its text is
# in the middle ones.
_STRING_TOKENS = frozenset(
    {tokenize.STRING}
    | {
        getattr(tokenize, name)
        for name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE")
        if hasattr(tokenize, name)
    }
)
