"""The persistent cache (`.sqlalchemy_lint_cache/`): module summaries and per-file
results, reused only while they are still right.

Every test runs the real command line (`cli.main`) over real files; what is
asserted is what a user sees (the report) and what is on disk.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sqlalchemy_lint import cli
from sqlalchemy_lint.catalog import RULES
from sqlalchemy_lint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent

DATABASE = """from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
"""
HELPER_FRESH = """from .database import SessionLocal


def get_session():
    return SessionLocal()
"""
HELPER_KEPT = """from flask import g

from .database import SessionLocal


def get_session():
    g.db = session = SessionLocal()
    return session
"""
VIEW = """from sqlalchemy import text

from .helpers import get_session


def count_users():
    db = get_session()
    return db.execute(text("SELECT count(*) FROM users")).scalar()
"""


def report(cwd: Path, *arguments: str, jobs: int = 1) -> list[tuple[str, int, str]]:
    """(file, line, code) of every finding of `check --format json` run in `cwd`."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        args = cli.build_parser().parse_args(
            ["check", "--format", "json", "--jobs", str(jobs), "--exit-zero", *arguments]
        )
        status = cli.run_check(args, out, err)
    finally:
        os.chdir(previous)
    assert status == 0, err.getvalue()
    return sorted(
        (Path(f["filename"]).name, f["location"]["row"], f["code"])
        for f in json.loads(out.getvalue())
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "database.py").write_text(DATABASE)
    (root / "app" / "helpers.py").write_text(HELPER_FRESH)
    (root / "app" / "views.py").write_text(VIEW)
    monkeypatch.delenv("SQLALCHEMY_LINT_CACHE_DIR")  # the default: in the project
    return root


def entries(cache: Path, namespace: str) -> list[Path]:
    return [p for p in cache.glob(f"{namespace}-*/*/*") if p.is_file()]


