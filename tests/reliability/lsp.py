"""Driving the language server as an editor does: a document kept in step with the
server through incremental edits, every published diagnostic recorded with its
version, and the server process's memory.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from .measure import rss_kib, status_kib

_LSP_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def server_pid(client: LanguageClient) -> int:
    """The server process's pid (pygls keeps the asyncio subprocess as `_server`)."""
    process = client._server
    assert process is not None, "the server runs as a subprocess"
    return int(process.pid)


def server_alive(client: LanguageClient) -> bool:
    process = client._server
    return process is not None and process.returncode is None


def server_rss_kib(client: LanguageClient) -> int:
    return rss_kib(server_pid(client))


def server_peak_kib(client: LanguageClient) -> int:
    return status_kib(server_pid(client), "VmHWM")


class Published:
    """Every `textDocument/publishDiagnostics` the client receives, in order.

    pytest-lsp keeps only the latest diagnostics per URI and lets one waiter
    at a time see a notification; this keeps them all, with their versions, so a
    test can wait for "the diagnostics of version N" without racing.
    """

    def __init__(self, client: LanguageClient) -> None:
        self.items: list[types.PublishDiagnosticsParams] = []
        protocol = client.protocol
        original = protocol._handle_notification

        def recording(method_name: str, params: Any) -> Any:
            if method_name == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
                self.items.append(params)
            return original(method_name, params)

        protocol._handle_notification = recording  # type: ignore[method-assign]

    def for_uri(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        return [p for p in self.items if p.uri == uri]

    async def wait(
        self,
        uri: str,
        version: int | None = None,
        timeout: float = 60,
        since: int = 0,
        settle: float = 0.0,
    ) -> list[types.Diagnostic]:
        """The diagnostics of the last publication for `uri` (and `version`), waiting for one.

        With `settle`, keep waiting until no new publication for `uri` arrived for
        that many seconds (the server publishes twice: findings, then their fixes).
        """
        deadline = time.monotonic() + timeout

        def matching() -> list[types.PublishDiagnosticsParams]:
            return [
                p
                for p in self.items[since:]
                if p.uri == uri and (version is None or p.version == version)
            ]

        while not matching():
            if time.monotonic() > deadline:
                seen = [(p.uri.rsplit("/", 1)[-1], p.version) for p in self.items[-5:]]
                raise TimeoutError(
                    f"no diagnostics for {uri} version {version} in {timeout} s "
                    f"(last published: {seen})"
                )
            await asyncio.sleep(0.01)
        if settle:
            count = len(matching())
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < settle and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
                if len(matching()) != count:
                    count, quiet_since = len(matching()), time.monotonic()
        return list(matching()[-1].diagnostics)


@dataclass
class Buffer:
    """One open document: our copy of its text, and the edits that keep the server's equal."""

    client: LanguageClient
    uri: str
    text: str
    version: int = 1
    sent: int = field(default=0)

    @classmethod
    def open(cls, client: LanguageClient, path: Path, text: str, write: bool = True) -> Buffer:
        if write:
            path.write_text(text, encoding="utf-8", newline="")
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return cls(client, uri, text)

    # positions in UTF-16 code units, lines split as LSP splits them (\r\n, \r, \n only)

    def _lines(self) -> list[str]:
        return _LSP_LINE_BREAK.split(self.text)

    def position_of(self, offset: int) -> types.Position:
        before = Buffer(self.client, self.uri, self.text[:offset])._lines()
        last = before[-1]
        return types.Position(line=len(before) - 1, character=len(last.encode("utf-16-le")) // 2)

    def end(self) -> types.Position:
        return self.position_of(len(self.text))

    def replace(self, start: int, end: int, new_text: str) -> None:
        """Replace text[start:end] (code point offsets) with one incremental change."""
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=self.position_of(start), end=self.position_of(end)),
            text=new_text,
        )
        self.text = self.text[:start] + new_text + self.text[end:]
        self.send([change])

    def insert(self, offset: int, new_text: str) -> None:
        self.replace(offset, offset, new_text)

    def send(self, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        self.version += 1
        self.sent += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=changes,
            )
        )

    def replace_all(self, text: str) -> None:
        self.text = text
        self.send([types.TextDocumentContentChangeWholeDocument(text=text)])

    def close(self) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri)
            )
        )

    # requests

    def hover(self, position: types.Position) -> asyncio.Future[Any]:
        return asyncio.ensure_future(
            self.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=self.uri), position=position
                )
            )
        )

    def code_actions(
        self,
        range_: types.Range,
        diagnostics: list[types.Diagnostic] | None = None,
        only: list[str] | None = None,
    ) -> asyncio.Future[Any]:
        return asyncio.ensure_future(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=self.uri),
                    range=range_,
                    context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
                )
            )
        )


