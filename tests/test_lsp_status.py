"""`sqlalchemyLint/documentStatus`: what the editor's status item shows for a document,
above all that a buffer which does not parse is not analysed (its last findings stay)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from test_lsp_settings import LEAK, open_file, server


class Statuses:
    """Every `sqlalchemyLint/documentStatus` the server sends to `client`."""

    def __init__(self, client: LanguageClient) -> None:
        self.received: list[Any] = []

        def received(params: Any) -> None:
            self.received.append(params)

        client.feature("sqlalchemyLint/documentStatus")(received)

    async def of(self, uri: str, version: int) -> Any:
        for _ in range(600):
            for params in self.received:
                if params.uri == uri and params.version == version:
                    return params
            await asyncio.sleep(0.05)
        raise AssertionError(f"no status for version {version} of {uri}: {self.received}")


def edit(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_the_status_says_what_became_of_each_version(tmp_path: Path) -> None:
    async with server(tmp_path, {"ignorePatterns": ["**/migrations/*"]}) as client:
        statuses = Statuses(client)
        uri = open_file(client, tmp_path / "app.py", LEAK)
        first = await statuses.of(uri, 1)
        assert (first.analysed, first.message) == (True, "1 finding")
        # Half-typed: not analysed, and the reason names the line; the finding stays.
        edit(client, uri, 2, LEAK + "\ndef broken(:\n")
        second = await statuses.of(uri, 2)
        assert second.analysed is False
        assert second.message.startswith("not analysed: syntax error at line 10, column 12")
        assert [d.code for d in client.diagnostics[uri]] == ["SQA101"]
        edit(client, uri, 3, "x = 1\n")
        third = await statuses.of(uri, 3)
        assert (third.analysed, third.message) == (True, "no findings")
        assert list(client.diagnostics[uri]) == []  # published before the status
        ignored = open_file(client, tmp_path / "migrations" / "0001.py", LEAK)
        skipped = await statuses.of(ignored, 1)
        assert (skipped.analysed, skipped.message) == (False, "not checked: ignorePatterns")
