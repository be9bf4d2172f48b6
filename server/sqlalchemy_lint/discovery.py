"""Which files `sqlalchemy-lint check PATHS` looks at.

Directories are walked for `*.py`, skipping what linters conventionally skip:
VCS folders, virtual environments (any folder with a `pyvenv.cfg`), caches,
build output, `node_modules`, and whatever the `.gitignore` files of the tree
(and of its parents up to the repository root) ignore. Files named explicitly
are always checked. Symlinked directories are not followed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".direnv",
        ".eggs",
        "node_modules",
        "__pycache__",
        "__pypackages__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        "build",
        "dist",
        "_build",
        "buck-out",
        "site-packages",
    }
)


@dataclass(frozen=True)
class _Ignore:
    base: Path
    spec: pathspec.GitIgnoreSpec

    def matches(self, path: Path, is_dir: bool) -> bool:
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return self.spec.match_file(relative + ("/" if is_dir else ""))


def _load_gitignore(directory: Path) -> _Ignore | None:
    gitignore = directory / ".gitignore"
    try:
        lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    try:
        return _Ignore(directory, pathspec.GitIgnoreSpec.from_lines(lines))
    except ValueError:
        # A pattern git cannot use either (`build\` with a trailing backslash, from a
        # Windows editor): git skips such a line, and so do we; the others still apply.
        return _Ignore(directory, pathspec.GitIgnoreSpec.from_lines(_usable(lines)))


def _usable(lines: list[str]) -> list[str]:
    usable = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        usable.append(line)
    return usable


def _parent_ignores(directory: Path) -> list[_Ignore]:
    """`.gitignore` files above `directory`, up to and including the repository root."""
    if (directory / ".git").exists():
        return []  # the repository's own root: a repository around it does not apply
    found = []
    for ancestor in directory.parents:
        ignore = _load_gitignore(ancestor)
        if ignore is not None:
            found.append(ignore)
        if (ancestor / ".git").exists():
            return found
    return []  # not in a repository: ignore files above it do not apply


def _excluded_dir(path: Path, real: Path, name: str, ignores: Iterable[_Ignore]) -> bool:
    if name in DEFAULT_EXCLUDES or (path / "pyvenv.cfg").exists():
        return True
    return any(ignore.matches(real, True) for ignore in ignores)


def _walk(root: Path, inherited: list[_Ignore], real: Path) -> Iterator[tuple[Path, Path]]:
    """The Python files under `root` (yielded as written from `root`); `real` is
    `root` resolved, which `.gitignore` patterns are matched against (their bases are
    resolved too: `check .` in a subfolder of a repository still honours the
    repository's patterns). Symlinked folders are not entered, so `real / name`
    stays real below it."""
    own = _load_gitignore(real)
    ignores = [*inherited, own] if own is not None else inherited
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        real_path = real / entry.name
        if entry.is_dir(follow_symlinks=False):
            if not _excluded_dir(path, real_path, entry.name, ignores):
                yield from _walk(path, ignores, real_path)
        elif (
            entry.name.endswith(".py")
            and entry.is_file()
            and not any(ignore.matches(real_path, False) for ignore in ignores)
        ):
            yield path, real_path


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to check, and (path, reason) for each argument that is not usable."""
    files: list[Path] = []
    errors: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            real = path.resolve()
            # Folders are entered only when they are not symlinks, so a file's real
            # path is its real folder's path plus its name (resolved if a symlink).
            found: Iterable[tuple[Path, Path]] = _walk(path, _parent_ignores(real), real)
        elif path.is_file():
            found = [(path, path)]
        else:
            errors.append((path, "no such file or directory"))
            continue
        for file, located in found:
            key = located.resolve() if file is located or located.is_symlink() else located
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, errors
