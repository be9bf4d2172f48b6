"""The server reuses the findings of an earlier analysis of the same text (its own, or
an earlier server's on the same workspace) while nothing it read of the project has
changed: a workspace opened again shows its findings before any analysis runs, and a
module changed since is never hidden behind them (`lsp/server.py`, `results.py`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsp_publishes import publishes
from sqlalchemy_lint.cache import Cache
from sqlalchemy_lint.lsp.server import SqlalchemyLintServer
from sqlalchemy_lint.lsp.settings import parse_settings
from test_lsp_settings import open_file, published, server

HANDED_OUT = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)


def get_session():
    return SessionLocal()
"""

# The same helper keeps what it hands out on Flask's `g`: borrowed, not leaked.
KEPT_ON_G = """\
from flask import g
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)


def get_session():
    g.db = session = SessionLocal()
    return session
"""

MAIN = """\
from sqlalchemy import text

from app.db import get_session


def handler():
    db = get_session()
    return db.execute(text("SELECT 1")).all()
"""


def _workspace(root: Path, db: str = HANDED_OUT) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "app").mkdir(exist_ok=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "db.py").write_text(db)
    main = root / "main.py"
    main.write_text(MAIN)
    return main


def _server_on(root: Path, settings: dict[str, object] | None = None) -> SqlalchemyLintServer:
    """A server object as `initialized` leaves it (its cache in the workspace), with no
    document open in the editor (files are read from disk)."""
    ls = SqlalchemyLintServer()
    ls.project.cache = Cache(root / ".sqlalchemy_lint_cache")
    ls._workspace_roots = lambda: [root]  # type: ignore[method-assign]
    ls._open_document = lambda path: None  # type: ignore[method-assign]
    if settings is not None:
        ls.settings, problems = parse_settings(settings)
        assert problems == []
    return ls


def _analyse_and_keep(ls: SqlalchemyLintServer, main: Path) -> list[str]:
    source = main.read_text()
    key = ls.result_key(source, main)
    assert key is not None
    result = ls.analyse(source, main, stamp=ls._stamp(main), record_as=key)
    assert not result.incomplete
    ls.keep_record(key)
    return [d.code for d in result.diagnostics]


def _earlier(ls: SqlalchemyLintServer, main: Path) -> list[str] | None:
    _, found = ls._earlier_findings(main.read_text(), main)
    return None if found is None else [d.code for d in found]


def test_a_new_server_reuses_the_findings_kept_by_an_earlier_one(tmp_path: Path) -> None:
    main = _workspace(tmp_path)
    assert _earlier(_server_on(tmp_path), main) is None  # nothing kept yet
    assert _analyse_and_keep(_server_on(tmp_path), main) == ["SQA102"]
    # Another server process on the same workspace: the finding that depends on
    # app/db.py is at hand before any analysis, even with no summary in the cache.
    for summaries in (tmp_path / ".sqlalchemy_lint_cache").glob("summaries-*"):
        for entry in summaries.rglob("*"):
            if entry.is_file():
                entry.unlink()
    assert _earlier(_server_on(tmp_path), main) == ["SQA102"]


def test_a_module_changed_since_invalidates_the_kept_findings(tmp_path: Path) -> None:
    main = _workspace(tmp_path)
    assert _analyse_and_keep(_server_on(tmp_path), main) == ["SQA102"]
    (tmp_path / "app" / "db.py").write_text(KEPT_ON_G)
    ls = _server_on(tmp_path)
    assert _earlier(ls, main) is None
    assert _analyse_and_keep(ls, main) == []
    assert _earlier(_server_on(tmp_path), main) == []


def test_the_same_server_sees_a_module_change_on_disk(tmp_path: Path) -> None:
    """A long-lived server does not remember a module's digest past its change."""
    main = _workspace(tmp_path)
    ls = _server_on(tmp_path)
    assert _analyse_and_keep(ls, main) == ["SQA102"]
    assert _earlier(ls, main) == ["SQA102"]
    db = tmp_path / "app" / "db.py"
    db.write_text(KEPT_ON_G)
    assert _earlier(ls, main) is None


