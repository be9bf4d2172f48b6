"""What the linter must never do, and how it fails when it does fail.

- It never imports or executes the code it checks (CLI, fixes, language server).
- It reads only files within the project/workspace and follows no symlink out of it.
- Checking a tree of 10,000 files does not hold them all in memory: the peak
  resident memory of `sqlalchemy-lint check` (all its processes) for 10,000 files
  stays within a small factor of that for 1,000 files.
- An unexpected exception in one rule is logged with the file and the rule's
  code and name, that rule's findings are dropped, and every other rule still
  reports (in-process, through the CLI, and through the language server).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from reliability.lsp import Buffer, Published, server_alive
from reliability.measure import HAS_PROC, run_measuring_tree
from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules import Rule, all_rules, rule_by_code
from sqlalchemy_lint.semantic import ProjectIndex
from sqlalchemy_lint.semantic.project import _read_from_disk

ROOT = Path(__file__).resolve().parent.parent

# -- never importing or executing the checked code ----------------------------------------------

SIDE_EFFECT = """\
import pathlib
pathlib.Path({marker!r}).write_text("{name} was imported")
"""

ROUTES = """\
from database import SessionLocal, engine
import database
from . import helpers
from .helpers import *
import package.sub

def handler():
    db = SessionLocal()
    return db.execute("select 1")

def leak():
    conn = engine.connect()
    conn.execute("select 1")

if __name__ == "__main__":
    handler()
"""


@pytest.fixture
def booby_trapped(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A project whose every module writes a marker file when imported or run."""
    project = tmp_path / "project"
    marker = tmp_path / "IMPORTED"
    (project / "package").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'trap'\n")
    modules = {
        "database.py": "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        "engine = create_engine('sqlite://')\n"
        "SessionLocal = sessionmaker(bind=engine)\n",
        "helpers.py": "",
        "__init__.py": "",
        "conftest.py": "",
        "setup.py": "",
        "package/__init__.py": "",
        "package/sub.py": "",
    }
    for name, text in modules.items():
        (project / name).write_text(SIDE_EFFECT.format(marker=str(marker), name=name) + text)
    (project / "routes.py").write_text(
        SIDE_EFFECT.format(marker=str(marker), name="routes.py") + ROUTES
    )
    yield project, marker
    assert not marker.exists(), marker.read_text()


def test_checking_never_imports_the_checked_code(booby_trapped: tuple[Path, Path]) -> None:
    project, marker = booby_trapped
    source = (project / "routes.py").read_text()
    check_source("x = 1\n")  # import what the checker imports lazily, before the snapshot
    fix_source("x = 1\n")
    b"x = 1\n".decode("utf-8-sig")  # the codec reading files loads (stdlib, not the project)
    modules_before = set(sys.modules)
    path_before = list(sys.path)
    result = check_source(source, project / "routes.py", project=ProjectIndex())
    codes = sorted(d.code for d in result.diagnostics)
    assert "SQA102" in codes, "the session factory was learnt by reading database.py"
    assert "SQA101" in codes
    fix_source(source, project / "routes.py", project=ProjectIndex(), unsafe=True)
    for path in sorted(project.rglob("*.py")):
        check_source(path.read_text(), path, project=ProjectIndex())
    assert not marker.exists()
    assert set(sys.modules) - modules_before == set()
    assert sys.path == path_before


def test_the_cli_never_imports_the_checked_code(booby_trapped: tuple[Path, Path]) -> None:
    project, marker = booby_trapped
    for extra in ([], ["--fix", "--unsafe-fixes"], ["--format", "json"], ["--jobs", "2"]):
        done = subprocess.run(
            [sys.executable, "-m", "sqlalchemy_lint", "check", *extra, str(project)],
            cwd=project,  # `python -m` puts the current directory first on sys.path
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        assert not marker.exists(), extra


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "sqlalchemy_lint", "server"])
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"settings": {"debounceMs": 20, "unsafeFixes": True}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_the_server_never_imports_the_checked_code(
    client: LanguageClient, booby_trapped: tuple[Path, Path]
) -> None:
    project, marker = booby_trapped
    published = Published(client)
    path = project / "routes.py"
    buffer = Buffer.open(client, path, path.read_text(), write=False)
    diagnostics = await published.wait(buffer.uri, 1, settle=0.5)
    assert "SQA102" in {d.code for d in diagnostics}
    await asyncio.gather(
        buffer.hover(types.Position(line=9, character=10)),
        buffer.code_actions(
            types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            only=["source.fixAll"],
        ),
    )
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=buffer.uri))
    )
    await asyncio.sleep(0.5)
    assert not marker.exists()


