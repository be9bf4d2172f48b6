"""What pygls does not do for us at the protocol level.

- A request whose params do not match the protocol's types gets error -32602
  (InvalidParams) as its response. pygls raises while decoding the message,
  before it knows there is a request to answer, logs the failure and drops the
  message, so the editor would wait for an answer forever.
- Document lines break only where LSP says they do (see `documents.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import Workspace

from .documents import LspTextDocument

log = logging.getLogger(__name__)


class SqlalchemyLintProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            if "method" in data and isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool):
                log.warning("answering %s request %r with %s", data["method"], msg_id, error)
                self._send_response(msg_id, error=error.to_response_error())
            raise  # pygls logs it and reads the next message

    @property
    def workspace(self) -> Workspace:
        workspace = super().workspace
        if not isinstance(workspace, _LspWorkspace):
            # pygls builds its own Workspace during `initialize`; ours differs only in
            # the class of the documents it creates.
            workspace.__class__ = _LspWorkspace
        return workspace


class _LspWorkspace(Workspace):
    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> LspTextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )
