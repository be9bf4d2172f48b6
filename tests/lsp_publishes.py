"""Every diagnostics notification a pytest-lsp client receives, kept in order.

Waiting for "the next notification" misses one that arrives while nobody waits: two
publishes read back to back (a file's refined diagnostics and the next file's, or the
file alone and then with its imports) reach one waiter only. Tests wait on this log
instead."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

# The log of each client, by `id(client)`.
_LOGS: dict[int, list[types.PublishDiagnosticsParams]] = {}


def record_publishes(client: LanguageClient) -> None:
    """Start keeping every diagnostics notification `client` receives (call it before
    the session starts)."""
    received: list[types.PublishDiagnosticsParams] = []
    handle = client.protocol._handle_notification

    def recording(method: str, params: Any) -> None:
        if method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            received.append(params)
        handle(method, params)

    client.protocol._handle_notification = recording  # type: ignore[method-assign]
    _LOGS[id(client)] = received


def forget_publishes(client: LanguageClient) -> None:
    _LOGS.pop(id(client), None)


def publishes(client: LanguageClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    """What was published for `uri` so far, oldest first."""
    return [params for params in _LOGS[id(client)] if params.uri == uri]


async def published(
    client: LanguageClient, uri: str, version: int, timeout: float = 60
) -> list[types.Diagnostic]:
    """The first diagnostics published for `version` of `uri` (waiting up to `timeout`
    seconds for them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for params in publishes(client, uri):
            if params.version == version:
                return list(params.diagnostics)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics for version {version} of {uri}")


async def published_without_findings(
    client: LanguageClient, uri: str, after: int, timeout: float = 60
) -> None:
    """Wait until `uri` is published without findings, later than its first `after`
    publishes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if any(not params.diagnostics for params in publishes(client, uri)[after:]):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{uri} was not published without findings")
