"""Cross-module knowledge: the summaries of the project's modules, found relative
to the files that import them.

`from .database import SessionLocal` makes `SessionLocal()` a session only if
`database.py` binds `SessionLocal` to a `sessionmaker`. The index finds that
module on disk (or in the editor's unsaved buffers) and hands its summary
(`summary.py`, built from CPython's `ast`) to the evaluator, which reads only
the names it is asked about. Summaries are kept in memory per file stamp, and on
disk in the cache (`cache.py`) by content, so a module is summarised once per
text, whichever process or run asks.

Each analysis reads the project through a `ProjectView`, which records the
modules it read (with a digest of each summary, so that a cached result can be
checked for staleness) and, in `offline` mode, answers only from summaries
already at hand and lists the ones it lacked: the language server publishes what
the file alone shows at once, then computes those and publishes again.

The index reads only inside the project: a module is followed only when the file,
after resolving symlinks, lies within the importing file's project root (the nearest
ancestor with a pyproject.toml, setup.py, setup.cfg or .git, else its top package),
and, when the editor gave workspace folders, within one of them. A symlink out of the
project is treated as a module that is not there.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..cache import Cache, content_key
from ..cancellation import checkpoint
from ..results import Record
from ..snapshot import Changes, RootState, Snapshot, take
from .summary import FORMAT, ModuleSummary, summarise_source, summarise_tree
from .values import BUFFER, ModuleKey

log = logging.getLogger(__name__)

# Modules bigger than this are not worth reading just to learn their declarations.
_MAX_SUMMARY_BYTES = 2_000_000
_T = TypeVar("_T")
# Ahead-of-need summarising stops when this many modules nearest the file were all at
# hand already (`summarise_imports`).
_WARM_PROBE = 8
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_SUMMARIES = f"summaries-{FORMAT}"
_DIGESTS = f"digests-{FORMAT}"  # summary digests by text: validating needs no summary
_TEMPLATES = "templates"  # a template's digest (of its text) in a record
# Bigger templates are not read (a generated page, not one a view fills).
_MAX_TEMPLATE_BYTES = 500_000
# Python modules; anything else a record names is a template (`ProjectIndex.template`).
_MODULE_SUFFIXES = (".py", ".pyi")
# (`flask.ext.sqlalchemy` too: Flask-SQLAlchemy as Flask before 1.0 imported it.)
_SQLALCHEMY_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy", "alembic")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Before a module name resolved (and recorded as resolved): the module may be
# anywhere in the project (see `ModuleSummary.extends_import_path`).
_ANYWHERE = "?"
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "__pycache__", "venv", "env", "site-packages", "build", "dist", "_build"}
)

SourceReader = Callable[[Path], "str | None"]
WorkspaceRoots = Callable[[], "list[Path]"]


def _read_from_disk(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_SUMMARY_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


@dataclass
class _Entry:
    stamp: object
    summary: ModuleSummary
    digest: str
    made: bool = False  # summarised by this process, not found in the disk cache


@dataclass
class ProjectView:
    """The project as one analysis sees it (the evaluator's `ModuleSource`)."""

    index: ProjectIndex
    current: ModuleKey
    current_summary: ModuleSummary
    offline: bool = False
    # Modules read, with the digest of the summary that was read.
    dependencies: dict[Path, str] = field(default_factory=dict)
    missing: set[Path] = field(default_factory=set)  # offline: not summarised yet
    searched_offline: bool = False  # offline: a project-wide search was left out

    @property
    def incomplete(self) -> bool:
        return bool(self.missing) or self.searched_offline

    def modules_mentioning(self, key: ModuleKey, word: str) -> list[ModuleKey]:
        if not isinstance(key, Path):
            return []
        if self.offline:
            self.searched_offline = True  # reading the whole project waits for later
            return []
        checkpoint()
        found: list[ModuleKey] = list(self.index.files_mentioning(key, word))
        return found

    def summary_of(self, key: ModuleKey) -> ModuleSummary | None:
        if key == self.current:
            return self.current_summary
        if not isinstance(key, Path):
            return None
        if not self.offline:
            checkpoint()  # reading another module may mean parsing it
        entry = self.index.entry(key, parse=not self.offline)
        if entry is None:
            if self.offline and self.index.readable(key):
                self.missing.add(key)
            return None
        self.dependencies[key] = entry.digest
        return entry.summary

    def resolve_import(self, importer: ModuleKey, module: str) -> ModuleKey | None:
        if not isinstance(importer, Path):
            return None
        # Already a real path: resolved from the importer's real folder (symlinks out
        # of the project are refused there).
        found = self.index.resolve_module(importer, module)
        if found is None and not module.startswith("."):
            summary = self.summary_of(importer)
            if summary is not None and (summary.extends_import_path or deployed_beside(module)):
                if self.offline:
                    # What an earlier walk of the project found is at hand; a walk
                    # waits for later, and for a module the importer puts on the
                    # import path the publish says knowledge was left out. (Not for a
                    # name that may be deployed beside it: most such imports name
                    # libraries, and every file would be analysed twice.)
                    known, found = self.index.known_anywhere(importer, module)
                    if not known and summary.extends_import_path:
                        self.searched_offline = True
                    return found
                found = self.index.resolve_module(importer, module, extends_import_path=True)
        return found

    def fixture_modules(self, key: ModuleKey) -> list[ModuleKey]:
        if not isinstance(key, Path):
            return []
        return [path.resolve() for path in self.index.conftests_above(key)]

    def template(self, name: str) -> str | None:
        """The text of the Jinja template the current module names `name`
        (`ProjectIndex.template`); read like a module, so that a result that depends
        on it is checked again when it changes."""
        if not isinstance(self.current, Path):
            return None
        found = self.index.template(self.current, name)
        if found is None:
            return None
        path, text, digest = found
        self.dependencies[path] = digest
        return text

    def is_pytest_module(self, key: ModuleKey) -> bool:
        return isinstance(key, Path) and is_pytest_module(key)


class ProjectIndex:
    """Module summaries for one project, found relative to the files that import them."""

    def __init__(
        self,
        read_source: SourceReader = _read_from_disk,
        stamp: Callable[[Path], object] | None = None,
        max_entries: int = 4096,
        workspace_roots: WorkspaceRoots | None = None,
        cache: Cache | None = None,
        unmarked_roots: WorkspaceRoots | None = None,
    ) -> None:
        """`workspace_roots`: the editor's workspace folders (a bigger project is cut
        down to them); `unmarked_roots`: where a check started (the folders given on
        the command line). Either stands for the project of a file with no project
        marker above it, as `python main.py` run there puts it on the import path."""
        self._read_source = read_source
        self._workspace_roots = workspace_roots
        self._unmarked_roots = unmarked_roots
        self._stamp = stamp or _disk_stamp
        self._entries: OrderedDict[Path, _Entry] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.RLock()
        self.cache = cache
        # (importing directory, module) -> file; imports repeat across a project.
        self._resolved: dict[tuple[str, str], str | None] = {}
        # Absolute imports by where they are looked for: every folder of a package
        # shares its roots, so `from app.models import X` is found once, not per folder.
        self._absolute: dict[tuple[tuple[str, ...], tuple[str, ...], str], str | None] = {}
        self._involves: dict[Path, tuple[object, bool]] = {}
        self._digests: dict[Path, tuple[object, str | None]] = {}
        self._folder_roots: dict[str, tuple[list[str], list[str]]] = {}
        self._real_directories: dict[str, str] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._files: dict[str, tuple[Path, ...]] = {}
        self._by_name: dict[str, dict[str, tuple[str, ...]]] = {}
        self._words: dict[str, dict[str, tuple[Path, ...]]] = {}
        self._validated: dict[str, str] = {}  # still_valid: path -> digest, this run
        self._templates: dict[Path, tuple[object, str | None]] = {}  # by stamp
        self._recording = threading.local()
        # Set by a command-line run: what changed since the run that validated a result.
        self._changes: Changes | None = None
        self._words_of: dict[str, frozenset[str]] = {}

    # -- what a check reads ----------------------------------------------------------------

    @contextlib.contextmanager
    def recording(self) -> Iterator[Record]:
        """Record every summary and import resolution served on this thread meanwhile."""
        record = Record()
        stack: list[Record] = getattr(self._recording, "stack", None) or []
        self._recording.stack = [*stack, record]
        try:
            yield record
        finally:
            self._recording.stack = stack

    def _records(self) -> list[Record]:
        return getattr(self._recording, "stack", None) or []

    # -- snapshots (command-line runs) ------------------------------------------------------

    def snapshot(self, files: list[Path]) -> Snapshot:
        """The stamps of every file and folder of the projects `files` belong to, taken
        before anything is read (see `snapshot.py`); the walk also serves searches."""
        roots: dict[str, RootState] = {}
        for directory in sorted({os.path.dirname(os.path.abspath(f)) for f in files}):
            allowed, _ = self._roots(self._real_directory(directory))
            for root in allowed:
                if root not in roots:
                    roots[root] = state = take(root, SKIPPED_FOLDERS)
                    with self._lock:
                        self._files[root] = tuple(sorted(Path(p) for p in state.files))
                        self._by_name.pop(root, None)
        return Snapshot(roots)

    def trust_changes(self, changes: Changes | None) -> None:
        self._changes = changes
        self._unchanged_folders: dict[str, bool] = {}

    def still_valid(self, record: Record, trusted: bool = False, live: bool = False) -> bool:
        """Whether every module `record` read still summarises the same, and every import
        it resolved still resolves to the same file. `trusted`: the record was valid in
        the previous run's snapshot, so only what changed since needs checking. `live`:
        files change while this index lives (the server): each digest is asked anew
        (by stamp, see `current_digest`)."""
        changes = self._changes if trusted else None
        for (directory, module), found in record.resolutions.items():
            if changes is not None and self._listings_unchanged(changes, directory):
                continue
            if self._resolve(directory, module) != found:
                return False
        # The same files mention each word searched for (their summaries, read when
        # they were, are checked with the others below).
        for (root, word), matching in record.searches.items():
            if changes is not None and changes.same_listing(root):
                if self._same_mentions(changes, root, word, matching):
                    continue
                return False
            now = self._word_index(Path(root)).get(word, ())
            if tuple(str(p) for p in now) != matching:
                return False
        for path, digest in record.summaries.items():
            if changes is not None and self.unchanged_file(changes, path):
                continue
            # A command-line run: files do not change under it, so each module's digest
            # is worked out once however many results depend on it.
            known = None if live else self._validated.get(path)
            if known is None:
                known = self.current_digest(Path(path)) or ""
                if not live:
                    self._validated[path] = known
            if known != digest:
                return False
        return True

    def _listings_unchanged(self, changes: Changes, directory: str) -> bool:
        known = self._unchanged_folders.get(directory)
        if known is None:
            allowed, _ = self._roots(self._real_directory(directory))
            known = bool(allowed) and all(changes.same_listing(root) for root in allowed)
            self._unchanged_folders[directory] = known
        return known

    def _same_mentions(
        self, changes: Changes, root: str, word: str, matching: tuple[str, ...]
    ) -> bool:
        """Whether the files below `root` that mention `word` are still `matching`,
        reading only the files modified since (no file came or went)."""
        modified = changes.modified(root) or frozenset()
        if not modified:
            return True
        before = set(matching)
        now = (before - modified) | {p for p in modified if word in self._words_in(p)}
        return now == before

    def _words_in(self, path: str) -> frozenset[str]:
        with self._lock:
            known = self._words_of.get(path)
        if known is None:
            text = self._read_source(Path(path))
            known = frozenset(_IDENTIFIER.findall(text)) if text is not None else frozenset()
            with self._lock:
                self._words_of[path] = known
        return known

    def unchanged_file(self, changes: Changes, path: str) -> bool:
        """Whether `path` (absolute) has the stamp it had in the previous snapshot, and
        no file came or went beside it."""
        for root in changes.current.roots:
            if _inside_text(path, [root]):
                modified = changes.modified(root)
                return (
                    modified is not None
                    and path in changes.current.roots[root].files
                    and path not in modified
                )
        return False

    def current_digest(self, path: Path) -> str | None:
        """The digest of `path`'s summary as the file is now, without building the summary
        when the cache knows it."""
        if path.suffix not in _MODULE_SUFFIXES:
            text = self._template_text(path)  # a template a view renders
            return content_key(_TEMPLATES, text)[:32] if text is not None else None
        stamp = self._stamp(path)
        with self._lock:
            known = self._digests.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        digest: str | None = None
        source = self._read_source(path)
        if source is not None:
            key = content_key(_SUMMARIES, source)
            digest = self._cached_digest(key)
            if digest is None:
                entry = self.entry(path)
                digest = entry.digest if entry is not None else None
        with self._lock:
            self._digests[path] = (stamp, digest)
        return digest

    # -- views ------------------------------------------------------------------------------

    def view(
        self,
        path: Path | None,
        source: str,
        *,
        stamp: object = None,
        tree: ast.Module | None = None,
        offline: bool = False,
    ) -> ProjectView:
        """The project as seen by the analysis of `source` (the text of `path`)."""
        summary = self.summary_for_text(path, source, stamp, tree)
        key: ModuleKey = path.resolve() if path is not None else BUFFER
        return ProjectView(self, key, summary, offline)

    def summary_for_text(
        self,
        path: Path | None,
        source: str,
        stamp: object = None,
        tree: ast.Module | None = None,
    ) -> ModuleSummary:
        """The summary of the module being checked, from its current text (which may
        not be what is on disk); remembered for the modules that import it."""
        resolved = path.resolve() if path is not None else None
        if resolved is not None:
            with self._lock:
                entry = self._entries.get(resolved)
            if entry is not None and stamp is not None and entry.stamp == stamp:
                return entry.summary
        summary, digest = self._summarise(source, tree)
        if resolved is not None:
            self._store(resolved, _Entry(stamp if stamp is not None else object(), summary, digest))
        return summary

    # -- summaries ----------------------------------------------------------------------------

    def summary(self, path: Path) -> ModuleSummary | None:
        entry = self.entry(path.resolve())
        return entry.summary if entry is not None else None

    def entry(self, path: Path, *, parse: bool = True) -> _Entry | None:
        """`path`'s summary as it is now; with `parse` false, only one at hand (in
        memory or in the disk cache)."""
        stamp = self._stamp(path)
        with self._lock:
            cached = self._entries.get(path)
            if cached is not None and cached.stamp == stamp:
                self._entries.move_to_end(path)
                self._note(path, cached)
                return cached
        source = self._read_source(path)
        if source is None:
            return None
        key = content_key(_SUMMARIES, source)
        summary = self._load(key)
        digest: str | None = None
        made = summary is None
        if summary is None:
            if not parse:
                return None
            summary = summarise_source(source)
            digest = self._save(key, summary)
        else:
            digest = self._cached_digest(key)
            if digest is None:
                digest = summary.digest()
                if self.cache is not None:
                    self.cache.put(_DIGESTS, key, digest.encode("ascii"))
        entry = _Entry(stamp, summary, digest, made)
        self._store(path, entry)
        self._note(path, entry)
        return entry

    def _note(self, path: Path, entry: _Entry) -> None:
        for record in self._records():
            record.summaries[str(path)] = entry.digest

    def _save(self, key: str, summary: ModuleSummary) -> str:
        """Cache `summary` (and its digest, which is costly to compute); the digest."""
        digest = summary.digest()
        if self.cache is not None:
            self.cache.put(_SUMMARIES, key, summary.to_bytes())
            self.cache.put(_DIGESTS, key, digest.encode("ascii"))
        return digest

    def _cached_digest(self, key: str) -> str | None:
        blob = self.cache.get(_DIGESTS, key) if self.cache is not None else None
        if blob is None or len(blob) != 32:
            return None
        return blob.decode("ascii", "replace")

    def _summarise(self, source: str, tree: ast.Module | None) -> tuple[ModuleSummary, str]:
        key = content_key(_SUMMARIES, source)
        summary = self._load(key)
        if summary is None:
            summary = summarise_tree(tree) if tree is not None else summarise_source(source)
            return summary, self._save(key, summary)
        return summary, self._cached_digest(key) or summary.digest()

    def _load(self, key: str) -> ModuleSummary | None:
        if self.cache is None:
            return None
        blob = self.cache.get(_SUMMARIES, key)
        if blob is None:
            return None
        try:
            return ModuleSummary.from_bytes(blob)
        except ValueError as exc:  # damaged or foreign: summarise again, overwrite it
            log.info("ignoring a cached summary: %s", exc)
            return None

    # -- templates ---------------------------------------------------------------------------

    def template(self, importer: Path, name: str) -> tuple[Path, str, str] | None:
        """The Jinja template a view of `importer` renders as `name` (`index.html`,
        `blog/post.html`): the first `templates/<name>` in the module's folder or a
        folder above it, within its project (where Flask looks for an app's or a
        blueprint's, and Starlette's `Jinja2Templates(directory="templates")` is
        mostly put); its path, text and digest."""
        parts = name.replace("\\", "/").split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            return None
        directory = os.path.dirname(os.path.abspath(importer))
        real = self._real_directory(directory)
        allowed, _ = self._roots(real)
        folder = Path(real)
        while _inside(folder, [Path(root) for root in allowed]):
            candidate = folder.joinpath("templates", *parts)
            text = self._template_text(candidate)
            # Noted found or not: a result that found none is checked again when one
            # appears (a missing file's digest is "").
            digest = content_key(_TEMPLATES, text)[:32] if text is not None else ""
            for record in self._records():
                record.summaries[str(candidate)] = digest
            if text is not None:
                return candidate, text, digest
            if folder.parent == folder:
                break
            folder = folder.parent
        return None

    def _template_text(self, path: Path) -> str | None:
        """The template's text, read once per version of the file (an app renders
        its layouts and includes from many views)."""
        stamp = _disk_stamp(path)
        if stamp is None:
            return None
        with self._lock:
            known = self._templates.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        text: str | None = None
        try:
            if path.is_file() and path.stat().st_size <= _MAX_TEMPLATE_BYTES:
                text = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            pass
        with self._lock:
            self._templates[path] = (stamp, text)
        return text

    def stamp_of(self, path: Path) -> object:
        """What identifies the current text of `path` (see `summary_for_text`)."""
        return self._stamp(path.resolve())

    def readable(self, path: Path) -> bool:
        return path.is_file()

    def forget(self, path: Path) -> None:
        """`path` changed on disk (or appeared, or went away)."""
        with self._lock:
            self._entries.pop(path.resolve(), None)
            self._digests.clear()
        self.forget_resolutions()

    # -- searching the project's text ------------------------------------------------------

    def files_mentioning(self, importer: Path, word: str) -> list[Path]:
        """The project's Python files (those `importer` may read) whose text contains
        `word` as a word: where callers of a function named `word` can be."""
        found: list[Path] = []
        for root in self._allowed_roots(Path(self._real_directory(str(importer.parent)), "x.py")):
            matching = self._word_index(root).get(word, ())
            for record in self._records():
                record.searches[(str(root), word)] = tuple(str(p) for p in matching)
            found.extend(matching)
        return found

    def _word_index(self, root: Path) -> dict[str, tuple[Path, ...]]:
        """Every identifier of the files under `root` -> the files it appears in; built
        once (until files change on disk): a search is then a lookup."""
        key = str(root)
        with self._lock:
            known = self._words.get(key)
        if known is not None:
            return known
        building: dict[str, list[Path]] = {}
        for path in self.project_files(root):
            text = self._read_source(path)
            if text is None:
                continue
            for word in set(_IDENTIFIER.findall(text)):
                building.setdefault(word, []).append(path)
        index = {word: tuple(paths) for word, paths in building.items()}
        with self._lock:
            self._words[key] = index
        return index

    def project_files(self, root: Path) -> tuple[Path, ...]:
        """The Python files under `root` where callers may be (remembered until files
        come or go). A plain walk that skips what linters skip (virtual environments,
        caches, build output, hidden folders) but not what `.gitignore` lists: a
        search may look at a file too many, never miss one, and stays cheap."""
        key = str(root)
        with self._lock:
            known = self._files.get(key)
        if known is None:
            known = tuple(sorted(Path(p) for p in take(key, SKIPPED_FOLDERS).files))
            with self._lock:
                self._files[key] = known
        return known

    def _store(self, path: Path, entry: _Entry) -> None:
        with self._lock:
            self._entries[path] = entry
            self._entries.move_to_end(path)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    # -- what a module can bring in ---------------------------------------------------------------

    def involves_sqlalchemy(self, path: Path) -> bool:
        """Whether `path` imports SQLAlchemy (or SQLModel, Flask-SQLAlchemy, Alembic), or
        imports a module of the project that does, however indirectly."""
        return self._involves_sqlalchemy(path.resolve(), set())

    def _involves_sqlalchemy(self, path: Path, visiting: set[Path]) -> bool:
        stamp = self._stamp(path)
        with self._lock:
            cached = self._involves.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if path in visiting:
            return False
        visiting.add(path)
        entry = self.entry(path)
        found = False
        if entry is not None:
            summary = entry.summary
            modules = [*summary.imports.values(), *summary.star_imports]
            if any(
                m.split(".", 1)[0] in _SQLALCHEMY_ROOTS or m.startswith("flask.ext.sqlalchemy")
                for m in modules
            ):
                found = True
            else:
                for module in modules:
                    target = self._imported_file(
                        path, module, summary.extends_import_path or deployed_beside(module)
                    )
                    if target is not None and self._involves_sqlalchemy(target, visiting):
                        found = True
                        break
        with self._lock:
            self._involves[path] = (stamp, found)
        return found

    def _imported_file(
        self, importer: Path, qualified: str, extends_import_path: bool = False
    ) -> Path | None:
        """The project file an import names (the module, or the one holding the name).
        `extends_import_path`: the importer puts folders on the import path itself."""
        found = self.resolve_module(importer, qualified, extends_import_path)
        if found is None:
            stripped = qualified.lstrip(".")
            dots = qualified[: len(qualified) - len(stripped)]
            module = stripped.rpartition(".")[0]
            if dots + module:
                found = self.resolve_module(importer, dots + module, extends_import_path)
        return found.resolve() if found is not None else None

    def summarise_imports(
        self,
        importer: Path,
        summary: ModuleSummary,
        stop: Callable[[], bool],
        limit: int = 400,
    ) -> int:
        """Summarise the project modules `importer` imports, then theirs, nearest first
        (breadth first), so that they are at hand (in memory and in the disk cache)
        when an analysis asks for them; at most `limit` modules, until `stop()`. Returns
        how many were read. A package's `__init__.py` on the way counts as imported: the
        evaluator reads it for what it rebinds."""
        importer = importer.resolve()
        seen = {importer}
        queue = [(importer, summary)]
        read = made = 0
        while queue and read < limit:
            path, current = queue.pop(0)
            for module in [*current.imports.values(), *current.star_imports]:
                if stop() or (read >= _WARM_PROBE and not made):
                    # The nearest modules were all at hand: so is the rest, most likely
                    # (a warm cache), and walking it would only compete for the cores.
                    return read
                found = self._imported_file(
                    path, module, current.extends_import_path or deployed_beside(module)
                )
                for target in (found, _package_of(found)):
                    if target is None or target in seen or read >= limit:
                        continue
                    seen.add(target)
                    entry = self.entry(target)
                    read += 1
                    if entry is not None:
                        made += entry.made
                        queue.append((target, entry.summary))
        return read

    def has_sqlalchemy_fixtures(self, from_path: Path) -> bool:
        """Whether some conftest.py above `from_path` involves SQLAlchemy (its fixtures
        may hand a test an engine or a session)."""
        return any(self.involves_sqlalchemy(c) for c in self.conftests_above(from_path))

    # -- finding modules --------------------------------------------------------------------

    def conftests_above(self, from_path: Path) -> Iterator[Path]:
        """The conftest.py files whose fixtures `from_path` sees, nearest first: from its
        own directory (its parent's, for a conftest itself) up to the project root."""
        importer = from_path.resolve()
        allowed = self._allowed_roots(importer)
        directory = importer.parent
        if importer.name == "conftest.py":
            directory = directory.parent
        while _inside(directory, allowed):
            found = _within(directory / "conftest.py", allowed)
            if found is not None and found.is_file():
                yield found
            if directory.parent == directory:
                return
            directory = directory.parent

    def resolve_module(
        self, from_path: Path, module: str, extends_import_path: bool = False
    ) -> Path | None:
        """The file for `module` as imported from `from_path` (relative if it starts with
        dots). `extends_import_path`: `from_path` puts folders on the import path, so an
        absolute import the layout does not explain may name a module anywhere in the
        project."""
        directory = os.path.dirname(os.path.abspath(from_path))
        found = self._resolve(directory, module)
        if found is None and extends_import_path and not module.startswith((".", _ANYWHERE)):
            found = self._resolve(directory, _ANYWHERE + module)
        return Path(found) if found is not None else None

    def known_anywhere(self, from_path: Path, module: str) -> tuple[bool, Path | None]:
        """Whether `module` was looked for anywhere in the project already, as imported
        from `from_path` (see `resolve_module`), and what was found: no walk now."""
        key = (os.path.dirname(os.path.abspath(from_path)), _ANYWHERE + module)
        with self._lock:
            if key not in self._resolved:
                return False, None
            found = self._resolved[key]
        for record in self._records():
            record.resolutions[key] = found
        return True, Path(found) if found is not None else None

    def _resolve(self, directory: str, module: str) -> str | None:
        # Strings and os.path, not pathlib: validating a cached result resolves every
        # import again, and pathlib's objects cost more than the stat calls.
        key = (directory, module)
        with self._lock:
            known = key in self._resolved
            found = self._resolved.get(key)
        if not known:
            found = self._find_module(directory, module)
            with self._lock:
                if len(self._resolved) > 50_000:
                    self._resolved.clear()
                self._resolved[key] = found
        for record in self._records():
            record.resolutions[key] = found
        return found

    def forget_resolutions(self) -> None:
        """Files appeared or disappeared: resolve imports afresh."""
        with self._lock:
            self._resolved.clear()
            self._absolute.clear()
            self._involves.clear()
            self._folder_roots.clear()
            self._real_directories.clear()
            self._listings.clear()
            self._files.clear()
            self._by_name.clear()
            self._words.clear()

    def _find_module(self, directory: str, module: str) -> str | None:
        if module.startswith(_ANYWHERE):
            return self._anywhere(self._real_directory(directory), module[len(_ANYWHERE) :])
        stripped = module.lstrip(".")
        level = len(module) - len(stripped)
        parts = [p for p in stripped.split(".") if p]
        real = self._real_directory(directory)
        allowed, search_roots = self._roots(real)
        if level:
            base = real
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self._within(
                self._module_file(base, parts) or self._namespace_package(base, parts), allowed
            )
        key = (tuple(allowed), tuple(search_roots), stripped)
        with self._lock:
            if key in self._absolute:
                return self._absolute[key]
        found = None
        for root in search_roots:
            found = self._within(self._module_file(root, parts), allowed)
            if found is not None:
                break
        else:
            # A module or regular package anywhere on the path wins over a namespace
            # package's folder, as in Python's import system.
            for root in search_roots:
                found = self._within(self._namespace_package(root, parts), allowed)
                if found is not None:
                    break
            else:
                found = self._in_the_package_itself(search_roots, parts, allowed)
        with self._lock:
            if len(self._absolute) > 50_000:
                self._absolute.clear()
            self._absolute[key] = found
        return found

    def _anywhere(self, directory: str, module: str) -> str | None:
        """The one file of the importer's project that is `module` (`a/b.py` or
        `a/b/__init__.py` for `a.b`, in any folder); none when several are."""
        parts = [p for p in module.split(".") if p]
        if not parts:
            return None
        allowed, _ = self._roots(directory)
        tails = (
            os.sep + os.path.join(*parts) + ".py",
            os.sep + os.path.join(*parts, "__init__.py"),
        )
        found: set[str] = set()
        for root in allowed:
            for path in self._modules_named(root).get(parts[-1], ()):
                if path.endswith(tails):
                    found.add(path)
        if len(found) != 1:
            return None
        return self._within(found.pop(), allowed)

    def _modules_named(self, root: str) -> dict[str, tuple[str, ...]]:
        """The project's modules under `root` by their last name (`b` for `a/b.py` and
        for `a/b/__init__.py`), remembered until files come or go."""
        with self._lock:
            known = self._by_name.get(root)
        if known is None:
            building: dict[str, list[str]] = {}
            for path in self.project_files(Path(root)):
                name = path.parent.name if path.name == "__init__.py" else path.stem
                building.setdefault(name, []).append(str(path))
            known = {name: tuple(paths) for name, paths in building.items()}
            with self._lock:
                self._by_name[root] = known
        return known

    def _in_the_package_itself(
        self, search_roots: list[str], parts: list[str], allowed: list[str]
    ) -> str | None:
        """`from monitoring_app.db import SessionLocal` in a repository that is the
        package `monitoring_app` (an `__init__.py` at its top, cloned into a folder of
        that name whose parent is on the import path): `db.py` at the top."""
        if len(parts) < 2:
            return None
        for root in search_roots:
            if (
                os.path.basename(root) == parts[0]
                and "__init__.py" in self._listing(root)
                # the repository's top, not a package in it
                and not self._listing(root).isdisjoint(_PROJECT_MARKERS)
            ):
                found = self._within(self._module_file(root, parts[1:]), allowed)
                if found is not None:
                    return found
        return None

    def _module_file(self, base: str, parts: list[str]) -> str | None:
        """`base/a/b.py` or `base/a/b/__init__.py` for parts [a, b], looked up in the
        folders' listings (one `listdir` per folder instead of stat calls per import)."""
        directory = base
        for part in parts[:-1]:
            if part not in self._listing(directory):
                return None
            directory = os.path.join(directory, part)
        last = parts[-1] if parts else None
        names = self._listing(directory)
        if last is None:
            return os.path.join(directory, "__init__.py") if "__init__.py" in names else None
        # A regular package wins over a module of the same name beside it (`app/` over
        # `app.py`), as in Python's import system; a module over a namespace package.
        if last in names and "__init__.py" in self._listing(os.path.join(directory, last)):
            return os.path.join(directory, last, "__init__.py")
        if last + ".py" in names:
            found = os.path.join(directory, last + ".py")
            if os.path.isfile(found):
                return found
        return None

    def _namespace_package(self, base: str, parts: list[str]) -> str | None:
        """`base/a/b/__init__.py` for parts [a, b] when `base/a/b` is a folder of Python
        modules without an `__init__.py` (a namespace package: `import Data.access`
        imports it all the same). The file does not exist: it stands for the package,
        which binds nothing itself, and its submodules resolve beside it."""
        if not parts:
            return None
        directory = os.path.join(base, *parts)
        names = self._listing(directory)
        if "__init__.py" in names or not any(name.endswith(".py") for name in names):
            return None
        return os.path.join(directory, "__init__.py")

    def _listing(self, directory: str) -> frozenset[str]:
        with self._lock:
            known = self._listings.get(directory)
        if known is None:
            try:
                known = frozenset(os.listdir(directory))
            except OSError:
                known = frozenset()
            with self._lock:
                if len(self._listings) > 20_000:
                    self._listings.clear()
                self._listings[directory] = known
        return known

    def _real_directory(self, directory: str) -> str:
        """`os.path.realpath(directory)`, remembered (it costs a stat per component)."""
        with self._lock:
            known = self._real_directories.get(directory)
        if known is None:
            known = os.path.realpath(directory)
            with self._lock:
                self._real_directories[directory] = known
        return known

    def _within(self, found: str | None, roots: list[str]) -> str | None:
        """`found` if its real location (symlinks resolved) lies under one of `roots`."""
        if found is None:
            return None
        try:
            if os.path.islink(found):
                real = os.path.realpath(found)
            else:
                real = os.path.join(
                    self._real_directory(os.path.dirname(found)), os.path.basename(found)
                )
        except (OSError, RuntimeError, ValueError):  # a symlink loop
            return None
        return found if _inside_text(real, roots) else None

    def _roots(self, directory: str) -> tuple[list[str], list[str]]:
        """For a module in `directory` (resolved): where its imports may be read from, and
        where absolute imports of the project's own modules are looked for."""
        with self._lock:
            known = self._folder_roots.get(directory)
        if known is None:
            importer = Path(directory, "__importer__.py")
            allowed = self._allowed_roots(importer)
            top = self.unmarked_project(importer)
            search = [r for r in _search_roots(importer, top) if _inside(r, allowed)]
            known = ([str(r) for r in allowed], [str(r) for r in search])
            with self._lock:
                self._folder_roots[directory] = known
        return known

    def unmarked_project(self, importer: Path) -> Path | None:
        """For a module with no project marker above it, the innermost folder a check
        started on (or workspace folder) that holds it: its project."""
        if _marked_ancestor(importer.parent) is not None:
            return None
        candidates = [
            *(self._unmarked_roots() if self._unmarked_roots is not None else []),
            *(self._workspace_roots() if self._workspace_roots is not None else []),
        ]
        holding = [root for root in candidates if _inside(importer, [root])]
        return max(holding, key=lambda root: len(root.parts)) if holding else None

    def _allowed_roots(self, importer: Path) -> list[Path]:
        """Where modules imported by `importer` may be read from (all resolved)."""
        top = self.unmarked_project(importer)
        if top is not None:
            return [top]
        project = project_root(importer)
        workspaces = self._workspace_roots() if self._workspace_roots is not None else []
        if not workspaces:
            return [project]
        inside = [root for root in workspaces if _inside(importer, [root])]
        if not inside:
            # A file outside every workspace folder (opened on its own): its project only.
            return [project]
        # The project, cut down to the workspace folder when the project is bigger.
        return [project if _inside(project, [root]) else root for root in inside]


def deployed_beside(module: str) -> bool:
    """Whether an absolute import of `module` that the project's layout does not explain
    may still name a project module, deployed beside the importer: an AWS Lambda
    layer's `database.py` (`backend/common/`) imported as `database` by each function's
    `backend/api/<route>/lambda_function.py`, or a folder a Dockerfile or a test runner
    puts on the import path. Not when the name is the standard library's (a project's
    own `secrets.py` does not stand for `import secrets` elsewhere) or SQLAlchemy's;
    the module is then looked for anywhere in the project, and only one file may match
    (`_anywhere`)."""
    stdlib: frozenset[str] | None = getattr(sys, "stdlib_module_names", None)
    if stdlib is None or module.startswith((".", _ANYWHERE)):
        return False  # Python 3.9 does not list its standard library: no guessing
    top = module.partition(".")[0]
    return top not in stdlib and top not in _SQLALCHEMY_ROOTS


def is_pytest_module(path: Path | None) -> bool:
    """A module pytest collects tests or fixtures from, by its default file patterns."""
    if path is None:
        return False
    name = path.name
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    )