def test_the_cache_lives_in_the_project_and_git_ignores_it(project: Path) -> None:
    assert report(project) == [("views.py", 7, "SQA102")]
    cache = project / ".sqlalchemy_lint_cache"
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (
        (cache / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert entries(cache, "results") and entries(cache, "summaries")


def test_a_second_run_reuses_results_and_reports_the_same(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = report(project)
    # Prove the second run reads the cache: checking would now fail loudly.
    import sqlalchemy_lint.checker as checker

    def no_checking(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was checked again")

    monkeypatch.setattr(checker, "check_source", no_checking)
    assert report(project) == first


def test_editing_a_module_rechecks_the_files_that_read_it(project: Path) -> None:
    assert report(project) == [("views.py", 7, "SQA102")]
    # The helper now keeps the session on `g`: the caller borrows it, no leak.
    (project / "app" / "helpers.py").write_text(HELPER_KEPT)
    assert report(project) == []
    (project / "app" / "helpers.py").write_text(HELPER_FRESH)
    assert report(project) == [("views.py", 7, "SQA102")]


PAGES = """
from flask import render_template
from sqlalchemy.orm import DeclarativeBase, Session, relationship


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "posts"
    comments = relationship("Comment")


def index(session: Session):
    return render_template("index.html", posts=session.query(Post).all())
"""


def test_editing_a_template_rechecks_the_views_that_render_it(project: Path) -> None:
    """A view's result depends on the template it renders (SQA401 reads what its loops
    read of each object): a warm run sees the template's edit, and nothing else."""
    templates = project / "app" / "templates"
    templates.mkdir()
    (project / "app" / "pages.py").write_text(PAGES)
    (templates / "index.html").write_text("{% for p in posts %}{{ p.comments }}{% endfor %}")
    found = [("pages.py", 16, "SQA401"), ("views.py", 7, "SQA102")]
    assert report(project) == found
    (templates / "index.html").write_text("{% for p in posts %}{{ p.title }}{% endfor %}")
    assert report(project) == found[1:]
    (templates / "index.html").unlink()
    assert report(project) == found[1:]
    (templates / "index.html").write_text("{% for p in posts %}{{ p.comments }}{% endfor %}")
    assert report(project) == found


def test_a_module_that_appears_is_seen_by_the_files_that_import_it(project: Path) -> None:
    (project / "app" / "helpers.py").unlink()
    assert report(project) == []  # `get_session` is unknown: nothing to say
    (project / "app" / "helpers.py").write_text(HELPER_FRESH)
    assert report(project) == [("views.py", 7, "SQA102")]


def age(root: Path, seconds: float = 60) -> None:
    """Date every file and folder below `root` `seconds` back: older than a snapshot's
    racy window, as a project is that was not just written."""
    when = os.stat(root).st_mtime - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (when, when))


@pytest.fixture
def settled(project: Path) -> Path:
    """The project after a cold and a warm run, with everything older than the
    snapshot window (the cold run created the cache folder: a listing changed)."""
    for _ in range(2):
        age(project)
        report(project)
    return project


def test_a_run_trusts_the_previous_runs_stamps_instead_of_resolving_again(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy_lint.semantic.project import ProjectIndex

    def no_resolving(*args: object, **kwargs: object) -> None:
        raise AssertionError("an import was resolved again")

    monkeypatch.setattr(ProjectIndex, "_find_module", no_resolving)
    assert report(settled) == [("views.py", 7, "SQA102")]


def test_files_edited_since_the_last_run_are_checked_by_the_prewarmed_worker(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy_lint import runner

    sent: list[list[str]] = []
    check = runner._Prewarmed.check

    def recording(self: runner._Prewarmed, items: list[tuple[Path, bool]]) -> object:
        sent.append(sorted(path.name for path, _ in items))
        return check(self, items)

    monkeypatch.setattr(runner._Prewarmed, "check", recording)
    assert report(settled, jobs=2) == [("views.py", 7, "SQA102")]
    assert sent == []  # nothing changed: no worker was started, nothing sent
    (settled / "app" / "helpers.py").write_text(HELPER_KEPT)
    assert report(settled, jobs=2) == []
    assert sent == [["helpers.py", "views.py"]]


def test_a_prewarmed_worker_that_dies_leaves_the_files_to_the_usual_path(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from sqlalchemy_lint import runner

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the replaced worker reaches the child only through fork")

    def dying(*args: object) -> None:
        os._exit(3)

    monkeypatch.setattr(runner, "_prewarmed_worker", dying)
    (settled / "app" / "helpers.py").write_text(HELPER_KEPT)
    assert report(settled, jobs=2) == []
    (settled / "app" / "helpers.py").write_text(HELPER_FRESH)
    assert report(settled, jobs=2) == [("views.py", 7, "SQA102")]


def test_files_whose_stamp_and_settings_did_not_change_are_not_read_again(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy_lint import runner

    read: list[str] = []
    read_source = runner.read_source

    def recording(path: Path) -> object:
        read.append(Path(path).name)
        return read_source(path)

    monkeypatch.setattr(runner, "read_source", recording)
    assert report(settled) == [("views.py", 7, "SQA102")]
    assert read == ["views.py"]  # only to show its finding
    read.clear()
    # Other settings make other results: every file is read and keyed again.
    assert report(settled, "--ignore", "SQA102") == []
    assert set(read) == {"__init__.py", "database.py", "helpers.py", "views.py"}
    assert report(settled) == [("views.py", 7, "SQA102")]
    read.clear()
    # An edited file is read, and so is a file whose result depended on it.
    (settled / "app" / "helpers.py").write_text(HELPER_KEPT)
    assert report(settled) == []
    assert set(read) == {"helpers.py", "views.py"}


def test_a_file_edited_within_the_same_clock_tick_is_still_seen(settled: Path) -> None:
    # Same size, same modification time as the stamp the last run recorded: only the
    # racy window tells that it may have changed after the stamp was read.
    helpers = settled / "app" / "helpers.py"
    helpers.write_text(HELPER_FRESH)  # saved just now
    stamp = os.stat(helpers)
    edited = HELPER_FRESH.replace("return SessionLocal()", "return SessionLocal  ")
    assert len(edited) == len(HELPER_FRESH)
    assert report(settled) == [("views.py", 7, "SQA102")]  # its stamp is recorded
    helpers.write_text(edited)
    os.utime(helpers, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert report(settled) == []


ENGINES = """from sqlalchemy import create_engine


def make_engine():
    return create_engine("sqlite://")
"""
ROUTE = """from flask import Flask
from sqlalchemy import text

from .engines import make_engine

app = Flask(__name__)


@app.get("/")
def index():
    with make_engine().connect() as conn:
        return str(conn.execute(text("SELECT 1")).scalar())
"""


def test_a_new_caller_in_an_unchanged_listing_is_found(project: Path) -> None:
    """`make_engine` is fine until a request handler calls it. The result of
    engines.py, which did not change, depends on a search for its callers: that
    search is validated by reading only the files modified since the last run."""
    (project / "app" / "engines.py").write_text(ENGINES)
    for _ in range(2):
        age(project)
        assert report(project) == [("views.py", 7, "SQA102")]
    (project / "app" / "views.py").write_text(ROUTE)
    expected = [("engines.py", 5, "SQA103")]
    assert report(project, "--no-cache") == expected
    assert report(project) == expected


def test_damaged_entries_are_ignored_and_written_again(project: Path) -> None:
    expected = report(project)
    cache = project / ".sqlalchemy_lint_cache"
    damaged = entries(cache, "results") + entries(cache, "summaries") + entries(cache, "digests")
    for number, entry in enumerate(damaged):
        entry.write_bytes([b"", b"\x00garbage", entry.read_bytes()[:7]][number % 3])
    assert report(project) == expected
    assert report(project) == expected
    assert all(entry.read_bytes() not in (b"", b"\x00garbage") for entry in damaged)


def test_no_cache_writes_nothing_and_reports_the_same(project: Path) -> None:
    expected = [("views.py", 7, "SQA102")]
    assert report(project, "--no-cache") == expected
    assert not (project / ".sqlalchemy_lint_cache").exists()


def test_cache_dir_option_and_setting(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    report(project, "--cache-dir", str(elsewhere))
    assert entries(elsewhere, "results") and not (project / ".sqlalchemy_lint_cache").exists()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'app'\n\n[tool.sqlalchemy-lint]\ncache-dir = 'build/lint-cache'\n"
    )
    report(project)
    assert entries(project / "build" / "lint-cache", "results")


def test_an_unwritable_cache_is_not_an_error(project: Path) -> None:
    (project / ".sqlalchemy_lint_cache").write_text("a file where the folder should be")
    assert report(project) == [("views.py", 7, "SQA102")]


@pytest.mark.parametrize("corpus", ["tests/corpus", "tests/heldout", "examples"])
def test_results_with_and_without_the_cache_are_identical(corpus: str, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    without = report(ROOT / corpus, "--no-cache")
    cold = report(ROOT / corpus, "--cache-dir", cache)
    warm = report(ROOT / corpus, "--cache-dir", cache)
    assert without == cold == warm
    assert len(without) >= 8


def test_the_catalog_lists_every_rule() -> None:
    assert {rule.code: rule.name for rule in all_rules()} == RULES


def test_a_summary_digest_is_the_same_in_every_process() -> None:
    """Importers are checked again when a module's digest changes, so it must not
    depend on the process (string hashing is randomised per process: sets of names
    must be written in a fixed order)."""
    import subprocess
    import sys

    source = (
        "HANDLERS = {'a': load_users, 'b': load_orders, 'c': self_check, 'd': purge}\n"
        "def run(kind):\n    return getattr(Jobs, kind)()\n"
    )
    program = (
        "import sys\nfrom sqlalchemy_lint.semantic.summary import summarise_source\n"
        "print(summarise_source(sys.stdin.read()).digest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", program],
            input=source,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(1, 6)
    }
    assert len(digests) == 1, digests


def test_the_command_line_loads_no_parser_until_a_file_needs_one() -> None:
    """A re-run on an unchanged tree reads cached results only: importing the command
    line must not import libcst (a quarter of a second), which the worker that
    analyses a changed file loads when it starts."""
    probe = "import sys, sqlalchemy_lint.cli; print('libcst' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_summary_digest_ignores_code_that_only_moves() -> None:
    """Importers are checked again when a module's digest changes: an edit that only
    moves code (a comment at the top, a blank line between two calls) changes no
    digest, while one that changes what a function does changes it."""
    from sqlalchemy_lint.semantic.summary import summarise_source

    source = (
        "from sqlalchemy.orm import sessionmaker\n"
        "Session = sessionmaker()\n\n"
        "class Repo:\n"
        "    def __init__(self):\n"
        "        self.session = Session()\n\n"
        "def get_session():\n"
        "    return Session()\n\n"
        "def run():\n"
        "    for _ in range(3):\n"
        "        get_session()\n"
        "        get_session()\n"
    )
    moved = "# moved\n\n" + source.replace(
        "        get_session()\n        get_session()\n",
        "        get_session()\n\n        # again\n        get_session()\n",
    )
    changed = source.replace("    return Session()\n", "    return None\n")
    digest = summarise_source(source).digest()
    assert summarise_source(moved).digest() == digest
    assert summarise_source(changed).digest() != digest
