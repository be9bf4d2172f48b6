"""`.gitignore` matching in discovery answers as pathspec's `GitIgnoreSpec` does: the
combined expression that answers most paths at once must never change an answer."""

from __future__ import annotations

import itertools
import random

import pathspec
import pytest

from sqlalchemy_lint.discovery import _Ignore

PATTERNS = [
    "*.pyc",
    "build/",
    "!keep.pyc",
    "/top",
    "docs/**/x",
    "a/b",
    "!a/b/c",
    "**/gen",
    "*.py[cod]",
    "foo*",
    "!foo1",
    "x/",
    "/y/z/",
    "[ab]c",
    "\\#x",
    "# a comment",
    "",
    "venv*/",
]
NAMES = ["keep.pyc", "a", "b", "c", "x", "y", "z", "top", "docs", "gen", "foo1", "foo2"]
NAMES += ["m.py", "m.pyc", "ac", "bc", "build", "venv3", "#x"]


@pytest.mark.parametrize("seed", range(20))
def test_same_answers_as_pathspec(seed: int) -> None:
    chosen = random.Random(seed)
    lines = chosen.sample(PATTERNS, chosen.randint(0, 9))
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    ignore = _Ignore("/repo", spec)
    for depth in range(1, 4):
        for parts in itertools.islice(itertools.product(NAMES, repeat=depth), 0, None, 7):
            relative = "/".join(parts)
            for is_dir in (False, True):
                expected = spec.match_file(relative + ("/" if is_dir else ""))
                assert ignore.matches("/repo/" + relative, is_dir) == expected, (lines, relative)


def test_paths_outside_the_folder_are_not_matched() -> None:
    ignore = _Ignore("/repo", pathspec.GitIgnoreSpec.from_lines(["*"]))
    assert ignore.matches("/repo/a.py", False)
    assert not ignore.matches("/repository/a.py", False)
    assert not ignore.matches("/elsewhere/a.py", False)
