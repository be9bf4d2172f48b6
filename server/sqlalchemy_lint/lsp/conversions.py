"""Between the analysis's values and LSP types.

The analysis counts columns in code points; the client counts in its
negotiated encoding (UTF-16 unless it said otherwise). pygls's position codec
converts, using the document's own lines.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.workspace import ServerTextPosition, ServerTextRange, TextDocument

from ..diagnostics import Applicability, Diagnostic, Fix, Severity, Span, TextEdit

SOURCE = "sqlalchemy-lint"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_lsp_range(document: TextDocument, span: Span) -> types.Range:
    server_range = ServerTextRange(
        start=ServerTextPosition(line=span.start.line - 1, character=span.start.column),
        end=ServerTextPosition(line=span.end.line - 1, character=span.end.column),
    )
    return document.range_to_client_units(server_range)


def to_lsp_edit(document: TextDocument, edit: TextEdit) -> types.TextEdit:
    return types.TextEdit(range=to_lsp_range(document, edit.span), new_text=edit.content)


def fix_data(document: TextDocument, fix: Fix) -> dict[str, Any]:
    """A fix as JSON for `Diagnostic.data`, with ranges already in client units."""
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": [
            {
                "range": {
                    "start": {"line": r.start.line, "character": r.start.character},
                    "end": {"line": r.end.line, "character": r.end.character},
                },
                "newText": edit.content,
            }
            for edit in fix.edits
            for r in [to_lsp_range(document, edit.span)]
        ],
    }


def to_lsp_diagnostic(document: TextDocument, diagnostic: Diagnostic) -> types.Diagnostic:
    data: dict[str, Any] = {"code": diagnostic.code, "name": diagnostic.name}
    if diagnostic.fix is not None:
        data["fix"] = fix_data(document, diagnostic.fix)
    return types.Diagnostic(
        range=to_lsp_range(document, diagnostic.span),
        message=diagnostic.message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        code_description=types.CodeDescription(href=diagnostic.url),
        source=SOURCE,
        data=data,
    )


def edits_from_data(data: Any) -> tuple[str, Applicability, list[types.TextEdit]] | None:
    """The fix carried in a diagnostic's data, or None if there is none or it is malformed."""
    if not isinstance(data, dict) or not isinstance(data.get("fix"), dict):
        return None
    fix = data["fix"]
    try:
        edits = [
            types.TextEdit(
                range=types.Range(
                    start=types.Position(**edit["range"]["start"]),
                    end=types.Position(**edit["range"]["end"]),
                ),
                new_text=edit["newText"],
            )
            for edit in fix["edits"]
        ]
        return str(fix["title"]), Applicability(fix["applicability"]), edits
    except (KeyError, TypeError, ValueError):
        return None
