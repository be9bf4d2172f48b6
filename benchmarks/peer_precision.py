"""Precision and recall of sqlalchemy-lint's SQL rules beside the tools a user
would pick instead, on corpora whose expected findings are written in the code.

    .venv/bin/python benchmarks/peer_precision.py                 # tests/heldout
    .venv/bin/python benchmarks/peer_precision.py --with-corpus   # and tests/corpus
    .venv/bin/python benchmarks/peer_precision.py --details       # every FP / FN / dup line
    .venv/bin/python benchmarks/peer_precision.py --json FILE

Peers (installed once into benchmarks/.peers/ by peertools.py, never into the
project's virtualenv): Bandit (B608 ~ SQA301; B105/B106/B107 ~ SQA302), Semgrep
with the local rules in benchmarks/peers/semgrep-sqlalchemy.yml (its registry is
unreachable offline), flake8-sqlalchemy (no comparable rule), and Ruff's port of
Bandit (S608, S105/S106/S107) from the project's own virtualenv.

Every tool's findings, ours included, are matched to the `# expect:` markers by
the same rule (see MATCHING below), so the rows compare like with like. The exact
line-for-line score of sqlalchemy-lint is tests/test_heldout_corpus.py's.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peertools

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HELDOUT = REPO / "tests" / "heldout"
CORPUS = REPO / "tests" / "corpus"

OUR_RULES = ("SQA105", "SQA201", "SQA202", "SQA203", "SQA301", "SQA302")
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>SQA\d+(?:\s*,\s*SQA\d+)*)")
BONUS = re.compile(r"#\s*bonus:\s*(?P<codes>SQA\d+(?:\s*,\s*SQA\d+)*)")

# A peer's rule -> the sqlalchemy-lint rule it is compared with. Rules not listed
# here have no counterpart; they are counted as "unmapped" and never scored.
FAMILIES: dict[str, dict[str, str]] = {
    "bandit": {"B608": "SQA301", "B105": "SQA302", "B106": "SQA302", "B107": "SQA302"},
    "ruff (flake8-bandit port)": {
        "S608": "SQA301",
        "S105": "SQA302",
        "S106": "SQA302",
        "S107": "SQA302",
    },
    "semgrep (local rules)": {
        "sqlalchemy-execute-raw-query": "SQA301",
        "avoid-sqlalchemy-text": "SQA301",
        "sqlalchemy-sql-injection": "SQA301",
    },
    "flake8-sqlalchemy": {},  # SQA100 import alias, SQA200 Column without comment=
}

MATCHING = """\
Matching rule (the same for every tool, sqlalchemy-lint included):
  * A finding counts for an expected `# expect: SQAxxx` marker when its rule maps to SQAxxx
    (bandit B608, ruff S608 and semgrep's injection rules -> SQA301; bandit B105/B106/B107
    and ruff S105/S106/S107 -> SQA302) and its line range overlaps the marker's STATEMENT:
    every line of the innermost statement holding the marker (for a `with`/`for`/`if`/
    `def` header, the header lines only). A multi-line call therefore counts from any of
    its lines, e.g. bandit's B106 on the `URL.create(` line for a `password=` marker.
  * SQA301 only: the statements that assign (=, +=, :) a name read by the sink's
    statement, earlier in the same function, also count, transitively. Bandit reports
    where the string is built (`sql = "..." + x`), we report where it is executed
    (`conn.execute(text(sql))`); both are the same finding.
  * One finding per marker is a true positive; more findings on the same marker are
    counted as `dup` (neither TP nor FP). A finding that matches no marker is a false
    positive. A marker that no finding matches is a false negative.
  * Lines marked `# bonus: SQAxxx` (allowed, not required: cross-function flows, sinks the
    spec does not list) are matched the same way. A finding there is counted as `bonus`,
    neither TP nor FP, and a missing one is not an FN.
  * Rules with no counterpart (flake8-sqlalchemy's SQA100/SQA200, semgrep's
    len-all-count etc., bandit's other tests) are listed as unmapped, never scored."""


# ---------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Marker:
    project: str
    path: str  # relative to the project
    line: int
    code: str
    bonus: bool


@dataclass
class Project:
    name: str  # "heldout/flask_shop"
    root: Path
    files: list[Path]
    markers: list[Marker] = field(default_factory=list)
    # (path, line, code) -> lines that count for that marker
    spans: dict[tuple[str, int, str], frozenset[int]] = field(default_factory=dict)


def _discover(root: Path) -> list[Path]:
    try:
        from sqlalchemy_lint.discovery import discover  # the files the checker sees
    except ImportError:  # not run from the project's virtualenv
        return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    files, _ = discover([root])
    return sorted(files)


def load_project(label: str, root: Path) -> Project:
    project = Project(label, root, _discover(root))
    for path in project.files:
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            for pattern, bonus in ((EXPECT, False), (BONUS, True)):
                match = pattern.search(line)
                if match:
                    for code in re.split(r"\s*,\s*", match.group("codes")):
                        project.markers.append(Marker(label, rel, number, code, bonus))
        wanted = [m for m in project.markers if m.path == rel]
        if wanted:
            tree = ast.parse(text)
            for m in wanted:
                project.spans[(rel, m.line, m.code)] = acceptable_lines(tree, m.line, m.code)
    return project


_COMPOUND = (
    ast.With,
    ast.AsyncWith,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _span(node: ast.stmt) -> tuple[int, int]:
    """A statement's lines; for a compound statement, its header only."""
    end = node.end_lineno or node.lineno
    body = getattr(node, "body", None)
    if isinstance(node, _COMPOUND) and body:
        end = max(node.lineno, body[0].lineno - 1)
    return node.lineno, end


def _statement_at(tree: ast.Module, line: int) -> tuple[ast.stmt | None, list[ast.AST]]:
    """The innermost statement whose span holds `line`, and its enclosing scopes."""
    best: ast.stmt | None = None
    scopes: list[ast.AST] = [tree]
    best_scopes: list[ast.AST] = [tree]

    def visit(node: ast.AST, chain: list[ast.AST]) -> None:
        nonlocal best, best_scopes
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                start, end = _span(child)
                if start <= line <= end:
                    best, best_scopes = child, chain
            is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            inner = [*chain, child] if is_function else chain
            # statements live in bodies: of statements, `except` handlers and `case`s
            if isinstance(child, (ast.stmt, ast.excepthandler)) or hasattr(child, "pattern"):
                child_end = getattr(child, "end_lineno", None) or child.lineno
                if child.lineno <= line <= child_end:
                    visit(child, inner)

    visit(tree, scopes)
    return best, best_scopes


def _loaded_names(node: ast.stmt, start: int, end: int) -> set[str]:
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and start <= n.lineno <= end
    }


def _assignments(scope: ast.AST) -> list[tuple[ast.stmt, set[str]]]:
    """Assignments in `scope` (not in nested functions) and the names they bind."""
    found: list[tuple[ast.stmt, set[str]]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            targets: list[ast.expr] = []
            if isinstance(child, ast.Assign):
                targets = child.targets
            elif isinstance(child, (ast.AugAssign, ast.AnnAssign)):
                targets = [child.target]
            if targets:
                names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                found.append((child, names))
            visit(child)

    visit(scope)
    return found


def acceptable_lines(tree: ast.Module, line: int, code: str) -> frozenset[int]:
    statement, scopes = _statement_at(tree, line)
    if statement is None:
        return frozenset({line})
    start, end = _span(statement)
    lines = set(range(start, end + 1))
    if code == "SQA301":  # plus the local statements that built the string
        scope = scopes[-1]
        assignments = _assignments(scope)
        pending = _loaded_names(statement, start, end)
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            seen.add(name)
            for stmt, names in assignments:
                if name in names and stmt.lineno < start:
                    s, e = _span(stmt)
                    lines.update(range(s, e + 1))
                    pending |= _loaded_names(stmt, s, e) - seen
    return frozenset(lines)


# ---------------------------------------------------------------- tools


@dataclass(frozen=True)
class Found:
    tool: str
    project: str
    path: str
    start: int
    end: int
    rule: str  # the tool's own rule id
    family: str | None  # our rule it is compared with


def _locate(projects: Sequence[Project], filename: str) -> tuple[Project, str] | None:
    path = Path(filename)
    if not path.is_absolute():
        path = REPO / path
    path = path.resolve()
    for project in projects:
        try:
            return project, path.relative_to(project.root.resolve()).as_posix()
        except ValueError:
            continue
    return None


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO)


def run_ours(projects: Sequence[Project]) -> list[Found]:
    found: list[Found] = []
    for project in projects:  # each project as a whole, as tests/expectations.py does
        argv = [sys.executable, "-m", "sqlalchemy_lint", "check", "--exit-zero"]
        result = _run([*argv, "--format", "json", str(project.root)])
        if result.returncode != 0:
            raise RuntimeError(f"sqlalchemy-lint failed on {project.root}: {result.stderr}")
        for d in json.loads(result.stdout or "[]"):
            where = _locate(projects, d["filename"])
            code = d["code"]
            if where is None:
                continue
            family = code if code in OUR_RULES else None
            found.append(
                Found(
                    "sqlalchemy-lint",
                    where[0].name,
                    where[1],
                    d["location"]["row"],
                    d["location"]["row"],
                    code,
                    family,
                )
            )
    return found


def run_ruff(projects: Sequence[Project]) -> tuple[list[Found], str | None]:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        return [], "ruff: not installed in this virtualenv"
    tool = "ruff (flake8-bandit port)"
    argv = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json"]
    argv += ["--select", ",".join(FAMILIES[tool]), *(str(p.root) for p in projects)]
    result = _run(argv)
    found = []
    for d in json.loads(result.stdout or "[]"):
        where = _locate(projects, d["filename"])
        if where:
            found.append(
                Found(
                    tool,
                    where[0].name,
                    where[1],
                    d["location"]["row"],
                    d["end_location"]["row"],
                    d["code"],
                    FAMILIES[tool].get(d["code"]),
                )
            )
    return found, None


def run_peers(
    projects: Sequence[Project], workdir: Path
) -> tuple[list[Found], peertools.PeerSetup]:
    dirs = [str(p.root) for p in projects]
    setup = peertools.setup(dirs, workdir, with_bandit=True)
    found: list[Found] = []
    done: set[str] = set()
    for peer in setup.peers:
        kind = peer.name.split()[0]  # flake8 | semgrep | bandit: one run of each
        if kind in done:
            continue
        done.add(kind)
        peertools.forget_output(peer)
        result = _run(peer.argv, env=peertools.peer_env(peer))
        option = "--output-file" if "--output-file" in peer.argv else "--output"
        output = Path(peer.argv[peer.argv.index(option) + 1])
        if not output.is_file():
            setup.skipped.append(
                f"{peer.name}: no output (exit {result.returncode}): "
                + (result.stderr or "").strip()[-300:]
            )
            continue
        text = output.read_text(encoding="utf-8", errors="replace")
        if kind == "bandit":
            tool = "bandit"
            for r in json.loads(text).get("results", []):
                where = _locate(projects, r["filename"])
                if where:
                    lines = r.get("line_range") or [r["line_number"]]
                    found.append(
                        Found(
                            tool,
                            where[0].name,
                            where[1],
                            min(lines),
                            max(lines),
                            r["test_id"],
                            FAMILIES[tool].get(r["test_id"]),
                        )
                    )
        elif kind == "semgrep":
            tool = "semgrep (local rules)"
            data = json.loads(text)
            for r in data.get("results", []):
                where = _locate(projects, r["path"])
                rule = r["check_id"].rsplit(".", 1)[-1]
                if where:
                    found.append(
                        Found(
                            tool,
                            where[0].name,
                            where[1],
                            r["start"]["line"],
                            r["end"]["line"],
                            rule,
                            FAMILIES[tool].get(rule),
                        )
                    )
            for error in data.get("errors", []):
                setup.notes.append(f"semgrep error: {str(error.get('message', error))[:200]}")
        else:
            tool = "flake8-sqlalchemy"
            for line in text.splitlines():
                match = re.match(r"(?P<file>.+?):(?P<row>\d+):\d+: (?P<code>\S+)", line)
                if match:
                    where = _locate(projects, match["file"])
                    if where:
                        row = int(match["row"])
                        found.append(
                            Found(tool, where[0].name, where[1], row, row, match["code"], None)
                        )
    return found, setup


# ---------------------------------------------------------------- scoring


@dataclass
class Row:
    tool: str
    family: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    dup: int = 0
    bonus: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def score_tool(
    tool: str, families: Iterable[str], projects: Sequence[Project], found: Sequence[Found]
) -> list[Row]:
    rows = []
    by_name = {p.name: p for p in projects}
    for family in families:
        row = Row(tool, family)
        markers = [m for p in projects for m in p.markers if m.code == family]
        matched: set[Marker] = set()
        mine = sorted(
            (f for f in found if f.tool == tool and f.family == family),
            key=lambda f: (f.project, f.path, f.start),
        )
        for f in mine:
            project = by_name[f.project]
            hits = [
                m
                for m in markers
                if m.project == f.project
                and m.path == f.path
                and not project.spans[(m.path, m.line, m.code)].isdisjoint(
                    range(f.start, f.end + 1)
                )
            ]
            expected = [m for m in hits if not m.bonus]
            # prefer the marker whose own line the finding is on, then the nearest one
            expected.sort(
                key=lambda m: (
                    m in matched,
                    not (f.start <= m.line <= f.end),
                    abs(m.line - f.start),
                )
            )
            if expected and expected[0] not in matched:
                matched.add(expected[0])
                row.tp += 1
            elif expected:
                row.dup += 1
            elif hits:
                row.bonus += 1
            else:
                row.fp += 1
                row.false_positives.append(f"{f.project}/{f.path}:{f.start} {f.rule}")
        for m in markers:
            if not m.bonus and m not in matched:
                row.fn += 1
                row.false_negatives.append(f"{m.project}/{m.path}:{m.line} {m.code}")
        rows.append(row)
    return rows


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(rows: Sequence[Row]) -> str:
    head = (
        f"{'tool':<27} {'rule family':<13} {'TP':>4} {'FP':>4} {'FN':>4} {'dup':>4} "
        f"{'bonus':>5} {'precision':>9} {'recall':>7}"
    )
    out = [head, "-" * len(head)]
    for r in rows:
        out.append(
            f"{r.tool:<27} {r.family:<13} {r.tp:>4} {r.fp:>4} {r.fn:>4} {r.dup:>4} {r.bonus:>5} "
            f"{_ratio(r.precision):>9} {_ratio(r.recall):>7}"
        )
    return "\n".join(out)


def _total(tool: str, rows: Sequence[Row], family: str) -> Row:
    total = Row(tool, family)
    for r in rows:
        total.tp += r.tp
        total.fp += r.fp
        total.fn += r.fn
        total.dup += r.dup
        total.bonus += r.bonus
    return total


def evaluate(
    label: str, projects: Sequence[Project], found: Sequence[Found], details: bool
) -> dict:
    rows: list[Row] = []
    ours = score_tool("sqlalchemy-lint", OUR_RULES, projects, found)
    rows += ours
    rows.append(_total("sqlalchemy-lint", ours, "all six"))
    # like for like with Bandit/Ruff, which only have counterparts of these two
    rows.append(
        _total(
            "sqlalchemy-lint",
            [r for r in ours if r.family in ("SQA301", "SQA302")],
            "SQA301+SQA302",
        )
    )
    for tool, mapping in FAMILIES.items():
        families = sorted(set(mapping.values()))
        if families:
            rows += score_tool(tool, families, projects, found)
            if len(families) > 1:
                rows.append(_total(tool, rows[-len(families) :], "+".join(families)))
    expected = Counter(m.code for p in projects for m in p.markers if not m.bonus)
    bonus_lines = {(m.project, m.path, m.line) for p in projects for m in p.markers if m.bonus}
    print(
        f"\n== {label}: {len(projects)} projects, "
        f"{sum(len(p.files) for p in projects)} files, expected findings "
        + ", ".join(f"{c} {expected[c]}" for c in OUR_RULES)
        + f"; bonus lines {len(bonus_lines)}"
    )
    print(table(rows))
    unmapped = Counter(
        (f.tool, f.rule) for f in found if f.family is None and f.tool != "sqlalchemy-lint"
    )
    if unmapped:
        print(
            "unmapped peer findings (no sqlalchemy-lint counterpart, not scored): "
            + ", ".join(f"{t} {r} x{n}" for (t, r), n in sorted(unmapped.items()))
        )
    for tool in FAMILIES:
        if not FAMILIES[tool]:
            print(
                f"{tool}: no rule comparable to SQA105/SQA2xx/SQA3xx "
                f"({sum(1 for f in found if f.tool == tool)} findings, all unmapped)"
            )
    if details:
        for r in rows:
            for item in r.false_positives:
                print(f"  FP  {r.tool:<26} {r.family}  {item}")
            for item in r.false_negatives:
                print(f"  FN  {r.tool:<26} {r.family}  {item}")
    return {
        "label": label,
        "rows": [{**asdict(r), "precision": r.precision, "recall": r.recall} for r in rows],
    }


def projects_under(root: Path, prefix: str) -> list[Project]:
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    return [load_project(f"{prefix}/{d.name}", d) for d in dirs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--with-corpus", action="store_true", help="also score tests/corpus")
    parser.add_argument("--details", action="store_true", help="list every FP and FN line")
    parser.add_argument("--json", type=Path, help="write the tables as JSON")
    args = parser.parse_args(argv)

    corpora = [("tests/heldout (independent markers)", projects_under(HELDOUT, "heldout"))]
    if args.with_corpus:
        corpora.append(
            ("tests/corpus (markers partly by the rules' author)", projects_under(CORPUS, "corpus"))
        )
    every = [p for _, projects in corpora for p in projects]

    with tempfile.TemporaryDirectory(prefix="peer-precision-") as tmp:
        found = run_ours(every)
        ruff_found, ruff_skip = run_ruff(every)
        peer_found, setup = run_peers(every, Path(tmp))
    found += ruff_found + peer_found

    print("versions: " + "; ".join(f"{k}: {v}" for k, v in setup.versions.items()))
    for note in setup.notes:
        print("note:", note)
    print(
        "note: semgrep's registry (r/python.sqlalchemy, p/...) is unreachable offline, so these "
        "semgrep rows measure the local stand-in rules, not the registry pack."
    )
    for skipped in [*setup.skipped, *([ruff_skip] if ruff_skip else [])]:
        print("skipped:", skipped)
    print()
    print(MATCHING)

    report = [
        evaluate(
            label,
            projects,
            [f for f in found if f.project in {p.name for p in projects}],
            args.details,
        )
        for label, projects in corpora
    ]
    if args.json:
        args.json.write_text(json.dumps({"versions": setup.versions, "corpora": report}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
