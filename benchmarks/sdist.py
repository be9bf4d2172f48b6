"""The corpus: SQLAlchemy's source distribution from PyPI, downloaded once with
pip and cached under benchmarks/.corpus/ (gitignored)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

SQLALCHEMY_VERSION = "2.0.44"
DEFAULT_DIRS = ("examples", "test/engine", "test/ext")
FULL_DIRS = ("lib", "test")
CACHE = Path(__file__).resolve().parent / ".corpus"


@dataclass(frozen=True)
class Corpus:
    root: Path  # the extracted sdist; tools run with this as their working directory
    dirs: tuple[str, ...]  # relative to root, as given on each tool's command line
    files: tuple[Path, ...]  # absolute, sorted
    lines: int
    bytes: int

    @property
    def label(self) -> str:
        return f"SQLAlchemy {SQLALCHEMY_VERSION} sdist: {', '.join(d + '/' for d in self.dirs)}"


class CorpusError(RuntimeError):
    pass


def _download(version: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    found = _cached_archive(version)
    if found is not None:
        return found
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-binary",
        ":all:",
        "--no-deps",
        f"sqlalchemy=={version}",
        "-d",
        str(CACHE),
    ]
    print(f"downloading the corpus: {' '.join(command)}", file=sys.stderr)
    result = subprocess.run(command, capture_output=True, text=True)
    found = _cached_archive(version)
    if result.returncode != 0 or found is None:
        raise CorpusError(
            f"`pip download` of sqlalchemy=={version} failed (exit {result.returncode}):\n"
            + (result.stderr or result.stdout)[-2000:]
        )
    return found


def _cached_archive(version: str) -> Path | None:
    for name in (f"sqlalchemy-{version}.tar.gz", f"SQLAlchemy-{version}.tar.gz"):
        if (CACHE / name).is_file():
            return CACHE / name
    return None


def _extract(archive: Path, version: str) -> Path:
    done = CACHE / f".extracted-{version}"
    with tarfile.open(archive) as tar:
        top = tar.getmembers()[0].name.split("/")[0]
        root = CACHE / top
        if done.is_file() and root.is_dir():
            return root
        if hasattr(tarfile, "data_filter"):
            tar.extractall(CACHE, filter="data")
        else:  # Python without extraction filters (before 3.8.17/3.9.17/...)
            tar.extractall(CACHE)
    done.write_text(top + "\n", encoding="utf-8")
    return root


def python_files(root: Path, dirs: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        base = root / directory
        if not base.is_dir():
            raise CorpusError(f"{base} is not in the source distribution")
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            files.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return files


def prepare(full: bool, version: str = SQLALCHEMY_VERSION) -> Corpus:
    root = _extract(_download(version), version)
    dirs = FULL_DIRS if full else DEFAULT_DIRS
    files = python_files(root, dirs)
    lines = size = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += len(text.splitlines())
        size += len(text.encode("utf-8"))
    return Corpus(root, dirs, tuple(files), lines, size)
