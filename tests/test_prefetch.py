"""Summaries made ahead of need: the project modules an opened file reaches are
summarised into the shared disk cache by a helper process while the language server
analyses the file itself (`lsp/prefetch.py`)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from sqlalchemy_lint.cache import Cache
from sqlalchemy_lint.lsp.prefetch import Prefetcher
from sqlalchemy_lint.semantic.project import ProjectIndex
from sqlalchemy_lint.semantic.summary import summarise_source
from test_lsp_settings import open_file, published, server

MAIN = "from app.routes import handler\n\nhandler()\n"
# No helper on Windows, where a pipe cannot be polled.
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="no helper on Windows")


def chain(root: Path, depth: int) -> list[Path]:
    """`app/routes.py` imports `app/m0.py`, which imports `app/m1.py`, and so on."""
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    package = root / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    made = [package / "__init__.py", package / "routes.py"]
    (package / "routes.py").write_text(
        "from app.m0 import helper\n\n\ndef handler():\n    helper()\n"
    )
    for number in range(depth):
        after = f"from app.m{number + 1} import helper as deeper\n" if number + 1 < depth else ""
        (package / f"m{number}.py").write_text(f"{after}\n\ndef helper():\n    return {number}\n")
        made.append(package / f"m{number}.py")
    return made


def at_hand(cache: Path, paths: list[Path]) -> list[bool]:
    """For each module, whether a fresh process finds its summary in the cache."""
    index = ProjectIndex(cache=Cache(cache))
    found = []
    for path in paths:
        entry = index.entry(path.resolve())
        found.append(entry is not None and not entry.made)
    return found


def test_the_modules_a_file_reaches_are_summarised_into_the_cache(tmp_path: Path) -> None:
    modules = chain(tmp_path, depth=4)
    main = tmp_path / "main.py"
    main.write_text(MAIN)
    index = ProjectIndex(cache=Cache(tmp_path / "cache"))
    read = index.summarise_imports(main, summarise_source(MAIN), stop=lambda: False)
    assert read == len(modules)  # the package's __init__.py too: the evaluator reads it
    assert at_hand(tmp_path / "cache", modules) == [True] * len(modules)


def test_the_walk_is_nearest_first_within_its_limit_and_stops_when_told(
    tmp_path: Path,
) -> None:
    modules = chain(tmp_path, depth=4)
    main = tmp_path / "main.py"
    index = ProjectIndex(cache=Cache(tmp_path / "cache"))
    assert index.summarise_imports(main, summarise_source(MAIN), stop=lambda: True) == 0
    assert index.summarise_imports(main, summarise_source(MAIN), lambda: False, limit=3) == 3
    # routes.py and its package, then m0.py: the nearest three; m1.py onward are left.
    assert at_hand(tmp_path / "cache", modules) == [True, True, True, False, False, False]


def test_a_warm_cache_ends_the_walk_after_the_nearest_modules(tmp_path: Path) -> None:
    modules = chain(tmp_path, depth=20)
    main = tmp_path / "main.py"
    cache = tmp_path / "cache"
    first = ProjectIndex(cache=Cache(cache))
    assert first.summarise_imports(main, summarise_source(MAIN), lambda: False) == len(modules)
    # Another process (a new server) on the same cache: the nearest modules are all
    # there, so it does not read the rest.
    again = ProjectIndex(cache=Cache(cache))
    assert again.summarise_imports(main, summarise_source(MAIN), lambda: False) == 8


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@POSIX_ONLY
async def test_the_server_summarises_what_an_opened_file_reaches(tmp_path: Path) -> None:
    """The analysis of main.py needs routes.py and m0.py (what `handler()` is); the
    helper summarises the modules behind them too, for the files opened next."""
    modules = chain(tmp_path, depth=6)
    cache = tmp_path / ".sqlalchemy_lint_cache"
    async with server(tmp_path, {}) as client:
        uri = open_file(client, tmp_path / "main.py", MAIN)
        assert await published(client, uri, 1) == []
        for _ in range(400):
            if all(at_hand(cache, modules)):
                break
            await asyncio.sleep(0.05)
        assert at_hand(cache, modules) == [True] * len(modules)
        process = client._server
        assert process is not None
        helpers = _children(process.pid) if sys.platform == "linux" else []
        if sys.platform == "linux":
            assert len(helpers) == 1
    # `shutdown` stops the helper, `exit` ends the server: no process is left behind.
    await asyncio.wait_for(process.wait(), timeout=30)
    for _ in range(400):
        if not any(_alive(helper) for helper in helpers):
            break
        await asyncio.sleep(0.05)
    assert not any(_alive(helper) for helper in helpers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@POSIX_ONLY
def test_a_helper_that_dies_is_given_up_quietly(tmp_path: Path) -> None:
    prefetcher = Prefetcher()
    prefetcher.start(tmp_path / "cache")
    try:
        assert prefetcher.running
        process = prefetcher._process
        assert process is not None
        process.kill()
        process.wait(timeout=60)
        for _ in range(3):  # the first write may still fit in the pipe's buffer
            prefetcher.request(tmp_path / "main.py", MAIN, [tmp_path])
        assert not prefetcher.running
        prefetcher.request(tmp_path / "main.py", MAIN, [tmp_path])  # a no-op now
    finally:
        prefetcher.stop()


@POSIX_ONLY
def test_the_helper_reads_only_the_newest_request_and_sees_newer_ones_coming() -> None:
    from sqlalchemy_lint.lsp.prefetch import _Lines

    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        lines = _Lines(reader)
        writer.write(b'{"n": 1}\n{"n": 2}\n')
        writer.flush()
        assert lines.newest() == b'{"n": 2}'  # the first was overtaken: skipped
        assert not lines.pending()
        writer.write(b'{"n": 3}\n')
        writer.flush()
        assert lines.pending()  # the walk for request 2 stops here
        assert lines.newest() == b'{"n": 3}'
        writer.close()
        assert lines.pending()  # the server is gone: stop too
        assert lines.newest() is None
