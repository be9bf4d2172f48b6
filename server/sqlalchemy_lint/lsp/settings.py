"""Typed settings sent by the client (initializationOptions and
workspace/didChangeConfiguration). A bad value is reported and ignored; the
defaults stand in for it, and the server keeps running.

Besides the rule selection, what users of Python linter extensions expect:
`run` ("onType", the default, or "onSave": analyse only when a file is opened or
saved), `reportingScope` ("file", the default, or "workspace": problems for the
files that are not open too, see `workspace_check.py`), `ignorePatterns` (globs
of files never analysed, as mypy-type-checker's: `**/migrations/*.py`,
`.venv/**`) and `args` (the command line's own options, for those who keep one
set of flags for both: `--select`, `--ignore`, `--extend-select`,
`--unsafe-fixes`, `--config PATH`; they win over the settings of the same meaning),
`showNotifications` (which messages pop up: "off", "onError", "onWarning", the
default, or "always"; every message is logged either way) and `cwd` (the folder
that a relative `--config PATH` and `ignorePatterns` are read from; the first
workspace folder when not set).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
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
    extend_select: tuple[str, ...] = ()
    run_on_type: bool = True  # `run`: "onType"; False: "onSave"
    ignore_patterns: tuple[str, ...] = ()
    config_file: str | None = None  # `args: ["--config", PATH]`, as written
    workspace_scope: bool = False  # `reportingScope`: "workspace"; False: "file"
    show_notifications: str = "onWarning"  # one of NOTIFICATION_LEVELS
    cwd: str | None = None  # an absolute folder (the client expands `${workspaceFolder}`)

    def notifies(self, level: str) -> bool:
        """Whether a message of `level` ("error", "warning", "info") pops up."""
        shown = {
            "off": (),
            "onError": ("error",),
            "onWarning": ("error", "warning"),
            "always": ("error", "warning", "info"),
        }
        return level in shown.get(self.show_notifications, ())


NOTIFICATION_LEVELS = ("off", "onError", "onWarning", "always")


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
    if "run" in raw and raw["run"] is not None:
        if raw["run"] in ("onType", "onSave"):
            values["run_on_type"] = raw["run"] == "onType"
        else:
            problems.append(f'`run` must be "onType" or "onSave"; got {raw["run"]!r}')
    if "ignorePatterns" in raw and raw["ignorePatterns"] is not None:
        patterns = raw["ignorePatterns"]
        if isinstance(patterns, list) and all(isinstance(p, str) for p in patterns):
            values["ignore_patterns"] = tuple(p.strip() for p in patterns if p.strip())
        else:
            problems.append(f"`ignorePatterns` must be a list of glob patterns; got {patterns!r}")
    if "reportingScope" in raw and raw["reportingScope"] is not None:
        if raw["reportingScope"] in ("file", "workspace"):
            values["workspace_scope"] = raw["reportingScope"] == "workspace"
        else:
            problems.append(
                f'`reportingScope` must be "file" or "workspace"; got {raw["reportingScope"]!r}'
            )
    if "showNotifications" in raw and raw["showNotifications"] is not None:
        if raw["showNotifications"] in NOTIFICATION_LEVELS:
            values["show_notifications"] = raw["showNotifications"]
        else:
            problems.append(
                f"`showNotifications` must be one of {', '.join(NOTIFICATION_LEVELS)}; "
                f"got {raw['showNotifications']!r}"
            )
    if "cwd" in raw and raw["cwd"] not in (None, ""):
        folder = raw["cwd"]
        if isinstance(folder, str) and Path(folder).expanduser().is_absolute():
            values["cwd"] = str(Path(folder).expanduser())
        else:
            problems.append(f"`cwd` must be an absolute folder; got {folder!r}")
    settings = Settings(**values)
    if "args" in raw and raw["args"] is not None:
        settings = _with_arguments(settings, raw["args"], problems)
    return settings, problems


def _arguments_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="args", add_help=False, exit_on_error=False)
    parser.add_argument("--select", type=_codes)
    parser.add_argument("--ignore", type=_codes)
    parser.add_argument("--extend-select", type=_codes)
    parser.add_argument("--unsafe-fixes", action="store_true", default=None)
    parser.add_argument("--config")
    return parser


def _codes(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _with_arguments(settings: Settings, args: Any, problems: list[str]) -> Settings:
    """`settings` with what the command-line options in `args` say."""
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        problems.append(f"`args` must be a list of command-line options; got {args!r}")
        return settings
    try:
        parsed, unknown = _arguments_parser().parse_known_args(args)
    except (argparse.ArgumentError, SystemExit) as exc:
        problems.append(f"`args`: {exc} (all of `args` ignored)")
        return settings
    if unknown:
        problems.append(
            f"`args`: {' '.join(unknown)} cannot apply in the editor (ignored); "
            "--select, --ignore, --extend-select, --unsafe-fixes and --config can"
        )
    changes: dict[str, Any] = {}
    for key, attribute in (
        ("select", "select"),
        ("ignore", "ignore"),
        ("extend_select", "extend_select"),
    ):
        codes = getattr(parsed, key)
        if codes is None:
            continue
        try:
            select_rules(codes if key != "ignore" else None, codes if key == "ignore" else ())
        except UnknownRuleError as exc:
            problems.append(f"`args` --{key.replace('_', '-')}: {exc}")
            continue
        changes[attribute] = codes
    if parsed.unsafe_fixes:
        changes["unsafe_fixes"] = True
    if parsed.config is not None:
        changes["config_file"] = parsed.config
    return replace(settings, **changes)
