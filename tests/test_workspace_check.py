"""Problems for files that are not open: the Check Workspace command and
`reportingScope: "workspace"`, through a real LSP exchange (progress included)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from test_lsp_settings import LEAK, open_file, server

CLEAN = LEAK.replace(
    "    conn = engine.connect()\n    return", "    with engine.connect() as conn:\n        return"
)


def workspace(root: Path, files: int = 3) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "app").mkdir()
    (root / "app" / "reports.py").write_text(LEAK)
    (root / "app" / "jobs.py").write_text(LEAK.replace("count", "nightly"))
    for number in range(files):
        (root / "app" / f"clean_{number}.py").write_text(CLEAN)


def progress_kinds(client: LanguageClient) -> list[str]:
    """The kinds of every `$/progress` value the server sent (pytest-lsp records them)."""
    return [
        type(value).__name__.removeprefix("WorkDoneProgress").lower()
        for values in client.progress_reports.values()
        for value in values
    ]


async def until(condition: Any, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")


def codes(client: LanguageClient, path: Path) -> list[str]:
    return [d.code for d in client.diagnostics.get(path.as_uri(), [])]


async def test_the_command_publishes_the_problems_of_files_that_are_not_open(
    tmp_path: Path,
) -> None:
    workspace(tmp_path)
    async with server(tmp_path, {}) as client:
        summary = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="sqlalchemyLint.checkWorkspace")
        )
        assert summary == "2 findings in 5 files"
        assert codes(client, tmp_path / "app" / "reports.py") == ["SQA101"]
        assert codes(client, tmp_path / "app" / "jobs.py") == ["SQA101"]
        assert codes(client, tmp_path / "app" / "clean_0.py") == []
        await until(lambda: "end" in progress_kinds(client))
        kinds = progress_kinds(client)
        assert (
            kinds[0] == "begin" and kinds[-1] == "end" and set(kinds) <= {"begin", "report", "end"}
        )


async def test_workspace_scope_checks_at_start_and_again_after_a_save(tmp_path: Path) -> None:
    workspace(tmp_path)
    reports = tmp_path / "app" / "reports.py"
    async with server(tmp_path, {"reportingScope": "workspace"}) as client:
        await until(lambda: codes(client, reports) == ["SQA101"])
        # Fixed in the editor and saved: its closed neighbour keeps its finding, and the
        # saved file's own buffer publishes for it.
        uri = open_file(client, reports, LEAK)
        reports.write_text(CLEAN)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=CLEAN)],
            )
        )
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await until(lambda: codes(client, reports) == [])
        # A closed file fixed on disk (a git checkout), then any save: its problem goes.
        jobs = tmp_path / "app" / "jobs.py"
        assert codes(client, jobs) == ["SQA101"]
        jobs.write_text(CLEAN)
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await until(lambda: codes(client, jobs) == [])
        # Closing a file with a finding on disk leaves its problem in the list.
        jobs.write_text(LEAK)
        closed = open_file(client, jobs, LEAK)
        await until(lambda: codes(client, jobs) == ["SQA101"])
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=closed))
        )
        await asyncio.sleep(0.5)
        await until(lambda: codes(client, jobs) == ["SQA101"])
        # Back to "file": the closed files' problems go.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"settings": {"reportingScope": "file"}})
        )
        await until(lambda: codes(client, jobs) == [])


async def test_a_bad_scope_is_reported(tmp_path: Path) -> None:
    async with server(tmp_path, {"reportingScope": "everything"}) as client:
        uri = open_file(client, tmp_path / "app.py", LEAK)
        await until(lambda: uri in client.diagnostics)
        shown = " ".join(m.message for m in client.messages)
        assert '`reportingScope` must be "file" or "workspace"' in shown


async def test_cancelling_the_progress_stops_the_check(tmp_path: Path) -> None:
    workspace(tmp_path, files=150)
    async with server(tmp_path, {}) as client:
        running = asyncio.ensure_future(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="sqlalchemyLint.checkWorkspace")
            )
        )
        await until(lambda: "begin" in progress_kinds(client))
        (token,) = client.progress_reports
        client.protocol.notify(
            types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
        )
        assert await asyncio.wait_for(running, timeout=60) == "stopped"
        assert progress_kinds(client)[-1] == "end"


async def test_a_newer_check_stops_the_one_under_way_which_still_answers(tmp_path: Path) -> None:
    workspace(tmp_path, files=150)
    async with server(tmp_path, {}) as client:
        params = types.ExecuteCommandParams(command="sqlalchemyLint.checkWorkspace")
        first = asyncio.ensure_future(client.workspace_execute_command_async(params))
        await until(lambda: "begin" in progress_kinds(client))
        second = await client.workspace_execute_command_async(params)
        assert await asyncio.wait_for(first, timeout=60) == "stopped"
        assert second == "2 findings in 152 files"
