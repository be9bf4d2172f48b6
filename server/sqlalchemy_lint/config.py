"""`[tool.sqlalchemy-lint]` in pyproject.toml, found by walking up from the
checked file (the nearest pyproject.toml that has the section wins, as in Ruff).

    [tool.sqlalchemy-lint]
    select = ["SQA1"]                 # codes, prefixes or "ALL"
    ignore = ["SQA104"]
    extend-select = []
    exclude = ["migrations/", "legacy_*.py"]
    per-file-ignores = { "tests/*" = ["SQA103"] }
    severity = { SQA104 = "warning" }
    request-handler-decorators = ["myapp.web.route"]   # SQA103: more per-request decorators
    session-factories = ["myapp.db.new_session"]       # SQA102: calls that return a new session
    cache-dir = ".cache/sqlalchemy-lint"               # relative to this pyproject.toml
    sqlalchemy-version = "1.4"                         # else read from the requirements

A bad value gets a message naming the key, and that key's default is used.

`check --config PATH` names one file for every checked file instead (as Ruff's
`--config`): a pyproject.toml with the section, or any other TOML file whose
top-level keys are the section's (`sqlalchemy-lint.toml`); its folder is the root
that relative `exclude` and `per-file-ignores` patterns start from.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from .diagnostics import Severity
from .semantic.options import AnalysisOptions

if TYPE_CHECKING:
    from .rules import Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

SECTION = "sqlalchemy-lint"
_SEVERITIES = {s.value: s for s in Severity}
_KNOWN_KEYS = {
    "select",
    "ignore",
    "extend-select",
    "exclude",
    "per-file-ignores",
    "severity",
    "request-handler-decorators",
    "session-factories",
    "max-tokens",
    "cache-dir",
    "sqlalchemy-version",
}


@dataclass(frozen=True)
class Config:
    root: Path | None = None  # the folder of the pyproject.toml it came from
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    cache_dir: Path | None = None
    problems: tuple[str, ...] = ()  # what was wrong in the file, for the user

    def rules_for(
        self,
        path: Path | None,
        *,
        select: tuple[str, ...] | list[str] | None = None,
        ignore: tuple[str, ...] | list[str] = (),
        extend_select: tuple[str, ...] | list[str] = (),
    ) -> tuple[type[Rule], ...]:
        """Rules for one file: command-line `select` replaces the file's, while
        `ignore` and `extend_select` add to it (as in Ruff)."""
        from .checker import select_rules

        chosen, ignored, extended = self.selection(
            path, select=select, ignore=ignore, extend_select=extend_select
        )
        return select_rules(chosen, ignored, extended)

    def selection(
        self,
        path: Path | None,
        *,
        select: tuple[str, ...] | list[str] | None = None,
        ignore: tuple[str, ...] | list[str] = (),
        extend_select: tuple[str, ...] | list[str] = (),
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...], tuple[str, ...]]:
        """The selectors `rules_for` resolves (select, ignore, extend-select): what
        decides a file's rules, without importing them."""
        ignored = [*self.ignore, *ignore]
        if path is not None:
            relative = self._relative(path)
            for pattern, codes in self.per_file_ignores.items():
                if _matches(pattern, relative):
                    ignored.extend(codes)
        chosen = select if select is not None else self.select
        return (
            tuple(chosen) if chosen is not None else None,
            tuple(ignored),
            (*self.extend_select, *extend_select),
        )

    def excludes(self, path: Path) -> bool:
        if not self.exclude:
            return False
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(self.exclude)
        return spec.match_file(self._relative(path))

    def _relative(self, path: Path) -> str:
        if self.root is not None:
            try:
                return path.resolve().relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.as_posix()


