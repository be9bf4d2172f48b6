"""Run the selected rules over one module: the single entry point the CLI and the
language server share.

A module is parsed once and modelled once; rules query the shared model. Source
positions (a full extra pass in libcst) are computed only when something is
reported. A rule that raises is logged with the file and rule name and its result
dropped; the other rules still report. Nothing a module contains makes checking
it raise: what cannot be parsed or analysed is a `problem`, and a fix that cannot
be computed for a too deeply nested statement is left out.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange

from . import HOMEPAGE
from .cancellation import checkpoint
from .catalog import UnknownRuleError, select_codes
from .diagnostics import Applicability, Diagnostic, Fix, Position, Severity, Span, TextEdit
from .fixes.syntax import reusing_parse
from .indentation import Retabbed, expand_indentation_tabs
from .noqa import Suppression, find_suppressions, unused_codes
from .rules import Finding, Rule, all_rules
from .semantic import Analysis, AnalysisOptions, ProjectIndex
from .semantic.positions import PositionUnavailable, resolve_positions
from .semantic.versions import major_version
from .sources import parse_module_safely, parse_with_cpython_tree, size_problem

log = logging.getLogger(__name__)
# How a module that CPython reads and libcst does not is reported.
_NOT_CHECKED = "not checked:"
__all__ = ["CheckResult", "UnknownRuleError", "check_module", "check_source", "select_rules"]


def select_rules(
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> tuple[type[Rule], ...]:
    """Rules matching `select` (codes, prefixes like `SQA1`, or `ALL`) minus `ignore`
    (see `catalog.select_codes`). Raises UnknownRuleError for a selector matching none."""
    codes = set(select_codes(select, ignore, extend_select))
    return tuple(rule for rule in all_rules() if rule.code in codes)


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    problem: str | None = None  # why the module could not be checked
    suppressed: list[Diagnostic] = field(default_factory=list)
    analysis: Analysis | None = None  # kept for hovers in the language server
    # Checked without fixes: what `add_fixes` needs to compute them later.
    fixable: list[tuple[Diagnostic, Rule, Finding]] = field(default_factory=list, repr=False)
    # Rules that failed on the module, one line each (a bug: the other rules still ran).
    failed_rules: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        """Checked offline, and some module it imports was not summarised yet."""
        return self.analysis is not None and self.analysis.resolver.view.incomplete


def parse(source: str) -> cst.Module:
    """Parse, turning a failure into one clear line with the right position."""
    return _parse(source)[0]


def _parse(source: str) -> tuple[cst.Module, ast.Module | None]:
    """`parse`, with CPython's tree of the source when the parse built one."""
    try:
        return parse_with_cpython_tree(source)
    except cst.ParserSyntaxError as exc:
        libcst_error = exc
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        # libcst's own failure on text it should read (CSTLogicError on implicitly
        # concatenated template strings, in libcst 1.9): the file is not checked.
        raise SyntaxError(f"{_NOT_CHECKED} {_libcst_cannot_read(exc)}") from None
    # libcst's native parser reports positions loosely; on this (rare) path ask
    # CPython's parser, which names the exact place, and fall back to libcst's word.
    message = cpython_syntax_error(source)
    if message is not None:
        raise SyntaxError(message)
    first_line = libcst_error.message.strip().splitlines()[0]
    if "too deeply nested" in first_line:  # the pre-check's refusal (CPython recursed)
        raise SyntaxError(f"syntax error near line {libcst_error.raw_line}: {first_line}")
    # CPython reads it and libcst does not (`(x): int = 1` in libcst 1.9): not the
    # user's syntax error, a file this version cannot check.
    raise SyntaxError(
        f"{_NOT_CHECKED} {_libcst_release()} cannot parse this file "
        f"(near line {libcst_error.raw_line}: {first_line})"
    )


def _libcst_cannot_read(exc: Exception) -> str:
    detail = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{_libcst_release()} cannot parse this file ({type(exc).__name__}: {detail})"


def _libcst_release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"libcst {version('libcst')}"
    except PackageNotFoundError:
        return "libcst"


