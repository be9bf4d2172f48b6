"""The server's copy of a document: lines split as LSP counts them, kept in step with edits."""

from __future__ import annotations

from lsprotocol import types

from sqlalchemy_lint.lsp.documents import LspTextDocument


def _edit(line: int, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, start), types.Position(line, end)), text=text
    )


def test_lines_follow_every_edit() -> None:
    document = LspTextDocument("file:///m.py", "a = 1\x0cb = 2\nc = 3\n", version=1)
    assert document.lines == ("a = 1\x0cb = 2\n", "c = 3\n")  # a form feed breaks no line
    assert document.lines is document.lines  # split once per text, not per question
    document.apply_change(_edit(1, 4, 5, "30\nd = 4"))
    assert document.source == "a = 1\x0cb = 2\nc = 30\nd = 4\n"
    assert document.lines == ("a = 1\x0cb = 2\n", "c = 30\n", "d = 4\n")
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text="x\r\ny"))
    assert document.lines == ("x\r\n", "y")
