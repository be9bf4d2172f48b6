"""What the project's files looked like when a command-line run started.

Validating a cached result resolves every import it made again, reads every module
it searched and re-checks every summary it used: on an application of 650 files that
costs as much as resolving the whole project. A run instead records, beside its
results, the stamp (modification time and size) of every project file and folder as
it found them at its start, and the keys of the results it computed or validated.
The next run compares stamps: a result of that set whose dependencies did not change
is taken as it is; only what changed is validated again (mypy and Ruff trust stamps
in the same way).

Sound because the stamps are taken before anything is read: a file edited during a
run has a newer stamp than the one recorded, so the next run sees it as changed. A
folder's stamp changes when entries are added, removed or renamed in it, which is
all an import's resolution depends on. File systems keep times in clock ticks, so a
file written in the same tick as its stamp was read could keep that stamp; as git
does with its index, files modified shortly before a snapshot are always validated
(they are "racily clean").
"""

from __future__ import annotations

import marshal
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from .cache import Cache, content_key

FORMAT = 2
NAMESPACE = f"snapshot-{FORMAT}"
# Files modified this long before a snapshot was taken are never trusted by stamp.
_RACY_NS = 2_000_000_000

Stamp = tuple[int, int]  # (st_mtime_ns, st_size)


@dataclass
class RootState:
    """The Python files and folders below one project root, with their stamps."""

    folders: dict[str, int] = field(default_factory=dict)
    files: dict[str, Stamp] = field(default_factory=dict)


@dataclass
class Snapshot:
    roots: dict[str, RootState]
    validated: frozenset[str] = frozenset()  # result keys the run computed or reused
    taken_ns: int = field(default_factory=time.time_ns)  # before the walk began
    # Per file (absolute path): the key of its result and the digest of the settings
    # that key was made under. While the file's stamp and settings stay the same, so
    # does its key, and the next run need not read and hash the file to find it.
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    def encode(self) -> bytes:
        return marshal.dumps(
            (
                FORMAT,
                {root: (state.folders, state.files) for root, state in self.roots.items()},
                sorted(self.validated),
                self.taken_ns,
                self.keys,
            )
        )

    @staticmethod
    def decode(blob: bytes) -> Snapshot | None:
        try:
            version, roots, validated, taken_ns, keys = marshal.loads(blob)
            if version != FORMAT:
                return None
            return Snapshot(
                {
                    root: RootState(dict(folders), {p: tuple(s) for p, s in files.items()})
                    for root, (folders, files) in roots.items()
                },
                frozenset(validated),
                int(taken_ns),
                {path: (key, settings) for path, (key, settings) in keys.items()},
            )
        except (AttributeError, EOFError, TypeError, ValueError):
            return None  # damaged: everything is validated the long way


def snapshot_key(roots: Iterable[str]) -> str:
    return content_key(NAMESPACE, *sorted(roots))


def any_taken(cache: Cache) -> bool:
    """Whether some run left a snapshot in `cache` (one folder test: no file read)."""
    return cache.has_namespace(NAMESPACE)


def load(cache: Cache, roots: Iterable[str]) -> Snapshot | None:
    blob = cache.get(NAMESPACE, snapshot_key(roots))
    return Snapshot.decode(blob) if blob is not None else None


def store(cache: Cache, snapshot: Snapshot) -> None:
    cache.put(NAMESPACE, snapshot_key(snapshot.roots), snapshot.encode())


@dataclass
class Changes:
    """What differs between the snapshot a result was validated in and now."""

    previous: Snapshot
    current: Snapshot

    def __post_init__(self) -> None:
        self._same_listing: dict[str, bool] = {}
        self._modified: dict[str, frozenset[str]] = {}
        racy = self.previous.taken_ns - _RACY_NS
        for root, now in self.current.roots.items():
            before = self.previous.roots.get(root)
            same = (
                before is not None
                and before.folders == now.folders
                and all(stamp < racy for stamp in before.folders.values())
            )
            self._same_listing[root] = same
            if same and before is not None:
                self._modified[root] = frozenset(
                    path
                    for path, stamp in now.files.items()
                    if before.files.get(path) != stamp or stamp[0] >= racy
                )

    def trusted(self, result_key: str) -> bool:
        """Whether the result was computed or validated in the previous snapshot."""
        return result_key in self.previous.validated

    def same_listing(self, root: str) -> bool:
        """No file or folder came or went below `root` (so imports resolve the same)."""
        return self._same_listing.get(root, False)

    def any(self) -> bool:
        """Whether any file or folder changed, came or went (racily clean ones count)."""
        return not all(
            self.same_listing(root) and not self._modified.get(root) for root in self.current.roots
        )

    def modified(self, root: str) -> frozenset[str] | None:
        """The files below `root` whose stamp changed; None when files came or went."""
        return self._modified.get(root)


def take(root: str, skip_folder: frozenset[str]) -> RootState:
    """Stamps of the Python files and folders below `root`, walked as the project's
    searches walk it (the same folders skipped)."""
    state = RootState()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            state.folders[folder] = os.stat(folder).st_mtime_ns
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name not in skip_folder and not name.startswith("."):
                        stack.append(entry.path)
                elif name.endswith(".py"):
                    stat = entry.stat()
                    state.files[entry.path] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue
    return state