def expected_ranges(text: str, path: Path) -> list[tuple[str, int, int, int, int]]:
    """(code, start line, start column, end line, end column), 0-based, as the server should
    publish for `text` (ASCII text: code points and UTF-16 units agree)."""
    from sqlalchemy_lint.checker import check_source
    from sqlalchemy_lint.semantic import ProjectIndex

    result = check_source(text, path, project=ProjectIndex(), with_fixes=False)
    return sorted(
        (
            d.code,
            d.span.start.line - 1,
            d.span.start.column,
            d.span.end.line - 1,
            d.span.end.column,
        )
        for d in result.diagnostics
    )


def published_ranges(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return sorted(
        (
            str(d.code),
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
        )
        for d in diagnostics
    )


def apply_lsp_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions, LSP line breaks) to `text`."""
    buffer = Buffer(None, "", text)  # type: ignore[arg-type]
    lines = buffer._lines()
    offsets = [0]
    position = 0
    for line in lines[:-1]:
        position += len(line)
        if text.startswith("\r\n", position):
            position += 2
        else:
            position += 1
        offsets.append(position)

    def offset(p: types.Position) -> int:
        if p.line >= len(lines):
            return len(text)
        line = lines[p.line]
        units = 0
        for index, ch in enumerate(line):
            if units >= p.character:
                return offsets[p.line] + index
            units += len(ch.encode("utf-16-le")) // 2
        return offsets[p.line] + len(line)

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


async def gather_answers(
    futures: list[asyncio.Future[Any]], timeout: float
) -> list[Any | BaseException]:
    """Every request's answer (or the exception it raised), failing if any is still pending."""
    _done, pending = await asyncio.wait(futures, timeout=timeout)
    for future in pending:
        future.cancel()
    assert not pending, f"{len(pending)} of {len(futures)} requests got no answer in {timeout} s"
    return [f.exception() or f.result() for f in futures]


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen in {timeout} s")
        await asyncio.sleep(0.02)


def send_raw_request(client: LanguageClient, method: str, params: Any) -> asyncio.Future[Any]:
    """Send a request exactly as given (pygls would refuse to serialize malformed params).

    The answer arrives through pygls's normal response handling: the future gets
    the result, or a JsonRpcException for an error response.
    """
    import json
    import uuid

    protocol = client.protocol
    msg_id = f"raw-{uuid.uuid4()}"
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    protocol._request_futures[msg_id] = future
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not _OMITTED:
        message["params"] = params
    body = json.dumps(message).encode("utf-8")
    header = f"Content-Length: {len(body)}\r\n\r\n".encode("ascii")
    protocol.writer.write(header + body)  # type: ignore[union-attr]
    return future


def send_raw_notification(client: LanguageClient, method: str, params: Any) -> None:
    import json

    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode("utf-8")
    header = f"Content-Length: {len(body)}\r\n\r\n".encode("ascii")
    client.protocol.writer.write(header + body)  # type: ignore[union-attr]


_OMITTED = object()
