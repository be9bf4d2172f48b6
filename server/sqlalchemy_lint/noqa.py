"""`# noqa` suppressions, in Ruff's syntax: `# noqa` or `# noqa: SQA101, SQA102`."""

from __future__ import annotations

import re
from dataclasses import dataclass

NOQA_PATTERN = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: frozenset[str] | None  # None: a bare noqa comment suppresses everything
    start: int = 0  # columns (code points) of the noqa comment on its line
    end: int = 0
    written: tuple[str, ...] = ()  # the codes in the order they were written

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def find_suppressions(source: str) -> dict[int, Suppression]:
    """Line number (1-based) -> the suppression on that line."""
    found: dict[int, Suppression] = {}
    if "noqa" not in source and "NOQA" not in source:
        return found
    for number, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        match = NOQA_PATTERN.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        written = tuple(c.upper() for c in _CODE.findall(codes)) if codes else ()
        found[number] = Suppression(
            number,
            frozenset(written) if codes else None,
            match.start(),
            match.end(),
            written,
        )
    return found


def unused_codes(suppression: Suppression, used: set[str], own_prefix: str = "SQA") -> list[str]:
    """This tool's codes in the comment that suppressed nothing (other tools' codes are theirs)."""
    return [c for c in suppression.written if c.startswith(own_prefix) and c not in used]
