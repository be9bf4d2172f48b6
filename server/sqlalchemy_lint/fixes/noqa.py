"""The "disable for this line" fix: a `# noqa: CODE` comment, as Ruff and Flake8 read it."""

from __future__ import annotations

import io
import re
import tokenize

from sqlalchemy_lint.diagnostics import Applicability, Fix, Position, Span, TextEdit
from sqlalchemy_lint.fixes.edits import split_lines, strip_line_break

# A noqa directive (any case) optionally followed by codes, as Ruff parses it.
_CODE = r"[A-Z]+[0-9]+"
NOQA = re.compile(rf"#\s*(?i:noqa)(?::\s?(?P<codes>{_CODE}(?:(?:\s*,\s*|\s+){_CODE})*))?")


def noqa_fix(source: str, line: int, code: str) -> Fix:
    """A fix adding `# noqa: CODE` for a diagnostic on `line` (1-based).

    The comment goes on the first line at or after `line` that can end in a
    comment: not inside a multi-line string, not before a backslash continuation.
    An existing `# noqa: X` becomes `# noqa: X, CODE`. When the line already has
    a bare `# noqa` or one naming `code`, the diagnostic is already disabled and
    the fix has no edits. The fix only adds a comment, so it is SAFE in the sense
    that it cannot change behaviour; front ends offer it as its own code action,
    never as the diagnostic's fix (it must not be applied by `--fix`).
    """
    title = f"Disable {code} for this line"
    lines = split_lines(source)
    blocked, comments = _comment_positions(source, lines)
    target = min(max(line, 1), max(len(lines), 1))
    while target in blocked and target < len(lines):
        target += 1
    text = strip_line_break(lines[target - 1]) if 1 <= target <= len(lines) else ""
    comment_start = comments.get(target)
    if comment_start is not None:
        match = NOQA.search(text, comment_start)
        if match is not None:
            codes = match.group("codes")
            if codes is None or code in re.split(r"[,\s]+", codes):
                return Fix(title, Applicability.SAFE, ())
            at = Position(target, match.end("codes"))
            return Fix(title, Applicability.SAFE, (TextEdit(Span(at, at), f", {code}"),))
    content = text.rstrip()
    separator = "  " if content else ""
    span = Span(Position(target, len(content)), Position(target, len(text)))
    return Fix(title, Applicability.SAFE, (TextEdit(span, f"{separator}# noqa: {code}"),))


def _comment_positions(source: str, lines: list[str]) -> tuple[set[int], dict[int, int]]:
    """Lines whose end cannot take a comment, and the column of each line's comment."""
    blocked: set[int] = set()
    comments: dict[int, int] = {}
    fstring_start, fstring_end = (
        getattr(tokenize, "FSTRING_START", None),
        getattr(tokenize, "FSTRING_END", None),
    )
    open_fstrings: list[int] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token.start[1]
            elif token.type == tokenize.STRING:
                blocked.update(range(token.start[0], token.end[0]))
            elif token.type == fstring_start:
                open_fstrings.append(token.start[0])
            elif token.type == fstring_end and open_fstrings:
                blocked.update(range(open_fstrings.pop(), token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass  # an unfinished file: use what was read
    for number, line in enumerate(lines, start=1):
        if strip_line_break(line).endswith("\\") and number not in comments:
            blocked.add(number)
    return blocked, comments