_TEST_FOLDERS = frozenset({"test", "tests", "testing"})


def is_test_file(path: Path | None) -> bool:
    """A test module: named as pytest finds them, or in a `test`/`tests`/`testing`
    folder of its project."""
    if path is None:
        return False
    if is_pytest_module(path):
        return True
    absolute = Path(os.path.abspath(path))
    if not _TEST_FOLDERS.intersection(absolute.parent.parts):
        return False  # no such folder above it at all: no need to find its project
    try:
        folders = absolute.parent.relative_to(project_root(absolute)).parts
    except ValueError:
        folders = path.parent.parts
    return not _TEST_FOLDERS.isdisjoint(folders)


def declaration_stamps(root: Path, names: Iterable[str]) -> tuple[object, ...]:
    """When each of `root`'s files `names` last changed (None: missing): a cache key
    for what is read from them, so an edited pyproject.toml is read again."""
    names = tuple(names)
    return remembered(
        ("declaration_stamps", root, names),
        lambda: tuple(_disk_stamp(root / name) for name in names),
    )


def _disk_stamp(path: Path) -> object:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _inside_text(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _package_of(module: Path | None) -> Path | None:
    """The `__init__.py` beside `module`, when it is a package's submodule."""
    if module is None or module.name == "__init__.py":
        return None
    init = module.parent / "__init__.py"
    return init if init.is_file() else None


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _within(found: Path | None, roots: list[Path]) -> Path | None:
    """`found` if its real location (symlinks resolved) lies under one of `roots`."""
    if found is None:
        return None
    try:
        real = found.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return found if _inside(real, roots) else None


class _RunMemo(threading.local):
    """What one command-line pass over the cache asks of the file system again and
    again (a project root per folder, the stamps of each folder's declarations),
    answered once each while `remembering_folders()` is active. Only there: a
    long-lived server must see a pyproject.toml that appears later."""

    def __init__(self) -> None:
        self.roots: dict[Path, Path | None] | None = None  # folder -> its marked ancestor
        self.answers: dict[Hashable, Any] = {}


_run_memo = _RunMemo()


@contextlib.contextmanager
def remembering_folders() -> Iterator[None]:
    """Within: `project_root` and `declaration_stamps` answer each folder once. For a
    command-line run reading its cache, whose tree's stamps were taken before."""
    if _run_memo.roots is not None:
        yield  # already remembering (nested)
        return
    _run_memo.roots, _run_memo.answers = {}, {}
    try:
        yield
    finally:
        _run_memo.roots, _run_memo.answers = None, {}


def remembered(key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()`, once per `key` while `remembering_folders()` is active."""
    if _run_memo.roots is None:
        return compute()
    answers = _run_memo.answers
    if key in answers:
        return answers[key]  # type: ignore[no-any-return]
    found = answers[key] = compute()
    return found


def project_root(path: Path) -> Path:
    """The nearest ancestor with a project marker, else the top of `path`'s packages."""
    if not path.is_absolute():
        # `m.py` checked as `.`: Path(".").parent is "." again, and has no parents.
        path = Path(os.path.abspath(path))
    marked = _marked_ancestor(path.parent)
    if marked is not None:
        return marked
    return package_root(path.parent)


def package_root(folder: Path) -> Path:
    """The folder above the outermost package `folder` is in (`folder` if none),
    remembered while `remembering_folders()` is active."""
    return remembered(("package_root", folder), lambda: _package_root(folder))


def _package_root(folder: Path) -> Path:
    """The folder above the outermost package `folder` is in (`folder` if none)."""
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def _marked_ancestor(folder: Path) -> Path | None:
    """`folder` or the nearest folder above it with a project marker (remembered per
    folder, and so per ancestor, while `remembering_folders()` is active)."""
    roots = _run_memo.roots
    if roots is None:
        for ancestor in (folder, *folder.parents):
            if _marks_a_project(ancestor):
                return ancestor
        return None
    walked: list[Path] = []
    found: Path | None = None
    for ancestor in (folder, *folder.parents):
        if ancestor in roots:
            found = roots[ancestor]
            break
        walked.append(ancestor)
        if _marks_a_project(ancestor):
            found = ancestor
            break
    for ancestor in walked:
        roots[ancestor] = found
    return found


def _has_marker(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in _PROJECT_MARKERS)


def _marks_a_project(folder: Path) -> bool:
    """A folder with a project marker that is not itself inside a package: a
    `setup.py` in `flask_application/util/` (whose parent has an `__init__.py`) is a
    leftover, and its modules still import `flask_application` from the top."""
    return _has_marker(folder) and not (folder.parent / "__init__.py").is_file()


def _search_roots(path: Path, top: Path | None = None) -> list[Path]:
    """Where absolute imports of the project's own modules are looked up: the top of
    the importer's packages (a script's folder), then each folder above it up to the
    project root (an app run from `backend/` imports `services.x` from there), then
    the project root and its `src`. `top`: the project of an unmarked module."""
    roots: list[Path] = [_package_root(path.parent)]
    marked = _marked_ancestor(path.parent)
    if marked is None:
        # Not in a marked project: where the check started stands for the project
        # (`handlers/start.py` imports `db.models` from there), else the top of its
        # packages (`prefect_dw/flows/lot.py` imports `tasks.truncate` from `prefect_dw/`).
        marked = top if top is not None and _inside(roots[0], [top]) else roots[0]
    for ancestor in path.parents:
        if ancestor == marked:
            roots.extend([ancestor, ancestor / "src"])
            break
        if ancestor not in roots:
            roots.append(ancestor)
    return roots
