"""`check --watch`: check, then check again whenever a Python file or a configuration
file of the checked paths changes, until interrupted (Ruff's `--watch`, for a
terminal beside the editor).

Changes are found by polling stamps (modification time and size) twice a second, the
way the run snapshot takes them (`snapshot.take`): no dependency on a file-system
notification library, and a tree of a thousand files is stamped in a few
milliseconds. The stamps are taken before each check, so a file saved while a check
runs is seen by the next poll and checked again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from .config import forget_locations
from .semantic.project import SKIPPED_FOLDERS
from .snapshot import take

# What changes findings besides the checked files: configuration, ignore files, and
# what the project declares (its SQLAlchemy requirement, its console scripts).
CONFIGURATION_FILES = (
    "pyproject.toml",
    "sqlalchemy-lint.toml",
    ".gitignore",
    "requirements.txt",
    "setup.cfg",
    "setup.py",
)

Stamps = tuple[object, ...]


def tree_stamps(paths: Iterable[Path], extra: Iterable[Path] = ()) -> Stamps:
    """What changes when a checked file, a folder's entries or a configuration file
    that applies to them (in the paths or any folder above them) changes."""
    stamps: list[object] = []
    folders: set[Path] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved.is_dir():
            state = take(str(resolved), SKIPPED_FOLDERS)
            stamps.append((sorted(state.folders.items()), sorted(state.files.items())))
            folders.add(resolved)
        else:
            stamps.append(_stamp(resolved))
            folders.add(resolved.parent)
    above = {ancestor for folder in folders for ancestor in (folder, *folder.parents)}
    for folder in sorted(above):
        for name in CONFIGURATION_FILES:
            stamps.append(_stamp(folder / name))
    for path in extra:
        stamps.append(_stamp(path))
    return tuple(stamps)


def _stamp(path: Path) -> object:
    try:
        stat = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def watch(
    check: Callable[[], int],
    paths: list[Path],
    out: TextIO,
    *,
    extra: Iterable[Path] = (),
    interval: float = 0.5,
) -> int:
    """Run `check`, then again after each change, until Ctrl-C (exit status 0)."""
    extra = list(extra)
    try:
        out.write("Watching for file changes; Ctrl-C stops.\n")
        while True:
            seen = tree_stamps(paths, extra)
            check()
            out.write(f"[{time.strftime('%H:%M:%S')}] Watching for file changes.\n")
            out.flush()
            while tree_stamps(paths, extra) == seen:
                time.sleep(interval)
            forget_locations()  # a pyproject.toml may have come or gone
            out.write(f"[{time.strftime('%H:%M:%S')}] Files changed, checking again.\n")
    except KeyboardInterrupt:
        out.write("\n")
        out.flush()
        return 0
