"""Which functions a project installs as commands: its console scripts.

`covigator-ena = covigator.command_line:ena_accessor` in `[project.scripts]`,
Poetry's `[tool.poetry.scripts]`, setup.cfg's `console_scripts` or setup.py's
`entry_points={"console_scripts": [...]}` makes `ena_accessor` a program's entry
point: it runs once per process, like `main`, however it looks. The declarations
are read from the project root's pyproject.toml, setup.cfg and setup.py.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .project import declaration_stamps, package_root, project_root

_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
# `name = "pkg.module:function"`, `"name=pkg.module:function"`, `name = pkg.module:func`:
# an entry-point reference, `module:object` after an `=`.
_REFERENCE = re.compile(r"""=\s*["']?\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_]\w*)\b(?![.(/])""")


def is_console_script(path: Path, function: str) -> bool:
    """Whether the module-level `function` of the module at `path` is installed as a
    console script by its project."""
    root = project_root(path)
    try:
        dotted = _dotted(path.resolve().relative_to(root.resolve()))
    except (OSError, ValueError):
        return False
    # The import path from the packages that hold it, also when the project's root
    # is the package folder itself (a pyproject.toml inside `pkg/`).
    try:
        imported = _dotted(path.relative_to(package_root(path.parent)))
    except ValueError:  # a relative path climbing out of its folder (`../pkg/cli.py`)
        imported = ""
    for module, name in _console_scripts(str(root), declaration_stamps(root, _FILES)):
        # `src/pkg/cli.py` is `pkg.cli`: the declaration names the import path, which a
        # source folder's name does not begin.
        if name == function and (
            dotted == module or dotted.endswith("." + module) or module == imported
        ):
            return True
    return False


def _dotted(relative: Path) -> str:
    """`pkg.cli` for `pkg/cli.py` and for `pkg/cli/__init__.py`."""
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@lru_cache(maxsize=256)
def _console_scripts(root: str, stamps: tuple[object, ...]) -> frozenset[tuple[str, str]]:
    """`stamps` is part of the cache key: an edited declaration is read again."""
    found: set[tuple[str, str]] = set()
    for name in _FILES:
        try:
            text = (Path(root) / name).read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        found.update(_REFERENCE.findall(text))
    return frozenset(found)


def installs_nothing(path: Path) -> bool:
    """Whether the project of `path` declares nothing to install (no pyproject.toml,
    setup.cfg or setup.py at its root): an application or a folder of scripts, not a
    library whose users' calls are elsewhere."""
    root = project_root(path)
    return not any(stamp is not None for stamp in declaration_stamps(root, _FILES))
