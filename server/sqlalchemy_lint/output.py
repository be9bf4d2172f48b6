"""How findings are printed: text (with a source excerpt), concise lines, Ruff-shaped
JSON, SARIF 2.1.0, GitHub workflow annotations and JUnit XML."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from xml.etree import ElementTree

from . import HOMEPAGE, __version__
from .diagnostics import Diagnostic, Fix, Position

if TYPE_CHECKING:
    from .rules import Rule


@dataclass(frozen=True)
class FileReport:
    path: Path
    diagnostics: Sequence[Diagnostic]
    source: str = ""


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


def write_text(
    reports: Sequence[FileReport],
    stream: TextIO,
    *,
    colour: bool,
    excerpt: bool = True,
    mark_fixable: bool = False,
    unsafe_fixes: bool = False,
) -> None:
    """`path:line:col: CODE message`, like Ruff, each followed by the source line
    with the reported span underlined (unless `excerpt` is off: the concise form).
    `mark_fixable`: `[*]` after the code of a finding `--fix` would remove (with
    `unsafe_fixes`, `--fix --unsafe-fixes`), as Ruff marks them."""
    style = _Style(colour)
    for report in reports:
        path = display_path(report.path)
        lines = report.source.splitlines()
        for d in report.diagnostics:
            location = f"{path}:{d.span.start.line}:{d.span.start.column + 1}:"
            fixable = mark_fixable and d.fix is not None and d.fix.applies(unsafe_fixes)
            marker = f" {style('[*]', '1;36')}" if fixable else ""
            stream.write(f"{style(location, '1')} {style(d.code, '1;31')}{marker} {d.message}\n")
            if excerpt and 0 < d.span.start.line <= len(lines):
                stream.write(_excerpt(lines[d.span.start.line - 1], d, style))


def _excerpt(line: str, d: Diagnostic, style: _Style) -> str:
    number = str(d.span.start.line)
    gutter = " " * len(number)
    start = d.span.start.column
    end = d.span.end.column if d.span.end.line == d.span.start.line else len(line)
    text = line.expandtabs(1)  # one column per character keeps the underline aligned
    marker = " " * start + "^" * max(1, end - start)
    return (
        f"{style(gutter + ' |', '34')}\n"
        f"{style(number + ' |', '34')} {text}\n"
        f"{style(gutter + ' |', '34')} {style(marker, '1;31')}\n\n"
    )


_SARIF_LEVELS = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def sarif_document(reports: Sequence[FileReport], rules: Sequence[type[Rule]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, every rule's metadata, one result per finding."""
    index = {rule.code: number for number, rule in enumerate(rules)}
    results = []
    for report in reports:
        uri = Path(display_path(report.path)).as_posix()
        for d in report.diagnostics:
            result: dict[str, Any] = {
                "ruleId": d.code,
                "level": _SARIF_LEVELS[d.severity.value],
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": d.span.start.line,
                                "startColumn": d.span.start.column + 1,
                                "endLine": d.span.end.line,
                                "endColumn": d.span.end.column + 1,
                            },
                        }
                    }
                ],
            }
            if d.code in index:
                result["ruleIndex"] = index[d.code]
            results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sqlalchemy-lint",
                        "version": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                # Our columns count code points, not SARIF's default UTF-16 units.
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


def _sarif_rule(rule: type[Rule]) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": rule.documentation()},
        "help": {"text": rule.documentation(), "markdown": rule.documentation()},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.default_severity.value]},
    }


def write_sarif(reports: Sequence[FileReport], stream: TextIO, rules: Sequence[type[Rule]]) -> None:
    json.dump(sarif_document(reports, rules), stream, indent=2)
    stream.write("\n")


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


_GITHUB_LEVELS = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def write_github(reports: Sequence[FileReport], stream: TextIO) -> None:
    """GitHub Actions workflow commands: the findings show up as annotations on the PR."""
    for report in reports:
        path = _github_escape(display_path(report.path), property_value=True)
        for d in report.diagnostics:
            properties = (
                f"file={path},line={d.span.start.line},col={d.span.start.column + 1},"
                f"endLine={d.span.end.line},endColumn={d.span.end.column + 1},"
                f"title={_github_escape(d.code + ' ' + d.name, property_value=True)}"
            )
            stream.write(
                f"::{_GITHUB_LEVELS[d.severity.value]} {properties}::"
                f"{_github_escape(d.code + ' ' + d.message)}\n"
            )


def write_junit(reports: Sequence[FileReport], stream: TextIO, checked: Sequence[Path]) -> None:
    """One test case per checked file; each finding is a failure of its file's case."""
    by_path = {report.path: report for report in reports}
    suite = ElementTree.Element(
        "testsuite",
        name="sqlalchemy-lint",
        tests=str(len(checked)),
        failures=str(sum(len(r.diagnostics) for r in reports)),
    )
    for path in checked:
        case = ElementTree.SubElement(
            suite, "testcase", classname="sqlalchemy-lint", name=display_path(path)
        )
        report = by_path.get(path)
        for d in report.diagnostics if report else ():
            failure = ElementTree.SubElement(
                case,
                "failure",
                type=d.code,
                message=f"{d.span.start.line}:{d.span.start.column + 1}: {d.message}",
            )
            failure.text = f"{d.code} {d.name}: {d.message} ({d.url})"
    root = ElementTree.Element("testsuites")
    root.append(suite)
    stream.write(ElementTree.tostring(root, encoding="unicode"))
    stream.write("\n")
