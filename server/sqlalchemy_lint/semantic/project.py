"""Cross-module knowledge: what other modules of the project export.

`from .database import SessionLocal` makes `SessionLocal()` a session only if
`database.py` binds `SessionLocal` to a `sessionmaker`. The index finds that
module on disk (or in the editor's unsaved buffers), parses it once, keeps a
small summary (name -> kind) and forgets the tree. Summaries are keyed by the
file's content stamp, so an edit invalidates them; the cache is bounded.

The index reads only inside the project: a module is followed only when the file,
after resolving symlinks, lies within the importing file's project root (the nearest
ancestor with a pyproject.toml, setup.py, setup.cfg or .git, else its top package),
and, when the editor gave workspace folders, within one of them. A symlink out of the
project is treated as a module that is not there.

It also answers for pytest: the fixture a test requests by name is looked up in
the `conftest.py` files from the test's directory up to the project root, and a
conftest's summary keeps what each of its fixtures yields.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from ..sources import parse_module_safely
from .inference import Resolver
from .kinds import Kind
from .model import ModuleModel, build_model

log = logging.getLogger(__name__)

# Modules bigger than this are not worth parsing just to learn their exports.
_MAX_SUMMARY_BYTES = 2_000_000
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")

SourceReader = Callable[[Path], "str | None"]
WorkspaceRoots = Callable[[], "list[Path]"]


def _read_from_disk(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_SUMMARY_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


@dataclass(frozen=True)
class ModuleSummary:
    stamp: object
    kinds: dict[str, Kind]  # module-level name -> kind; "name()" -> what calling it returns
    # conftest.py only: fixture name -> what it yields (None: defined, kind unknown,
    # which still hides a fixture of that name further up).
    fixtures: dict[str, Kind | None] = field(default_factory=dict)


class ProjectIndex:
    """Module summaries for one project, found relative to the files that import them."""

    def __init__(
        self,
        read_source: SourceReader = _read_from_disk,
        stamp: Callable[[Path], object] | None = None,
        max_entries: int = 2048,
        workspace_roots: WorkspaceRoots | None = None,
    ) -> None:
        self._read_source = read_source
        self._workspace_roots = workspace_roots
        self._stamp = stamp or _disk_stamp
        self._summaries: OrderedDict[Path, ModuleSummary] = OrderedDict()
        self._max_entries = max_entries
        self._in_progress: set[Path] = set()
        self._lock = threading.RLock()
        # (importing directory, module) -> file; imports repeat across a project.
        self._resolved: dict[tuple[Path, str], Path | None] = {}

    # -- public --------------------------------------------------------------------

    def export_kind(self, from_path: Path | None, qualified: str) -> Kind | None:
        if from_path is None:
            return None
        module, dot, name = qualified.rpartition(".")
        if not dot or not name:
            return None  # `import random`: a module is not an engine or a session
        if module.endswith(".") or module == "":
            # `from . import database`-style: the module is the package itself
            module = module or "."
        target = self.resolve_module(from_path, module)
        if target is None:
            # `import app.database as db; db.SessionLocal`: qualified already has it;
            # `from app import database; database.SessionLocal` resolves the same way.
            return None
        if not self._may_bind(target, name):
            return None
        summary = self.summary(target)
        return summary.kinds.get(name) if summary is not None else None

    def fixture_kind(self, from_path: Path, name: str) -> Kind | None:
        """What the fixture `name` yields to a test in `from_path`: the nearest
        conftest.py above it that defines one decides."""
        for conftest in self.conftests_above(from_path):
            if not self._may_bind(conftest, name):
                continue
            summary = self.summary(conftest)
            if summary is not None and name in summary.fixtures:
                return summary.fixtures[name]
        return None

    def has_sqlalchemy_fixtures(self, from_path: Path) -> bool:
        """Whether some conftest.py above `from_path` yields an engine, session or the like."""
        for conftest in self.conftests_above(from_path):
            summary = self.summary(conftest)
            if summary is not None and any(summary.fixtures.values()):
                return True
        return False

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

    def _may_bind(self, path: Path, name: str) -> bool:
        """False when `path` certainly does not bind `name`, which saves parsing it (a
        summary costs a full parse, and `from package import submodule` asks the
        package's `__init__.py` about a name it usually never mentions)."""
        with self._lock:
            cached = self._summaries.get(path.resolve())
            if cached is not None:
                return True  # the summary answers at no cost
        source = self._read_source(path)
        if source is None:
            return False
        return "import *" in source or re.search(rf"\b{re.escape(name)}\b", source) is not None

    def remember(self, path: Path, model: ModuleModel, stamp: object) -> None:
        """Store the summary of a module that was just analysed, saving a parse later."""
        with self._lock:
            if path in self._in_progress:
                return
            self._in_progress.add(path)
            try:
                summary = self._summarise(path, model, stamp)
            finally:
                self._in_progress.discard(path)
            self._store(path.resolve(), summary)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._summaries.pop(path.resolve(), None)
            self._resolved.clear()

    def summary(self, path: Path) -> ModuleSummary | None:
        path = path.resolve()
        with self._lock:
            stamp = self._stamp(path)
            cached = self._summaries.get(path)
            if cached is not None and cached.stamp == stamp:
                self._summaries.move_to_end(path)
                return cached
            if path in self._in_progress:  # import cycle
                return None
            source = self._read_source(path)
            if source is None:
                return None
            self._in_progress.add(path)
            try:
                summary = self._summarise(path, build_model(parse_module_safely(source)), stamp)
            except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
                log.debug("cannot summarise %s: %s", path, exc)
                summary = ModuleSummary(stamp, {})
            finally:
                self._in_progress.discard(path)
            self._store(path, summary)
            return summary

    def resolve_module(self, from_path: Path, module: str) -> Path | None:
        """The file for `module` as imported from `from_path` (relative if it starts with dots)."""
        key = (from_path.parent, module)
        if key not in self._resolved:
            if len(self._resolved) > 50_000:
                self._resolved.clear()
            self._resolved[key] = self._find_module(from_path, module)
        return self._resolved[key]

    def forget_resolutions(self) -> None:
        """Files appeared or disappeared: resolve imports afresh."""
        self._resolved.clear()

    def _find_module(self, from_path: Path, module: str) -> Path | None:
        stripped = module.lstrip(".")
        level = len(module) - len(stripped)
        parts = [p for p in stripped.split(".") if p]
        importer = from_path.resolve()
        allowed = self._allowed_roots(importer)
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            return _within(_module_file(base, parts), allowed)
        for root in _search_roots(importer):
            if not _inside(root, allowed):
                continue
            found = _within(_module_file(root, parts), allowed)
            if found is not None:
                return found
        return None

    def _allowed_roots(self, importer: Path) -> list[Path]:
        """Where modules imported by `importer` may be read from (all resolved)."""
        project = _project_root(importer)
        workspaces = self._workspace_roots() if self._workspace_roots is not None else []
        if not workspaces:
            return [project]
        inside = [root for root in workspaces if _inside(importer, [root])]
        if not inside:
            # A file outside every workspace folder (opened on its own): its project only.
            return [project]
        # The project, cut down to the workspace folder when the project is bigger.
        return [project if _inside(project, [root]) else root for root in inside]

    # -- internals -------------------------------------------------------------------

    def _store(self, path: Path, summary: ModuleSummary) -> None:
        self._summaries[path] = summary
        self._summaries.move_to_end(path)
        while len(self._summaries) > self._max_entries:
            self._summaries.popitem(last=False)

    def _summarise(self, path: Path, model: ModuleModel, stamp: object) -> ModuleSummary:
        resolver = Resolver(model, path, self)
        scope = model.module_scope
        kinds: dict[str, Kind] = {}
        names = set(scope.assignments) | set(scope.annotations)
        names |= {n for n, q in model.imports.items() if q.startswith(".") or "." in q}
        for name in names:
            kind = resolver.name_kind(name, scope)
            if kind is not None:
                kinds[name] = kind
        for name in model.functions:
            kind = resolver.return_kind(name)
            if kind is not None:
                kinds[f"{name}()"] = kind
        fixtures: dict[str, Kind | None] = {}
        if path.name == "conftest.py":
            for name, fixture in resolver.fixtures().items():
                fixtures[name] = resolver.fixture_kind(fixture)
        return ModuleSummary(stamp, kinds, fixtures)


def _disk_stamp(path: Path) -> object:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _module_file(base: Path, parts: list[str]) -> Path | None:
    if not parts:
        init = base / "__init__.py"
        return init if init.is_file() else None
    candidate = base.joinpath(*parts)
    as_file = candidate.with_suffix(".py")
    if as_file.is_file():
        return as_file
    init = candidate / "__init__.py"
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


def _project_root(path: Path) -> Path:
    """The nearest ancestor with a project marker, else the top of `path`'s packages."""
    for ancestor in path.parents:
        if any((ancestor / marker).exists() for marker in _PROJECT_MARKERS):
            return ancestor
    package_root = path.parent
    while (package_root / "__init__.py").is_file():
        package_root = package_root.parent
    return package_root


def _search_roots(path: Path) -> list[Path]:
    """Where absolute imports of the project's own modules are looked up."""
    roots: list[Path] = []
    package_root = path.parent
    while (package_root / "__init__.py").is_file():
        package_root = package_root.parent
    roots.append(package_root)
    for ancestor in path.parents:
        if any((ancestor / marker).exists() for marker in _PROJECT_MARKERS):
            roots.extend([ancestor, ancestor / "src"])
            break
    return roots