def cpython_syntax_error(source: str, filename: str = "<source>") -> str | None:
    """CPython's syntax error in `source`, worded as the checker reports it; None
    when CPython's parser accepts it (or gives up for another reason: too deep)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            compile(source, filename, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        column = f", column {exc.offset}" if exc.offset else ""
        return f"syntax error at line {exc.lineno}{column}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError):
        pass
    return None


def unreadable_syntax(source: str, filename: str = "<source>") -> str | None:
    """The syntax error that keeps `source` from being checked, or None. CPython's
    parser answers first (it is several times faster than libcst's); when it refuses
    syntax newer than its version, libcst, which reads Python 3.14, decides."""
    message = cpython_syntax_error(source, filename)
    if message is None or size_problem(source) is not None:
        return message  # past the size limits libcst is not asked
    try:
        parse_module_safely(source)
    except Exception:  # libcst refuses it too (or fails on it): CPython's words
        return message
    return None


def check_source(
    source: str,
    path: Path | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    project: ProjectIndex | None = None,
    severity: Mapping[str, Severity] | None = None,
    with_fixes: bool = True,
    stamp: object = None,
    options: AnalysisOptions | None = None,
    report_unused_noqa: bool = False,
    offline: bool = False,
) -> CheckResult:
    """Check one module's text. `offline`: use only the project knowledge at hand (see
    `ProjectView`); `CheckResult.incomplete` then says whether some was missing."""
    too_large = size_problem(source, max_tokens=(options or AnalysisOptions()).max_tokens)
    if too_large is not None:
        return CheckResult(problem=too_large)
    retabbed: Retabbed | None = None
    try:
        try:
            module, cpython_tree = _parse(source)
        except SyntaxError as exc:
            # libcst refuses what CPython reads: tabs in indentation, perhaps.
            retabbed = expand_indentation_tabs(source) if _NOT_CHECKED in str(exc) else None
            if retabbed is None:
                raise
            try:
                module, cpython_tree = _parse(retabbed.text)
            except SyntaxError:
                raise exc from None
    except SyntaxError as exc:
        return CheckResult(problem=str(exc))
    except RecursionError:
        return CheckResult(problem="too deeply nested to analyse")
    checkpoint()  # the parse is the stage that cannot be interrupted
    result = check_module(
        module,
        retabbed.text if retabbed is not None else source,
        path,
        rules=rules,
        project=project,
        severity=severity,
        with_fixes=with_fixes and retabbed is None,
        stamp=stamp,
        options=options,
        report_unused_noqa=report_unused_noqa,
        cpython_tree=cpython_tree,
        offline=offline,
    )
    return _on_original_lines(result, retabbed) if retabbed is not None else result


def _on_original_lines(result: CheckResult, retabbed: Retabbed) -> CheckResult:
    """A result found on the retabbed text, placed on the original one. It offers no
    fixes: their edits would rewrite the indentation of the lines they touch."""

    def placed(diagnostic: Diagnostic) -> Diagnostic:
        start, end = diagnostic.span.start, diagnostic.span.end
        span = Span(
            Position(start.line, retabbed.column(start.line, start.column)),
            Position(end.line, retabbed.column(end.line, end.column)),
        )
        return replace(diagnostic, span=span, fix=None)

    result.diagnostics = [placed(d) for d in result.diagnostics]
    result.suppressed = [placed(d) for d in result.suppressed]
    result.fixable = []
    return result


def check_module(
    module: cst.Module,
    source: str,
    path: Path | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    project: ProjectIndex | None = None,
    severity: Mapping[str, Severity] | None = None,
    with_fixes: bool = True,
    stamp: object = None,
    options: AnalysisOptions | None = None,
    report_unused_noqa: bool = False,
    cpython_tree: ast.Module | None = None,
    offline: bool = False,
) -> CheckResult:
    """Check a parsed module. `cpython_tree`: `ast.parse(source)`, when the caller
    has it already (it locates findings; without it, it is built if needed)."""
    try:
        analysis = Analysis(
            module,
            path,
            project,
            options,
            source=source,
            tree=cpython_tree,
            stamp=stamp,
            offline=offline,
        )
    except RecursionError:
        return CheckResult(problem="too deeply nested to analyse")
    reported: list[tuple[Rule, Finding]] = []
    failed: list[str] = []
    for rule_class in rules if rules is not None else all_rules():
        checkpoint()
        rule = rule_class()
        try:
            findings = list(rule.check(analysis))
        except Exception as exc:
            # Told once, by whoever reports the file (one line; the traceback with
            # --verbose): a worker process's log would not reach the report.
            log.debug("rule %s failed on %s", rule.code, path or "<source>", exc_info=True)
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            cause = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            failed.append(f"rule {rule.code} ({rule.name}) failed ({cause})")
            continue
        reported.extend((rule, finding) for finding in findings)
    result = CheckResult(analysis=analysis, failed_rules=failed)
    suppressions = find_suppressions(source)
    if not reported:
        if report_unused_noqa:
            result.diagnostics = _unused_noqa(source, suppressions, set())
        return result
    checkpoint()
    positions = resolve_positions(
        analysis.model, source, [finding.node for _, finding in reported], cpython_tree
    )
    version = (
        major_version(path, analysis.options.sqlalchemy_version)
        if any(rule.breaks_in_2_0 for rule, _ in reported)
        else None
    )
    # The fixes below start from this parse.
    with reusing_parse(source, module) if with_fixes else contextlib.nullcontext():
        _report(
            result, reported, positions, source, suppressions, path, with_fixes, severity, version
        )
    if report_unused_noqa:
        used = {(d.span.start.line, d.code) for d in result.suppressed}
        result.diagnostics.extend(_unused_noqa(source, suppressions, used))
    result.diagnostics.sort(key=lambda d: (d.span.start, d.code))
    return result


def _report(
    result: CheckResult,
    reported: list[tuple[Rule, Finding]],
    positions: Mapping[cst.CSTNode, CodeRange],
    source: str,
    suppressions: Mapping[int, Suppression],
    path: Path | None,
    with_fixes: bool,
    severity: Mapping[str, Severity] | None,
    version: int | None = None,
) -> None:
    """Turn located findings into `result`'s diagnostics (and suppressed ones), with
    their fixes when `with_fixes`. `version`: the major SQLAlchemy version the project
    surely runs on, if known."""
    seen: set[tuple[str, Span]] = set()
    for rule, finding in reported:
        code_range = positions.get(finding.node)
        if code_range is None:
            log.warning("a %s finding cannot be located in %s", rule.code, path or "<source>")
            continue
        span = Span(
            Position(code_range.start.line, code_range.start.column),
            Position(code_range.end.line, code_range.end.column),
        )
        if (rule.code, span) in seen:
            continue
        seen.add((rule.code, span))
        if with_fixes:
            checkpoint()
        fix = _fix_for(rule, finding, source, span, path) if with_fixes else None
        message = finding.message
        if rule.breaks_in_2_0 and version == 1:
            message += _STILL_WORKS_ON_1X
        diagnostic = Diagnostic(
            code=rule.code,
            name=rule.name,
            message=message,
            span=span,
            severity=_severity(rule, severity, version),
            url=rule.url(),
            fix=fix,
        )
        suppression = suppressions.get(span.start.line)
        if suppression is not None and suppression.covers(rule.code):
            result.suppressed.append(diagnostic)
        else:
            result.diagnostics.append(diagnostic)
            if not with_fixes:
                result.fixable.append((diagnostic, rule, finding))


_STILL_WORKS_ON_1X = (
    " This project requires SQLAlchemy 1.x, where it still works: a step of the migration to 2.0."
)


def _severity(
    rule: Rule, configured: Mapping[str, Severity] | None, version: int | None
) -> Severity:
    """The configured severity of `rule`, else its default, adjusted for what SQLAlchemy
    2.0 removed: an error where the project requires 2.x, a hint where it pins 1.x."""
    chosen = (configured or {}).get(rule.code)
    if chosen is not None:
        return chosen
    if rule.breaks_in_2_0 and version == 2:
        return Severity.ERROR
    if rule.breaks_in_2_0 and version == 1:
        return Severity.HINT
    return rule.default_severity


def _fix_for(
    rule: Rule, finding: Finding, source: str, span: Span, path: Path | None
) -> Fix | None:
    try:
        return rule.fix(source, span, finding)
    except (RecursionError, PositionUnavailable):
        # Rewriting a statement nested deeper than libcst's code generation goes:
        # no fix for this finding, the others keep theirs.
        log.info("no fix for %s on %s: too deeply nested", rule.code, path or "<source>")
    except Exception:
        log.exception("fix for %s failed on %s", rule.code, path or "<source>")
    return None


def add_fixes(
    result: CheckResult,
    source: str,
    path: Path | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CheckResult | None:
    """`result` (checked without fixes, from `source`) with each diagnostic's fix, reusing
    its analysis instead of checking again. None when `cancelled()` turns true between
    two fixes: the language server stops work for a version the editor has left."""
    fixes: dict[int, Fix] = {}
    analysed = result.analysis.module if result.analysis is not None else None
    with reusing_parse(source, analysed) if analysed is not None else contextlib.nullcontext():
        for diagnostic, rule, finding in result.fixable:
            if cancelled is not None and cancelled():
                return None
            fix = _fix_for(rule, finding, source, diagnostic.span, path)
            if fix is not None:
                fixes[id(diagnostic)] = fix
    diagnostics = [
        replace(d, fix=fixes[id(d)]) if id(d) in fixes else d for d in result.diagnostics
    ]
    return CheckResult(diagnostics, result.problem, result.suppressed, result.analysis)


UNUSED_NOQA_CODE = "SQA100"


def _unused_noqa(
    source: str, suppressions: Mapping[int, Suppression], used: set[tuple[int, str]]
) -> list[Diagnostic]:
    """`# noqa: SQA10x` comments that suppress nothing, each with a fix removing the code."""
    found = []
    lines = source.splitlines()
    for line, suppression in suppressions.items():
        unused = unused_codes(suppression, {code for (n, code) in used if n == line})
        if not unused:
            continue
        kept = [c for c in suppression.written if c not in unused]
        text = lines[line - 1]
        start, end = suppression.start, suppression.end
        if kept:
            replacement = "# noqa: " + ", ".join(kept)
        else:  # drop the whole comment and the spaces before it
            replacement = ""
            start = len(text[:start].rstrip())
        span = Span(Position(line, suppression.start), Position(line, suppression.end))
        edit = TextEdit(Span(Position(line, start), Position(line, end)), replacement)
        found.append(
            Diagnostic(
                code=UNUSED_NOQA_CODE,
                name="unused-noqa",
                message=f"Unused `noqa` for {', '.join(unused)}: nothing is reported here; "
                f"remove it.",
                span=span,
                severity=Severity.WARNING,
                url=f"{HOMEPAGE}#suppressions",
                fix=Fix("Remove the unused `noqa` code", Applicability.SAFE, (edit,)),
            )
        )
    return found