def test_other_settings_keep_other_findings(tmp_path: Path) -> None:
    main = _workspace(tmp_path)
    assert _analyse_and_keep(_server_on(tmp_path), main) == ["SQA102"]
    assert _earlier(_server_on(tmp_path, {"ignore": ["SQA102"]}), main) is None
    edited = main.read_text() + "\n# edited\n"
    ls = _server_on(tmp_path)
    _, found = ls._earlier_findings(edited, main)
    assert found is None  # another text


def test_text_being_typed_is_neither_looked_up_nor_kept(tmp_path: Path) -> None:
    """Only a buffer that holds what its file holds on disk has a cache key: no one
    will ask again for the findings of a text that was never saved."""
    main = _workspace(tmp_path)
    ls = _server_on(tmp_path)
    assert ls._earlier_findings(main.read_text() + "\n# typing\n", main) == (None, None)
    key, found = ls._earlier_findings(main.read_text(), main)
    assert key is not None and found is None


def test_a_result_is_written_to_the_cache_only_when_kept(tmp_path: Path) -> None:
    """`analyse` holds the complete result aside; the server writes it after its
    publish (`keep_record`), off the way to the first squiggle."""
    main = _workspace(tmp_path)
    ls = _server_on(tmp_path)
    source = main.read_text()
    key = ls.result_key(source, main)
    assert key is not None
    ls.analyse(source, main, stamp=ls._stamp(main), record_as=key)
    assert _earlier(_server_on(tmp_path), main) is None
    ls.keep_record(key)
    assert _earlier(_server_on(tmp_path), main) == ["SQA102"]
    ls.keep_record(key)  # kept once: nothing left to write
    assert ls.records_to_keep == {}


async def test_reopening_a_workspace_publishes_what_it_found_and_nothing_stale(
    tmp_path: Path,
) -> None:
    main = _workspace(tmp_path)
    async with server(tmp_path, {}) as client:
        uri = open_file(client, main, MAIN)
        for _ in range(600):
            if any(p.diagnostics for p in publishes(client, uri)):
                break
            await asyncio.sleep(0.05)
        assert [d.code for d in publishes(client, uri)[-1].diagnostics] == ["SQA102"]
    async with server(tmp_path, {}) as client:
        uri = open_file(client, main, MAIN)
        assert [d.code for d in await published(client, uri, 1)] == ["SQA102"]
        await asyncio.sleep(1.0)
        # No publish of version 1 without the finding (no flicker while analysing).
        assert all([d.code for d in p.diagnostics] == ["SQA102"] for p in publishes(client, uri))
    # app/db.py changes while no server runs: the kept finding is not shown again.
    (tmp_path / "app" / "db.py").write_text(KEPT_ON_G)
    async with server(tmp_path, {}) as client:
        uri = open_file(client, main, MAIN)
        assert await published(client, uri, 1) == []
        await asyncio.sleep(1.0)
        assert all(not p.diagnostics for p in publishes(client, uri))


def _fix_titles(diagnostics: list) -> list[str | None]:  # type: ignore[type-arg]
    return [
        (d.data or {}).get("fix", {}).get("title") if isinstance(d.data, dict) else None
        for d in diagnostics
    ]


async def test_reopening_a_workspace_publishes_the_findings_with_their_fixes_once(
    tmp_path: Path,
) -> None:
    """The fixes an analysis computed are kept with its findings: the text opened again
    gets both in its first publish, and nothing is published again for it."""
    main = _workspace(tmp_path)
    async with server(tmp_path, {}) as client:
        uri = open_file(client, main, MAIN)
        for _ in range(600):
            if any(any(_fix_titles(p.diagnostics)) for p in publishes(client, uri)):
                break
            await asyncio.sleep(0.05)
        fixed = publishes(client, uri)[-1].diagnostics
        assert [d.code for d in fixed] == ["SQA102"] and all(_fix_titles(fixed))
        await asyncio.sleep(0.5)  # the fixes are written to the cache after their publish
    async with server(tmp_path, {}) as client:
        uri = open_file(client, main, MAIN)
        first = await published(client, uri, 1)
        await asyncio.sleep(1.0)
        again = publishes(client, uri)
        assert len(again) == 1
        assert [d.code for d in again[0].diagnostics] == ["SQA102"]
        assert _fix_titles(again[0].diagnostics) == _fix_titles(fixed)
    assert [d.code for d in first] == ["SQA102"]