# -- reading only inside the workspace -------------------------------------------------------------

OUTSIDE_DATABASE = "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
INSIDE_ROUTES = (
    "from sqlalchemy import text\nfrom {module} import SessionLocal\n\n"
    "def handler():\n    db = SessionLocal()\n    db.execute(text('x'))\n"
)


class RecordingReader:
    """Stands in for ProjectIndex's file reader and remembers every path it was asked for."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def __call__(self, path: Path) -> str | None:
        self.paths.append(path)
        return _read_from_disk(path)


def _workspace_with_symlink(tmp_path: Path, kind: str) -> tuple[Path, Path, str]:
    """(workspace, outside directory, module name) with `kind` symlinked out of the workspace."""
    workspace, outside = tmp_path / "workspace", tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (workspace / "pyproject.toml").write_text("[project]\nname = 'ws'\n")
    if kind == "file":
        (outside / "database.py").write_text(OUTSIDE_DATABASE)
        (workspace / "database.py").symlink_to(outside / "database.py")
        module = "database"
    else:
        (outside / "shared").mkdir()
        (outside / "shared" / "__init__.py").write_text("")
        (outside / "shared" / "database.py").write_text(OUTSIDE_DATABASE)
        (workspace / "shared").symlink_to(outside / "shared", target_is_directory=True)
        module = "shared.database"
    (workspace / "routes.py").write_text(INSIDE_ROUTES.format(module=module))
    return workspace, outside, module


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_imports_do_not_follow_symlinks_out_of_the_workspace(tmp_path: Path, kind: str) -> None:
    workspace, _outside, _ = _workspace_with_symlink(tmp_path, kind)
    reader = RecordingReader()
    routes = workspace / "routes.py"
    result = check_source(routes.read_text(), routes, project=ProjectIndex(read_source=reader))
    read_outside = [p for p in reader.paths if not p.resolve().is_relative_to(workspace)]
    assert read_outside == []
    assert [d.code for d in result.diagnostics] == []


def test_imports_inside_the_workspace_are_followed(tmp_path: Path) -> None:
    """The control for the test above: the same module, really inside, is read."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text("[project]\nname = 'ws'\n")
    (workspace / "database.py").write_text(OUTSIDE_DATABASE)
    (workspace / "routes.py").write_text(INSIDE_ROUTES.format(module="database"))
    reader = RecordingReader()
    routes = workspace / "routes.py"
    result = check_source(routes.read_text(), routes, project=ProjectIndex(read_source=reader))
    assert [d.code for d in result.diagnostics] == ["SQA102"]
    assert all(p.resolve().is_relative_to(workspace) for p in reader.paths)


async def test_the_server_does_not_follow_symlinks_out_of_the_workspace(
    client: LanguageClient, tmp_path: Path
) -> None:
    workspace, _, _ = _workspace_with_symlink(tmp_path, "file")
    published = Published(client)
    routes = workspace / "routes.py"
    buffer = Buffer.open(client, routes, routes.read_text(), write=False)
    diagnostics = await published.wait(buffer.uri, 1, settle=0.5)
    assert server_alive(client)
    assert [d.code for d in diagnostics] == []


