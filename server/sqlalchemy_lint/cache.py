"""A persistent cache, in the manner of Ruff's: content-addressed entries in
`.sqlalchemy_lint_cache/` (git-ignored by a `.gitignore` inside it).

Two kinds of entries live there:

- module summaries (`semantic.summary`), keyed by the module's text, the tool's
  version and the summary format: they depend on nothing else, so any process,
  any worker and any later run can reuse them;
- per-file results of `check` (see `results.py`), keyed by the file's text, the
  tool's version and the configuration, and valid only while every module the
  analysis read still summarises the same.

Each entry is one file, written to a temporary name and renamed into place, so a
reader sees either nothing or a whole entry. Readers validate what they load: a
damaged, truncated or foreign entry is a miss, and is written again. Two
processes writing the same entry write the same bytes. A cache that cannot be
written (read-only disk, no space) is simply not written: results never depend
on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
from pathlib import Path

from . import __version__

log = logging.getLogger(__name__)

CACHE_DIR_NAME = ".sqlalchemy_lint_cache"
ENVIRONMENT_VARIABLE = "SQLALCHEMY_LINT_CACHE_DIR"
_SALT: bytes | None = None


def _salt() -> bytes:
    """Part of every key: another release, another build of the analysis (its code, by
    content: a checkout between two commits), or another Python (marshal's format)
    starts afresh."""
    global _SALT
    if _SALT is None:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{__version__} {sys.version_info[0]}.{sys.version_info[1]}".encode())
        package = Path(__file__).resolve().parent
        for source in sorted(package.rglob("*.py")):
            try:
                digest.update(source.relative_to(package).as_posix().encode())
                digest.update(source.read_bytes())
            except OSError:
                continue
        _SALT = digest.digest()
    return _SALT


_GITIGNORE = "# Created by sqlalchemy-lint: a cache, safe to delete.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by sqlalchemy-lint.\n"
)
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def content_key(*parts: str | bytes) -> str:
    """A hex digest of the parts (and of the tool's version)."""
    digest = hashlib.blake2b(_salt(), digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def default_cache_dir(start: Path | None = None) -> Path:
    """`$SQLALCHEMY_LINT_CACHE_DIR`, else `.sqlalchemy_lint_cache` in the project that
    contains `start` (the nearest folder with a pyproject.toml, setup.py, setup.cfg or
    .git), else in `start` itself."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder / CACHE_DIR_NAME
    return here / CACHE_DIR_NAME


def is_cache_directory(directory: Path) -> bool:
    """Whether `directory` is one this tool made (its CACHEDIR.TAG names us)."""
    try:
        tag = (directory / "CACHEDIR.TAG").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return tag == _CACHEDIR_TAG


class Cache:
    """Entries in `directory`, by namespace and key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._prepared = False
        self._broken = False

    def get(self, namespace: str, key: str) -> bytes | None:
        try:
            return self._path(namespace, key).read_bytes()
        except OSError:
            return None

    def put(self, namespace: str, key: str, data: bytes) -> None:
        if self._broken:
            return
        path = self._path(namespace, key)
        try:
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            # Read-only, full, or not ours: work without writing, and say so once.
            self._broken = True
            log.info("cache %s not written: %s", self.directory, exc)

    def has_namespace(self, namespace: str) -> bool:
        return (self.directory / namespace).is_dir()

    def _path(self, namespace: str, key: str) -> Path:
        return self.directory / namespace / key[:2] / key[2:]

    def _prepare(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            marker = self.directory / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._prepared = True
