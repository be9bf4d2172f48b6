"""How findings are printed: Ruff-style text lines or Ruff-shaped JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .diagnostics import Applicability, Diagnostic, Fix, Position


@dataclass(frozen=True)
class FileReport:
    path: Path
    diagnostics: Sequence[Diagnostic]


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _location(position: Position) -> dict[str, int]:
    # Ruff's JSON counts columns from 1.
    return {"row": position.line, "column": position.column + 1}


def _fix_json(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [
            {
                "content": edit.content,
                "location": _location(edit.span.start),
                "end_location": _location(edit.span.end),
            }
            for edit in fix.edits
        ],
    }


def write_json(reports: Sequence[FileReport], stream: TextIO) -> None:
    items = [
        {
            "cell": None,
            "code": d.code,
            "end_location": _location(d.span.end),
            "filename": str(report.path.resolve()),
            "fix": _fix_json(d.fix),
            "location": _location(d.span.start),
            "message": d.message,
            "noqa_row": d.span.start.line,
            "url": d.url,
        }
        for report in reports
        for d in report.diagnostics
    ]
    json.dump(items, stream, indent=2)
    stream.write("\n")


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def write_text(reports: Sequence[FileReport], stream: TextIO, *, colour: bool) -> None:
    style = _Style(colour)
    for report in reports:
        path = display_path(report.path)
        for d in report.diagnostics:
            location = f"{path}:{d.span.start.line}:{d.span.start.column + 1}:"
            # Like Ruff: [*] marks what `--fix` would apply (safe fixes only).
            fixable = " [*]" if d.fix and d.fix.applicability is Applicability.SAFE else ""
            stream.write(f"{style(location, '1')} {style(d.code, '1;31')}{fixable} {d.message}\n")
