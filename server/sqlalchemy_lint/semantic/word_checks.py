"""Tests that pass only text of letters, digits and underscores.

Such text can close no quote and start no SQL clause, so a name a function refuses
unless it passes one (`if not name.isidentifier(): raise ...`, `if not
re.fullmatch(r"[a-z0-9_]+", name): raise ...`) is safe to format into SQL. Shared
by the SQL rules (on libcst) and the module summaries (on CPython's `ast`).
"""

from __future__ import annotations

import re

# String methods true only of letters, digits (and what the method allows).
CHARACTER_TESTS = frozenset(
    {"isalnum", "isidentifier", "isdigit", "isdecimal", "isnumeric", "isalpha"}
)
# Steps a test may look through (`name.replace("_", "").isalnum()`).
STRING_STEPS = frozenset({"replace", "lower", "upper", "strip", "casefold"})
# A regular expression of word characters only: `[A-Za-z0-9_]+`, `\w+`, `[a-z_]\w*`.
_WORD_PIECE = r"(?:\[(?:a-z|A-Z|0-9|_|\\w|\\d)+\]|\\w|\\d)(?:[+*?]|\{\d+(?:,\d*)?\})?"
_WORD_PATTERN = re.compile(rf"\^?(?:{_WORD_PIECE})+(?:\$|\\Z)?")


def matches_only_word_characters(method: str, pattern: str) -> bool:
    """Whether `re.<method>(pattern, text)` is true only of word-character text: a
    `fullmatch`, or a `match` anchored at the end, of a pattern of word pieces."""
    if method not in ("fullmatch", "match"):
        return False
    anchored = method == "fullmatch" or pattern.endswith(("$", "\\Z"))
    return anchored and _WORD_PATTERN.fullmatch(pattern) is not None
