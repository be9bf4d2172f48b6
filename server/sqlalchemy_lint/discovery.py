"""Which files `sqlalchemy-lint check PATHS` looks at.

Directories are walked for `*.py`, skipping what linters conventionally skip:
VCS folders, virtual environments (any folder with a `pyvenv.cfg`), caches,
build output, `node_modules`, and whatever the `.gitignore` files of the tree
(and of its parents up to the repository root) ignore. Files named explicitly
are always checked. Symlinked directories are not followed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
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


class _Ignore:
    """One `.gitignore` file's patterns, matched against paths below its folder."""

    def __init__(self, base: str, spec: pathspec.GitIgnoreSpec) -> None:
        self.base = base.rstrip(os.sep) + os.sep
        self.spec = spec
        # Most paths match none of a file's patterns, and asking the spec tries each
        # pattern in turn: one regular expression of them all answers those at once.
        # Without a negation (`!pattern`) it is the whole answer.
        self._any, self._negated = _combined(spec)

    def matches(self, path: str, is_dir: bool) -> bool:
        if not path.startswith(self.base):
            return False
        relative = path[len(self.base) :].replace(os.sep, "/") + ("/" if is_dir else "")
        if self._any is not None:
            if self._any.match(relative) is None:
                return False
            if not self._negated:
                return True
        return self.spec.match_file(relative)


def _combined(spec: pathspec.GitIgnoreSpec) -> tuple[re.Pattern[str] | None, bool]:
    """A regular expression that matches what any of `spec`'s patterns match (None if
    they cannot be combined), and whether some pattern negates."""
    expressions = []
    negated = False
    for pattern in spec.patterns:
        if pattern.include is None:
            continue  # a comment or a blank line
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern):
            return None, True
        negated = negated or not pattern.include
        # Group names repeat from pattern to pattern; the combination needs none.
        expressions.append("(?:" + _NAMED_GROUP.sub("(?:", regex.pattern) + ")")
    if not expressions:
        return re.compile("(?!)"), negated
    try:
        return re.compile("|".join(expressions)), negated
    except re.error:
        return None, True


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _load_gitignore(directory: str) -> _Ignore | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
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
        ignore = _load_gitignore(str(ancestor))
        if ignore is not None:
            found.append(ignore)
        if (ancestor / ".git").exists():
            return found
    return []  # not in a repository: ignore files above it do not apply


def _excluded_dir(path: str, real: str, name: str, ignores: Iterable[_Ignore]) -> bool:
    if name in DEFAULT_EXCLUDES or os.path.exists(os.path.join(path, "pyvenv.cfg")):
        return True
    return any(ignore.matches(real, True) for ignore in ignores)


def _walk(root: str, inherited: list[_Ignore], real: str) -> Iterator[tuple[str, str]]:
    """The Python files under `root` (yielded as written from `root`); `real` is
    `root` resolved, which `.gitignore` patterns are matched against (their bases are
    resolved too: `check .` in a subfolder of a repository still honours the
    repository's patterns). Symlinked folders are not entered, so `real / name`
    stays real below it. Paths are strings here: this runs for every file of the
    tree on every run, cached or not."""
    own = _load_gitignore(real)
    ignores = [*inherited, own] if own is not None else inherited
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        real_path = os.path.join(real, entry.name)
        if entry.is_dir(follow_symlinks=False):
            if not _excluded_dir(entry.path, real_path, entry.name, ignores):
                yield from _walk(entry.path, ignores, real_path)
        elif (
            entry.name.endswith(".py")
            and entry.is_file()
            and not any(ignore.matches(real_path, False) for ignore in ignores)
        ):
            yield entry.path, real_path


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
            walked = _walk(str(path), _parent_ignores(real), str(real))
            found: Iterable[tuple[Path, Path]] = ((Path(f), Path(r)) for f, r in walked)
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
