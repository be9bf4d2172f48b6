"""The editor settings Python linter extensions have (`run`, `ignorePatterns`, `args`),
through a real LSP exchange with `python -m sqlalchemy_lint server`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_publishes import forget_publishes, published, record_publishes

LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""
CLEAN = LEAK.replace(
    "    conn = engine.connect()\n    return", "    with engine.connect() as conn:\n        return"
)
LEGACY = (
    "from sqlalchemy.orm import Session\n\n"
    "def names(session: Session):\n    return session.query(str).all()\n"
)


@asynccontextmanager
async def server(root: Path, settings: dict[str, Any]) -> AsyncIterator[LanguageClient]:
    client = await ClientServerConfig(
        server_command=[sys.executable, "-m", "sqlalchemy_lint", "server"]
    ).start()
    record_publishes(client)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options={"settings": {"debounceMs": 20, **settings}},
        )
    )
    try:
        yield client
    finally:
        await client.shutdown_session()
        forget_publishes(client)


def open_file(client: LanguageClient, path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    return path.as_uri()


async def test_run_on_save_analyses_when_the_file_is_saved_not_while_typing(
    tmp_path: Path,
) -> None:
    async with server(tmp_path, {"run": "onSave"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        assert [d.code for d in await published(client, uri, 1)] == ["SQA101"]
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=CLEAN)],
            )
        )
        await asyncio.sleep(1.0)  # fifty debounce intervals: typing alone publishes nothing
        assert [d.code for d in client.diagnostics[uri]] == ["SQA101"]
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert await published(client, uri, 2) == []


async def test_ignore_patterns_leave_matching_files_alone(tmp_path: Path) -> None:
    settings = {"ignorePatterns": ["**/migrations/*.py", "legacy_*.py"]}
    async with server(tmp_path, settings) as client:
        migration = open_file(client, tmp_path / "migrations" / "0001.py", LEAK)
        assert await published(client, migration, 1) == []
        legacy = open_file(client, tmp_path / "legacy_reports.py", LEAK)
        assert await published(client, legacy, 1) == []
        app = open_file(client, tmp_path / "app.py", LEAK)
        assert [d.code for d in await published(client, app, 1)] == ["SQA101"]
        # Changed settings apply to the open files at once.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"settings": {"debounceMs": 20}})
        )
        for _ in range(100):
            if [d.code for d in client.diagnostics.get(migration, [])] == ["SQA101"]:
                break
            await asyncio.sleep(0.05)
        assert [d.code for d in client.diagnostics[migration]] == ["SQA101"]


async def test_args_take_the_command_lines_options(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "lint.toml").write_text('severity = { SQA203 = "error" }\n')
    args = ["--ignore", "SQA101", "--extend-select=SQA203", "--config", "ci/lint.toml", "--fix"]
    async with server(tmp_path, {"args": args}) as client:
        leak = open_file(client, tmp_path / "leak.py", LEAK)
        assert await published(client, leak, 1) == []
        legacy = open_file(client, tmp_path / "legacy.py", LEGACY)
        (finding,) = await published(client, legacy, 1)
        assert finding.code == "SQA203"  # opt-in, selected by --extend-select
        assert finding.severity == types.DiagnosticSeverity.Error  # from --config's file
        shown = " ".join(m.message for m in client.messages)
        assert "`args`: --fix cannot apply in the editor (ignored)" in shown


async def test_bad_values_of_the_new_settings_are_reported_and_ignored(tmp_path: Path) -> None:
    settings = {
        "run": "sometimes",
        "ignorePatterns": "migrations",
        "args": ["--select", "SQA999", "--config", "missing.toml"],
    }
    async with server(tmp_path, settings) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        assert [d.code for d in await published(client, uri, 1)] == ["SQA101"]
        shown = " ".join(m.message for m in client.messages)
        assert '`run` must be "onType" or "onSave"' in shown
        assert "`ignorePatterns` must be a list of glob patterns" in shown
        assert "unknown rule code 'SQA999'" in shown
        assert "`args` --config missing.toml: no such file" in shown


async def test_show_notifications_decides_which_messages_pop_up(tmp_path: Path) -> None:
    # "off": the ignored setting is only logged (on the server's stderr, which the
    # editor's output shows), never shown ...
    async with server(tmp_path, {"showNotifications": "off", "run": "sometimes"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        assert [d.code for d in await published(client, uri, 1)] == ["SQA101"]
        assert client.messages == []
    # ... "onError" shows no warning either; the default ("onWarning") does.
    async with server(tmp_path, {"showNotifications": "onError", "run": "sometimes"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        await published(client, uri, 1)
        assert client.messages == []
    async with server(tmp_path, {"showNotifications": "loud", "run": "sometimes"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        await published(client, uri, 1)
        shown = " ".join(m.message for m in client.messages)
        assert "`showNotifications` must be one of off, onError, onWarning, always" in shown
        assert '`run` must be "onType" or "onSave"' in shown


async def test_cwd_is_where_relative_paths_of_the_settings_are_read(tmp_path: Path) -> None:
    service = tmp_path / "services" / "billing"
    (service / "ci").mkdir(parents=True)
    (service / "ci" / "lint.toml").write_text('ignore = ["SQA101"]\n')
    settings = {
        "cwd": str(service),
        "args": ["--config", "ci/lint.toml"],
        "ignorePatterns": ["generated/*"],
    }
    async with server(tmp_path, settings) as client:
        leak = open_file(client, service / "leak.py", LEAK)
        assert await published(client, leak, 1) == []  # ignored by cwd's ci/lint.toml
        generated = open_file(client, service / "generated" / "models.py", LEGACY)
        assert await published(client, generated, 1) == []
        shown = " ".join(m.message for m in client.messages)
        assert "ignored setting" not in shown
    async with server(tmp_path, {"cwd": "relative/folder"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        assert [d.code for d in await published(client, uri, 1)] == ["SQA101"]
        shown = " ".join(m.message for m in client.messages)
        assert "`cwd` must be an absolute folder; got 'relative/folder'" in shown