def test_the_cli_does_not_walk_into_symlinked_directories(tmp_path: Path) -> None:
    workspace, outside, _ = _workspace_with_symlink(tmp_path, "directory")
    (outside / "shared" / "leak.py").write_text(
        "from sqlalchemy import create_engine\n"
        "def f():\n    c = create_engine('x').connect()\n    c.execute('x')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--format", "concise", str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "leak.py" not in done.stdout + done.stderr


# -- 10,000 files ---------------------------------------------------------------------------------

PADDING = "".join(f"# padding line {k:03d} " + "x" * 60 + "\n" for k in range(80))
CLEAN_FILE = (
    "from sqlalchemy import create_engine, text\n\nengine = create_engine('sqlite://')\n"
    + PADDING
    + "\n\ndef f{i}():\n    with engine.connect() as conn:\n"
    "        return conn.execute(text('select {i}')).all()\n"
)
LEAKING_FILE = CLEAN_FILE.replace(
    "    with engine.connect() as conn:\n        return",
    "    conn = engine.connect()\n    return",
)


def _tree(root: Path, files: int) -> Path:
    """`files` modules of ~8 KB, one in ten with a finding, 100 per package."""
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'many'\n")
    for i in range(files):
        package = root / f"pkg{i // 100:03d}"
        if i % 100 == 0:
            package.mkdir()
            (package / "__init__.py").write_text("")
        (package / f"m{i:05d}.py").write_text(
            (LEAKING_FILE if i % 10 == 0 else CLEAN_FILE).format(i=i)
        )
    return root


# Measured on the 2-core CI machine (default --jobs, i.e. 2 workers + the parent):
# 1,000 files: 88 MiB peak over all processes, 2 s; 10,000 files: 143 MiB, 13 s (1.6x).
# Holding every file (80 MB of text, several times that as trees) would be far above.
PEAK_RATIO_BOUND = 2.5


@pytest.mark.skipif(not HAS_PROC, reason="reads memory from /proc")
def test_ten_thousand_files_do_not_all_stay_in_memory(tmp_path: Path) -> None:
    peaks = {}
    for files in (1_000, 10_000):
        root = _tree(tmp_path / f"tree{files}", files)
        run = run_measuring_tree(
            [sys.executable, "-m", "sqlalchemy_lint", "check", "--format", "concise", str(root)],
            cwd=tmp_path,
            timeout=300,
        )
        assert run.returncode == 1, run.stderr[-2000:]
        checked = files + files // 100  # and one __init__.py per package
        assert f"Found {files // 10} problems in {checked} checked files" in run.stdout
        peaks[files] = run.peak_kib
        print(
            f"{files} files: peak RSS {run.peak_kib / 1024:.0f} MiB over up to "
            f"{run.processes} processes, {run.seconds:.1f} s"
        )
    assert peaks[10_000] <= PEAK_RATIO_BOUND * peaks[1_000], peaks


# -- crash reporting -----------------------------------------------------------------------------

TWO_RULES = textwrap.dedent(
    """\
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    engine = create_engine("sqlite://")

    def leak_connection():
        conn = engine.connect()
        conn.execute(text("select 1"))

    def leak_session():
        session = Session(engine)
        session.execute(text("select 1"))
    """
)


def _explode(self: Rule, analysis: object) -> list[object]:
    raise RuntimeError("boom: an unexpected bug in the rule")


def test_a_failing_rule_is_logged_and_dropped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    broken = rule_by_code("SQA102")
    assert broken is not None
    path = tmp_path / "two_rules.py"
    before = check_source(TWO_RULES, path)
    assert {d.code for d in before.diagnostics} >= {"SQA101", "SQA102"}
    monkeypatch.setattr(broken, "check", _explode)
    with caplog.at_level(logging.DEBUG):
        after = check_source(TWO_RULES, path)
    assert after.problem is None
    assert {d.code for d in after.diagnostics} == {d.code for d in before.diagnostics} - {"SQA102"}
    # One line for whoever reports the file; the traceback in the debug log (--verbose).
    assert after.failed_rules == [
        f"rule SQA102 ({broken.name}) failed (RuntimeError: boom: an unexpected bug in the rule)"
    ]
    (record,) = [r for r in caplog.records if r.exc_info is not None]
    assert "SQA102" in record.getMessage() and str(path) in record.getMessage()
    assert "boom" in str(record.exc_info[1])


@pytest.mark.parametrize("code", [rule.code for rule in all_rules()])
def test_any_rule_failing_leaves_the_others_reporting(
    code: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    before = check_source(TWO_RULES)
    broken = rule_by_code(code)
    assert broken is not None
    monkeypatch.setattr(broken, "check", _explode)
    with caplog.at_level(logging.ERROR):
        after = check_source(TWO_RULES)
    expected = [d for d in before.diagnostics if d.code != code]
    assert [(d.code, d.span) for d in after.diagnostics] == [(d.code, d.span) for d in expected]
    assert [f.split()[1] for f in after.failed_rules] == [code]


def test_a_failing_fix_keeps_the_diagnostic(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = rule_by_code("SQA101")
    assert broken is not None

    def explode(self: Rule, *args: object) -> None:
        raise RuntimeError("boom in fix")

    monkeypatch.setattr(broken, "fix", explode)
    with caplog.at_level(logging.ERROR):
        result = check_source(TWO_RULES)
    codes = [d.code for d in result.diagnostics]
    assert "SQA101" in codes and "SQA102" in codes
    assert all(d.fix is None for d in result.diagnostics if d.code == "SQA101")
    assert any("SQA101" in r.getMessage() for r in caplog.records)
    assert fix_source(TWO_RULES).source  # fixing the rest still works


_PATCHED_ENTRY = """\
import sys
from sqlalchemy_lint.rules import rule_by_code
def _explode(self, analysis):
    raise RuntimeError("boom: an unexpected bug in the rule")
rule_by_code("SQA102").check = _explode
from sqlalchemy_lint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_cli_reports_a_failing_rule_and_still_reports_the_others(tmp_path: Path) -> None:
    path = tmp_path / "two_rules.py"
    path.write_text(TWO_RULES)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _PATCHED_ENTRY,
            "check",
            "--jobs",
            "1",
            "--format",
            "concise",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Not a clean run: exit status 2, as for a file that could not be checked.
    assert done.returncode == 2, done.stderr
    assert "SQA101" in done.stdout and "SQA102" not in done.stdout
    assert "1 file checked without a rule that failed on it" in done.stdout
    assert "SQA102" in done.stderr and "session-not-closed" in done.stderr
    assert path.name in done.stderr and "boom" in done.stderr  # (shown relative to the cwd)


SERVER_LOG = Path(tempfile.mkdtemp(prefix="sqlalchemy-lint-safety-")) / "server.log"


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[
            sys.executable,
            "-c",
            _PATCHED_ENTRY,
            "server",
            "--log-file",
            str(SERVER_LOG),
        ]
    )
)
async def patched_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"settings": {"debounceMs": 20}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_the_server_reports_a_failing_rule_and_still_publishes_the_others(
    patched_client: LanguageClient, tmp_path: Path
) -> None:
    published = Published(patched_client)
    path = tmp_path / "two_rules.py"
    buffer = Buffer.open(patched_client, path, TWO_RULES)
    diagnostics = await published.wait(buffer.uri, 1, settle=0.5)
    assert sorted({str(d.code) for d in diagnostics}) == ["SQA101"]
    assert server_alive(patched_client)
    log = SERVER_LOG.read_text()
    assert "SQA102" in log and "session-not-closed" in log and str(path) in log
    assert "boom" in log


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "sqlalchemy_lint", "server"])
)
async def workspace_client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server whose one workspace folder is tmp_path/project/workspace."""
    workspace = tmp_path / "project" / "workspace"
    workspace.mkdir(parents=True)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
            initialization_options={"settings": {"debounceMs": 20}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_the_server_reads_no_module_above_its_workspace_folder(
    workspace_client: LanguageClient, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    workspace = project / "workspace"
    (project / "pyproject.toml").write_text("[project]\nname = 'above'\n")
    (project / "secret.py").write_text(OUTSIDE_DATABASE)
    routes = workspace / "routes.py"
    routes.write_text(INSIDE_ROUTES.format(module="secret"))
    published = Published(workspace_client)
    buffer = Buffer.open(workspace_client, routes, routes.read_text(), write=False)
    diagnostics = await published.wait(buffer.uri, 1, settle=0.5)
    assert [d.code for d in diagnostics] == []
