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
    codes: frozenset[str] | None  # None: a bare `# noqa` suppresses everything

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
        found[number] = Suppression(
            number,
            frozenset(c.upper() for c in _CODE.findall(codes)) if codes else None,
        )
    return found
