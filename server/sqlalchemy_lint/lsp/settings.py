"""Typed settings sent by the client (initializationOptions and
workspace/didChangeConfiguration). A bad value is reported and ignored; the
defaults stand in for it, and the server keeps running."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..checker import UnknownRuleError, select_rules
from ..diagnostics import Severity

_SEVERITIES = {s.value: s for s in Severity}


@dataclass(frozen=True)
class Settings:
    enable: bool = True
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    unsafe_fixes: bool = False
    debounce_seconds: float = 0.25


def _string_list(value: Any, key: str, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"`{key}` must be a list of rule codes; got {value!r}")
        return None
    return tuple(v.strip() for v in value)


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from the client's JSON, and one message per value that was ignored."""
    problems: list[str] = []
    if isinstance(raw, Mapping) and isinstance(raw.get("settings"), Mapping):
        raw = raw["settings"]
    if isinstance(raw, Mapping) and isinstance(raw.get("sqlalchemyLint"), Mapping):
        raw = raw["sqlalchemyLint"]
    if raw is None:
        return Settings(), problems
    if not isinstance(raw, Mapping):
        return Settings(), [f"settings must be an object; got {raw!r}"]
    values: dict[str, Any] = {}
    for key, flag in (("enable", "enable"), ("unsafeFixes", "unsafe_fixes")):
        if key in raw:
            if isinstance(raw[key], bool):
                values[flag] = raw[key]
            else:
                problems.append(f"`{key}` must be true or false; got {raw[key]!r}")
    for key in ("select", "ignore"):
        if key in raw and raw[key] is not None:
            parsed = _string_list(raw[key], key, problems)
            if key == "select" and parsed == ():
                continue  # an editor's empty list means "not set": the default rules
            if parsed is not None:
                try:
                    select_rules(
                        parsed if key == "select" else None, parsed if key == "ignore" else ()
                    )
                except UnknownRuleError as exc:
                    problems.append(f"`{key}`: {exc}")
                else:
                    values[key] = parsed
    if "severity" in raw and raw["severity"] is not None:
        severity = raw["severity"]
        if not isinstance(severity, Mapping):
            problems.append(f"`severity` must map rule codes to levels; got {severity!r}")
        else:
            chosen: dict[str, Severity] = {}
            for code, level in severity.items():
                if level not in _SEVERITIES:
                    problems.append(
                        f"`severity.{code}` must be one of {', '.join(_SEVERITIES)}; got {level!r}"
                    )
                    continue
                try:
                    (rule,) = select_rules([code])
                except (UnknownRuleError, ValueError):
                    problems.append(f"`severity`: unknown rule code {code!r}")
                    continue
                chosen[rule.code] = _SEVERITIES[level]
            values["severity"] = chosen
    if "debounceMs" in raw:
        delay = raw["debounceMs"]
        if isinstance(delay, (int, float)) and not isinstance(delay, bool) and 0 <= delay <= 5000:
            values["debounce_seconds"] = delay / 1000
        else:
            problems.append(f"`debounceMs` must be a number from 0 to 5000; got {delay!r}")
    return Settings(**values), problems
