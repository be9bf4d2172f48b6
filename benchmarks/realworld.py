"""Score sqlalchemy-lint on the real-world corpus (`tests/realworld/`).

Each file in `tests/realworld/repos/` pins a public repository at a commit and
labels lines of it, judged by hand (see that folder's README). This script gets
each pinned tree, runs the checker on the repository's `paths` with the tree as
its working directory, and compares the findings with the labels, per family:

- leaks: SQA101, SQA102, SQA104, SQA105 (a leak reported as "close not
  guaranteed", or the other way round, still counts as found; a session or
  connection made at import time and never closed is SQA105's, shared-session);
- engines: SQA103;
- injection: SQA301;
- transactions: SQA106, SQA109, SQA110, labelled on real bug-fix commits (the buggy
  line in the fix's parent, the corrected one in the fix) and scored apart from
  the overall figure.

A misuse label is found when a finding of its family starts on its line; a fine
label is a false alarm when one does. It prints precision and recall per family
and overall, every miss and every false alarm, and writes every finding of the
run (labelled or not) to `benchmarks/results/realworld-findings.json`, from which
`--sample N` draws findings to judge by hand (finding-sampled precision).

Trees come from a local mirror (`--mirrors`, default `/work/.mirror`, laid out as
`<owner>+<name>/repo`, a bare git directory) or, failing that, from a clone of
github.com (network). A repository that cannot be had is skipped and named.

    python benchmarks/realworld.py                     # score with this checkout
    python benchmarks/realworld.py --lint "python -m sqlalchemy_lint" --label baseline
    python benchmarks/realworld.py --sample 40 --seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPOS = ROOT / "tests" / "realworld" / "repos"
CACHE = HERE / ".corpus" / "realworld"
RESULTS = HERE / "results"

FAMILIES = {
    "SQA101": "leaks",
    "SQA102": "leaks",
    "SQA104": "leaks",
    "SQA105": "leaks",  # a module-level session or connection: held for the process's life
    "SQA103": "engines",
    "SQA301": "injection",
    # Scored apart from "all" (a family of its own, from real bug-fix commits).
    "SQA106": "transactions",
    "SQA109": "transactions",
    "SQA107": "transactions",
    "SQA108": "transactions",
    "SQA110": "transactions",
    # Held-out set 3 judged every finding, these rules' too (also apart from "all").
    "SQA201": "migration",
    "SQA202": "migration",
    "SQA203": "migration",
    "SQA302": "credentials",
    # Held-out set 5 judged every finding, the N+1 rule's too.
    "SQA401": "orm",
}
SEPARATE = frozenset({"transactions", "migration", "credentials", "orm"})


@dataclass(frozen=True)
class Label:
    repo: str
    commit: str
    path: str
    line: int
    rule: str
    verdict: str
    why: str

    @property
    def family(self) -> str:
        return FAMILIES[self.rule]


@dataclass
class Repository:
    repo: str
    commit: str
    paths: list[str]
    labels: list[Label] = field(default_factory=list)

    @property
    def commits(self) -> list[str]:
        seen = [self.commit]
        for label in self.labels:
            if label.commit not in seen:
                seen.append(label.commit)
        return seen


def load_corpus(folder: Path = REPOS) -> list[Repository]:
    repositories = []
    for file in sorted(folder.glob("*.toml")):
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        repository = Repository(data["repo"], data["commit"], list(data.get("paths") or ["."]))
        for entry in data.get("label", []):
            repository.labels.append(
                Label(
                    repo=repository.repo,
                    commit=entry.get("commit", repository.commit),
                    path=entry["path"],
                    line=int(entry["line"]),
                    rule=entry["rule"],
                    verdict=entry["verdict"],
                    why=entry.get("why", ""),
                )
            )
        repositories.append(repository)
    return repositories


class Unavailable(RuntimeError):
    pass


def _git_dir(repo: str, mirrors: Path) -> Path:
    owner, name = repo.split("/")
    mirrored = mirrors / f"{owner}+{name}" / "repo"
    if (mirrored / ".git").is_dir():
        return mirrored / ".git"
    if mirrored.is_dir():
        return mirrored
    cloned = CACHE / "git" / f"{owner}__{name}.git"
    if cloned.is_dir():
        return cloned
    cloned.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["git", "clone", "--bare", "--quiet", f"https://github.com/{repo}.git", str(cloned)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise Unavailable(f"{repo}: no mirror and no clone ({result.stderr.strip()[:200]})")
    return cloned


def tree(repo: str, commit: str, mirrors: Path) -> Path:
    """The repository's files at `commit`, extracted once under the cache, in a folder
    named as a clone's is, after the repository (a project whose root is its package,
    `monitoring_app/__init__.py`, imports itself as `monitoring_app.db`)."""
    owner, name = repo.split("/")
    target = CACHE / "trees" / f"{owner}__{name}@{commit[:12]}"
    complete = target / ".complete"
    if _extracted(complete, commit):
        return target / name
    git_dir = _git_dir(repo, mirrors)
    # Only what the checker reads: Python files and project markers. (Snapshots may
    # lack big blobs, so `git archive` of the whole tree can fail.)
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit],
        capture_output=True,
    )
    if listing.returncode != 0:
        raise Unavailable(f"{repo}@{commit[:12]}: {listing.stderr.decode()[:200].strip()}")
    wanted: list[tuple[str, str]] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, file_name = entry.decode("utf-8", "surrogateescape").partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob" and mode != "120000" and _wanted(file_name):
            wanted.append((sha, file_name))
    batch = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha, _ in wanted).encode(),
        capture_output=True,
    )
    data = batch.stdout
    offset = 0
    # Extracted beside the target and moved into place whole: a scorer running at the
    # same time (another corpus, another copy of the checker) never reads a tree that
    # is half written, or one another process is writing again.
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    for _sha, file_name in wanted:
        header_end = data.index(b"\n", offset)
        header = data[offset:header_end].split()
        offset = header_end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        content = data[offset : offset + size]
        offset += size + 1
        destination = staging / name / file_name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    # A checkout has a .git folder, which is how the checker finds the project's root.
    (staging / name / ".git").mkdir(parents=True, exist_ok=True)
    (staging / ".complete").write_text(f"{commit} {_TREE_FORMAT}", encoding="utf-8")
    if target.exists():
        if _extracted(complete, commit):
            shutil.rmtree(staging)  # another process finished it first
            return target / name
        shutil.rmtree(target)  # an older format's tree, or an interrupted one
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not _extracted(complete, commit):
            raise
    return target / name


def _extracted(complete: Path, commit: str) -> bool:
    try:
        return complete.read_text(encoding="utf-8") == f"{commit} {_TREE_FORMAT}"
    except OSError:
        return False


# A tree extracted by an older version (of `_wanted`, or before trees were named as
# clones are) is extracted again.
_TREE_FORMAT = 4
_TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".xml", ".txt")
_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".gitignore", "Pipfile")


def _wanted(name: str) -> bool:
    """Python files, project markers, the files that declare which SQLAlchemy the
    project runs on (`requirements*.txt`, also under `requirements/`), and the Jinja
    templates views render (under a `templates/` folder), as in a checkout."""
    base = name.rsplit("/", 1)[-1]
    requirements = base.endswith(".txt") and (
        base.startswith("requirements") or "/requirements/" in f"/{name}"
    )
    template = "/templates/" in f"/{name}" and base.endswith(_TEMPLATE_SUFFIXES)
    return name.endswith(".py") or base in _MARKERS or requirements or template


def run_checker(lint: list[str], root: Path, paths: list[str]) -> tuple[list[dict[str, Any]], str]:
    existing = [p for p in paths if (root / p).exists()]
    if not existing:
        return [], "none of the paths exist"
    command = [*lint, "check", "--format", "json", "--exit-zero", *existing]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=1800)
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return [], f"no JSON (exit {result.returncode}): {result.stderr.strip()[-300:]}"
    for finding in findings:
        finding["filename"] = os.path.relpath(finding["filename"], root)
    return findings, result.stderr.strip()


def _under(path: str, paths: list[str]) -> bool:
    return any(p in (".", path) or path.startswith(p.rstrip("/") + "/") for p in paths)


@dataclass
class Score:
    found: list[Label] = field(default_factory=list)
    missed: list[Label] = field(default_factory=list)
    quiet: list[Label] = field(default_factory=list)  # fine, and nothing reported
    false_alarms: list[tuple[Label, str]] = field(default_factory=list)

    def precision(self) -> float:
        reported = len(self.found) + len(self.false_alarms)
        return len(self.found) / reported if reported else 1.0

    def recall(self) -> float:
        wanted = len(self.found) + len(self.missed)
        return len(self.found) / wanted if wanted else 1.0


def score(
    repositories: list[Repository], lint: list[str], mirrors: Path
) -> tuple[dict[str, Score], list[dict[str, Any]], list[str]]:
    scores: dict[str, Score] = defaultdict(Score)
    everything: list[dict[str, Any]] = []
    skipped: list[str] = []
    for repository in repositories:
        for commit in repository.commits:
            labels = [label for label in repository.labels if label.commit == commit]
            try:
                root = tree(repository.repo, commit, mirrors)
            except Unavailable as exc:
                skipped.append(str(exc))
                continue
            # A label at another commit (a bug fix's parent) may sit where the paths
            # did not reach then: what is labelled is checked too.
            paths = repository.paths + sorted(
                {label.path for label in labels if not _under(label.path, repository.paths)}
            )
            findings, stderr = run_checker(lint, root, paths)
            if not findings and stderr.startswith("no JSON"):
                skipped.append(f"{repository.repo}@{commit[:12]}: {stderr}")
                continue
            # A rule that failed on a file (the run goes on without its findings there)
            # is a bug to see, not a quiet gap in the scores.
            skipped.extend(
                f"{repository.repo}@{commit[:12]}: {line.strip()}"
                for line in stderr.splitlines()
                if " failed on " in line
            )
            at: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
            for finding in findings:
                finding["repo"] = repository.repo
                finding["commit"] = commit
                everything.append(finding)
                at[(finding["filename"], finding["location"]["row"])].append(finding)
            for label in labels:
                same_family = [
                    f
                    for f in at.get((label.path, label.line), [])
                    if FAMILIES.get(f["code"]) == label.family
                ]
                buckets = [scores[label.family]]
                if label.family not in SEPARATE:
                    buckets.append(scores["all"])
                for bucket in buckets:
                    if label.verdict == "misuse":
                        (bucket.found if same_family else bucket.missed).append(label)
                    elif same_family:
                        bucket.false_alarms.append((label, same_family[0]["message"]))
                    else:
                        bucket.quiet.append(label)
    return scores, everything, skipped


def print_report(scores: dict[str, Score], skipped: list[str], title: str) -> None:
    print(f"# Real-world corpus: {title}\n")
    print("| family | labels | found | missed | false alarms | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for family in (
        "leaks",
        "engines",
        "injection",
        "all",
        "transactions",
        "migration",
        "credentials",
    ):
        s = scores.get(family)
        if s is None:
            continue
        labels = len(s.found) + len(s.missed) + len(s.quiet) + len(s.false_alarms)
        print(
            f"| {family} | {labels} | {len(s.found)} | {len(s.missed)} | {len(s.false_alarms)} "
            f"| {s.precision():.3f} | {s.recall():.3f} |"
        )
    shown = [scores[f] for f in ("all", *sorted(SEPARATE)) if f in scores]
    missed = [label for s in shown for label in s.missed]
    false_alarms = [alarm for s in shown for alarm in s.false_alarms]
    if missed:
        print("\nMissed:")
        for label in missed:
            print(f"- {label.repo} {label.path}:{label.line} {label.rule} ({label.why})")
    if false_alarms:
        print("\nFalse alarms:")
        for label, message in false_alarms:
            print(f"- {label.repo} {label.path}:{label.line} {label.rule}: {message} ({label.why})")
    if skipped:
        print("\nSkipped:")
        for line in skipped:
            print(f"- {line}")


def sample(findings: list[dict[str, Any]], count: int, seed: int) -> list[dict[str, Any]]:
    scored = [f for f in findings if FAMILIES.get(f["code"], "transactions") not in SEPARATE]
    rng = random.Random(seed)
    return rng.sample(scored, min(count, len(scored)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lint", default=f"{shlex.quote(sys.executable)} -m sqlalchemy_lint")
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--label", default="this checkout", help="title of the report")
    parser.add_argument("--only", help="only repositories whose name contains this")
    parser.add_argument("--sample", type=int, default=0, help="print N random findings to judge")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=REPOS,
        help="folder of manifests to score (default: tests/realworld/repos); a new held-out set"
        " is scored from where it was written before it joins the corpus",
    )
    args = parser.parse_args(argv)
    repositories = load_corpus(args.corpus)
    if args.only:
        repositories = [r for r in repositories if args.only in r.repo]
    scores, findings, skipped = score(repositories, shlex.split(args.lint), args.mirrors)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "realworld-findings.json").write_text(json.dumps(findings, indent=1), "utf-8")
    print_report(scores, skipped, args.label)
    if args.sample:
        print(f"\n## {args.sample} findings drawn at random (seed {args.seed})\n")
        for finding in sample(findings, args.sample, args.seed):
            print(
                f"- {finding['repo']}@{finding['commit'][:12]} {finding['filename']}:"
                f"{finding['location']['row']} {finding['code']}: {finding['message']}"
            )
    return 0 if not skipped or scores else 1


if __name__ == "__main__":
    sys.exit(main())
