"""Which SQLAlchemy a project runs on, from what it declares.

Some behaviour differs between 1.x and 2.0: before 2.0 a `Connection` outside a
transaction committed each INSERT/UPDATE/DELETE by itself ("library-level
autocommit"), so SQA106's uncommitted connection writes are only lost on 2.0. The
requirement is read from the files projects declare it in: `requirements*.txt`
(also under `requirements/`), `pyproject.toml` (PEP 621 and Poetry), `setup.cfg`,
`setup.py` and `Pipfile`, in the file's folder or the nearest one above it that
declares SQLAlchemy, up to the project's root. Unknown means the current
SQLAlchemy (2.x), as a user starting today gets.
"""

from __future__ import annotations

import codecs
import os
import re
from functools import lru_cache
from pathlib import Path

from .project import declaration_stamps, project_root, remembered

_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile")
# `sqlalchemy==1.4.37`, `SQLAlchemy>=1.3,<2.0`, `"sqlalchemy (>=1.4,<2)"`,
# `sqlalchemy = "^1.4"` (Poetry), `sqlalchemy = "==1.3.*"` (Pipfile); extras allowed.
_REQUIREMENT = re.compile(
    r"""(?ix)(?<![\w.-])sqlalchemy(?:\[[^\]]*\])?["']?\s*(?:=\s*["'])?\s*\(?\s*
        (?P<spec>(?:(?:===?|~=|!=|<=?|>=?|\^|~)\s*[\d.*]+\s*,?\s*)+)"""
)
_CLAUSE = re.compile(r"(===?|~=|!=|<=?|>=?|\^|~)\s*([\d.*]+)")


def declarations_stamp(folder: Path) -> tuple[object, ...]:
    """When the files that declare what the project of a file in `folder` needs and
    runs (its SQLAlchemy requirement, its console scripts) last changed, in `folder`
    and each folder above it up to the project's root: a cached result that depends
    on them is keyed on this."""
    return tuple(_folder_stamp(where) for where in _declaring_folders(folder / "_"))


def _folder_stamp(where: Path) -> tuple[object, ...]:
    return remembered(
        ("declarations", where), lambda: declaration_stamps(where, _declaration_names(where))
    )


def requires_before_2(path: Path | None, configured: str | None = None) -> bool:
    """Whether the project of `path` runs on a SQLAlchemy older than 2.0: the
    `sqlalchemy-version` it configures, else every version its requirement allows is
    a 1.x."""
    return major_version(path, configured) == 1


def major_version(path: Path | None, configured: str | None = None) -> int | None:
    """1 or 2 when the project of `path` surely runs on SQLAlchemy 1.x or 2.x (the
    configured `sqlalchemy-version` first, then what its requirement files allow);
    None when they allow both, or say nothing."""
    if configured is not None:
        major = configured.strip().split(".")[0]
        return int(major) if major.isdigit() else None
    if path is None:
        return None
    for folder in _declaring_folders(path):
        specs = _declared_specs(str(folder), _folder_stamp(folder))
        if specs:
            return _major(specs)
    return None


def _declaring_folders(path: Path) -> list[Path]:
    """Where a file's requirement may be declared, nearest first: its folder and each
    one above it, up to the project's root (an app in `server/` of a repository
    declares its own `server/requirements.txt`)."""
    root = project_root(path)
    folders = []
    # Absolute, to compare with the root: `app/x.py` checked from a folder above the
    # project would otherwise climb past it, to the requirements of that folder.
    for folder in Path(os.path.abspath(path)).parents:
        folders.append(folder)
        if folder == root or len(folders) > 8:
            break
    if root not in folders:
        folders.append(root)
    return folders


@lru_cache(maxsize=256)
def _declared_specs(folder: str, stamps: tuple[object, ...]) -> tuple[str, ...]:
    """The SQLAlchemy requirements the files in `folder` declare. (`stamps` is part of
    the cache key: an edited requirement is read again.)"""
    return tuple(
        match["spec"]
        for text in _declarations(Path(folder))
        for match in _REQUIREMENT.finditer(text)
    )


def _major(specs: tuple[str, ...]) -> int | None:
    if all(_only_1x(spec) for spec in specs):
        return 1
    if all(_at_least_2(spec) for spec in specs):
        return 2
    return None


def _declaration_names(root: Path) -> list[str]:
    """The files at `root` that may declare which SQLAlchemy the project needs."""
    names = list(_FILES)
    try:
        names += [
            n for n in os.listdir(root) if n.startswith("requirements") and n.endswith(".txt")
        ]
    except OSError:
        return []
    requirements = root / "requirements"
    if requirements.is_dir():
        names += [f"requirements/{n.name}" for n in requirements.glob("*.txt")]
    return names


def _declarations(root: Path) -> list[str]:
    texts = []
    for name in _declaration_names(root):
        try:
            data = (root / name).read_bytes()[:400_000]
        except OSError:
            continue
        texts.append(_decoded(data)[:200_000])
    return texts


def _decoded(data: bytes) -> str:
    """A declaration file's text: UTF-8, or UTF-16 with its byte-order mark (what
    `pip freeze > requirements.txt` writes in Windows PowerShell)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _only_1x(spec: str) -> bool:
    for operator, version in _CLAUSE.findall(spec):
        major = version.split(".")[0]
        if not major.isdigit():
            continue
        number = int(major)
        parts = version.split(".")
        if operator in ("==", "===", "~=", "^", "~") and number < 2:
            return True
        if operator == "<" and (number < 2 or (number == 2 and set(parts[1:]) <= {"0"})):
            return True
        if operator == "<=" and number < 2:
            return True
    return False


def _at_least_2(spec: str) -> bool:
    """Whether every version `spec` allows is a 2.x or later (`>=2.0`, `==2.0.36`,
    `~=2.0`, Poetry's `^2.0`)."""
    for operator, version in _CLAUSE.findall(spec):
        major = version.split(".")[0]
        if not major.isdigit():
            continue
        if operator in ("==", "===", "~=", "^", "~", ">=") and int(major) >= 2:
            return True
        if operator == ">" and int(major) >= 2:
            return True
    return False
