"""The rule codes and names, and how selectors pick among them.

Kept apart from the rules themselves so that validating `--select`, or reading a
cached result, does not import the rules (and libcst); a test holds this table
equal to what `rules.all_rules()` finds.
"""

from __future__ import annotations

from collections.abc import Iterable

RULES: dict[str, str] = {
    "SQA101": "connection-not-closed",
    "SQA102": "session-not-closed",
    "SQA103": "engine-per-request",
    "SQA104": "close-not-guaranteed",
    "SQA105": "shared-session",
    "SQA106": "uncommitted-write",
    "SQA107": "detached-instance-access",
    "SQA108": "async-lazy-load",
    "SQA109": "concurrent-session-use",
    "SQA110": "missing-rollback",
    "SQA201": "legacy-engine-execute",
    "SQA202": "raw-string-execute",
    "SQA203": "legacy-query-api",
    "SQA301": "sql-injection",
    "SQA302": "hardcoded-credentials",
    "SQA401": "n-plus-one",
}


# Checked only when selected (by code, by a prefix such as `SQA2`, or `ALL`): the
# default set is the rules that find bugs, as Ruff keeps its default set small.
# SQA203 flags `session.query()`, which SQLAlchemy 2.x still fully supports; on a
# legacy application it would bury a handful of leaks under hundreds of hints.
OPT_IN = frozenset({"SQA203"})
DEFAULT = tuple(code for code in sorted(RULES) if code not in OPT_IN)


class UnknownRuleError(ValueError):
    pass


def select_codes(
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> tuple[str, ...]:
    """Codes matching `select` (codes, prefixes like `SQA1`, names, or `ALL`; when
    None, the `DEFAULT` set) and `extend_select`, minus `ignore`, in code order.

    Raises UnknownRuleError naming any selector that matches no rule.
    """
    codes = sorted(RULES)

    def matching(selector: str) -> list[str]:
        wanted = selector.strip().upper()
        if wanted == "ALL":
            return codes
        found = [c for c in codes if c.startswith(wanted) or RULES[c] == selector.strip()]
        if not found:
            raise UnknownRuleError(
                f"unknown rule code {selector!r} (known rules: {', '.join(codes)})"
            )
        return found

    chosen: set[str] = set(DEFAULT) if select is None else set()
    for selector in [*(select or []), *(extend_select or [])]:
        chosen.update(matching(selector))
    dropped = {c for selector in (ignore or []) for c in matching(selector)}
    return tuple(c for c in codes if c in chosen and c not in dropped)