def _matches(pattern: str, relative: str) -> bool:
    # Ruff-style globs: `tests/*` matches below tests/ at any depth, `*.py` anywhere.
    path = PurePath(relative)
    return path.match(pattern) or relative.startswith(pattern.rstrip("*").rstrip("/") + "/")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a [tool.sqlalchemy-lint] section."""
    directory = start if start.is_dir() else start.parent
    return _pyproject_above(os.path.abspath(directory))


# folder -> the pyproject.toml files at or above it, nearest first (remembered: every
# checked file asks, and most share their folder)
_PYPROJECTS: dict[str, tuple[Path, ...]] = {}


def _pyproject_above(directory: str) -> Path | None:
    candidates = _PYPROJECTS.get(directory)
    if candidates is None:
        real = Path(os.path.realpath(directory))
        candidates = tuple(
            folder / "pyproject.toml"
            for folder in (real, *real.parents)
            if (folder / "pyproject.toml").is_file()
        )
        if len(_PYPROJECTS) > 10_000:
            _PYPROJECTS.clear()
        _PYPROJECTS[directory] = candidates
    for pyproject in candidates:
        try:
            stat = pyproject.stat()
        except OSError:
            continue
        if _has_section_cached(pyproject, stat.st_mtime_ns, stat.st_size):
            return pyproject
    return None


@lru_cache(maxsize=256)
def _has_section_cached(pyproject: Path, _mtime: int, _size: int) -> bool:
    return _has_section(pyproject)


def forget_locations() -> None:
    """pyproject.toml files appeared or went away: look for them afresh."""
    _PYPROJECTS.clear()


def _has_section(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "sqlalchemy-lint" in text and f"[tool.{SECTION}" in text.replace('"', "")


def cache_dir_setting(start: Path) -> Path | None:
    """`cache-dir` of the configuration that applies at `start`, if it sets one."""
    return config_for(start / "pyproject.toml").cache_dir


# `check --config PATH`: the one configuration file every checked file uses.
_CONFIG_FILE: Path | None = None


def use_config_file(path: Path | None) -> None:
    """Make `path` the configuration of every file from now on (None: look for the
    nearest pyproject.toml again)."""
    global _CONFIG_FILE
    _CONFIG_FILE = Path(os.path.abspath(path)) if path is not None else None


def config_file_problem(path: Path | None) -> str | None:
    """Why the file `--config` names cannot configure a run (None: it can). A file
    named on the command line that cannot be read stops the run, where a pyproject.toml
    found on the way is only warned about."""
    if path is None:
        return None
    if not path.is_file():
        return "no such file"
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"cannot read it as TOML: {exc}"
    return None


def config_for(path: Path) -> Config:
    pyproject = _CONFIG_FILE or find_pyproject(path)
    if pyproject is None:
        return Config()
    stat = pyproject.stat()
    return _load_cached(pyproject, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load_cached(pyproject: Path, _mtime: int, _size: int) -> Config:
    return load_config(pyproject)


def load_config(pyproject: Path) -> Config:
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Config(root=pyproject.parent, problems=(f"{pyproject}: cannot read: {exc}",))
    tool = document.get("tool")
    section = tool.get(SECTION) if isinstance(tool, Mapping) else None
    if section is None:
        # A pyproject.toml without the section configures nothing; a file of its
        # own (`--config sqlalchemy-lint.toml`) holds the section's keys at its top.
        section = {} if pyproject.name == "pyproject.toml" else document
    return parse_config(section, root=pyproject.parent, origin=str(pyproject))


def parse_config(section: Any, *, root: Path | None = None, origin: str = "config") -> Config:
    from .checker import UnknownRuleError, select_rules

    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(f"{origin}: [tool.{SECTION}] `{key}` {message}; using the default")

    if not isinstance(section, Mapping):
        return Config(root=root, problems=(f"{origin}: [tool.{SECTION}] must be a table",))
    for key in section:
        if key not in _KNOWN_KEYS:
            problems.append(f"{origin}: [tool.{SECTION}] unknown key `{key}` (ignored)")
    values: dict[str, Any] = {}
    for key, attribute in (
        ("select", "select"),
        ("ignore", "ignore"),
        ("extend-select", "extend_select"),
    ):
        if key not in section:
            continue
        codes = _strings(section[key])
        if codes is None:
            problem(key, "must be a list of rule codes")
            continue
        try:
            select_rules(codes, None)
        except UnknownRuleError as exc:
            problem(key, f"names an {exc}")
            continue
        values[attribute] = codes
    for key, attribute in (
        ("exclude", "exclude"),
        ("request-handler-decorators", "request_handler_decorators"),
        ("session-factories", "session_factories"),
    ):
        if key not in section:
            continue
        strings = _strings(section[key])
        if strings is None:
            problem(key, "must be a list of strings")
        else:
            values[attribute] = strings
    if "per-file-ignores" in section:
        table = section["per-file-ignores"]
        parsed: dict[str, tuple[str, ...]] = {}
        if not isinstance(table, Mapping):
            problem("per-file-ignores", "must map globs to lists of rule codes")
        else:
            for pattern, raw_codes in table.items():
                codes = _strings(raw_codes)
                try:
                    if codes is None:
                        raise UnknownRuleError(f"{raw_codes!r} is not a list of rule codes")
                    select_rules(codes, None)
                except UnknownRuleError as exc:
                    problem(f"per-file-ignores.{pattern}", str(exc))
                    continue
                parsed[str(pattern)] = codes
            values["per_file_ignores"] = parsed
    if "severity" in section:
        table = section["severity"]
        levels: dict[str, Severity] = {}
        if not isinstance(table, Mapping):
            problem("severity", "must map rule codes to error/warning/information/hint")
        else:
            for code, level in table.items():
                if level not in _SEVERITIES:
                    problem(f"severity.{code}", f"must be one of {', '.join(_SEVERITIES)}")
                    continue
                try:
                    matched = select_rules([code], None)
                except UnknownRuleError as exc:
                    problem(f"severity.{code}", str(exc))
                    continue
                for rule in matched:
                    levels[rule.code] = _SEVERITIES[level]
            values["severity"] = levels
    if "cache-dir" in section:
        directory = section["cache-dir"]
        if not isinstance(directory, str) or not directory.strip():
            problem("cache-dir", "must be a path")
        else:
            values["cache_dir"] = (root or Path.cwd()) / Path(directory).expanduser()
    options = AnalysisOptions(
        request_handler_decorators=values.pop("request_handler_decorators", ()),
        session_factories=values.pop("session_factories", ()),
    )
    if "max-tokens" in section:
        limit = section["max-tokens"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1000:
            problem("max-tokens", "must be a whole number of at least 1000")
        else:
            options = replace(options, max_tokens=limit)
    if "sqlalchemy-version" in section:
        version = section["sqlalchemy-version"]
        if isinstance(version, str) and re.fullmatch(r"[12](\.\d+){0,2}", version.strip()):
            options = replace(options, sqlalchemy_version=version.strip())
        else:
            problem("sqlalchemy-version", 'must be a version such as "1.4" or "2.0"')
    return Config(root=root, options=options, problems=tuple(problems), **values)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value)
    return None
