"""The Python package as users get it from PyPI, pipx or uvx.

`python -m build` makes an sdist and, from it, a wheel; `twine check` accepts both;
the wheel carries every module, the knowledge base the hovers quote and the typing
marker; installed into a fresh virtual environment (not this checkout's), it checks
the sample project exactly as the checkout does and serves one LSP exchange whose
hover quotes the knowledge base. Needs the package index (the build's setuptools,
the wheel's dependencies): skipped offline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from sqlalchemy_lint import __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "server" / "sqlalchemy_lint"


def _index_reachable() -> bool:
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _index_reachable(), reason="the package index is offline")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def environment(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with nothing but the wheel and its dependencies."""
    where = tmp_path_factory.mktemp("env")
    venv.create(where, with_pip=True, clear=True)
    (wheel,) = dist.glob("*.whl")
    installed = subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return where


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist: Path) -> None:
    names = sorted(p.name for p in dist.iterdir())
    assert names == [
        f"sqlalchemy_lint-{__version__}-py3-none-any.whl",
        f"sqlalchemy_lint-{__version__}.tar.gz",
    ]
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(str(dist / n) for n in names)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_wheel_carries_every_module_the_knowledge_base_and_the_typing_marker(
    dist: Path,
) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
        metadata = archive.read(f"sqlalchemy_lint-{__version__}.dist-info/METADATA").decode()
        entry_points = archive.read(
            f"sqlalchemy_lint-{__version__}.dist-info/entry_points.txt"
        ).decode()
    expected = {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.suffix in (".py", ".md") or path.name == "py.typed"
        if "__pycache__" not in path.parts
    }
    assert expected - inside == set()
    assert any(name.startswith("sqlalchemy_lint/knowledge/concepts/") for name in expected)
    assert f"Version: {__version__}" in metadata
    assert "sqlalchemy-lint = sqlalchemy_lint.cli:main" in entry_points


def test_the_installed_wheel_checks_the_sample_project_as_the_checkout_does(
    environment: Path,
) -> None:
    command = ["check", "examples", "--no-cache"]
    installed = subprocess.run(
        [str(environment / "bin" / "sqlalchemy-lint"), *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # Nothing from this checkout on the path: the wheel's own package is run.
        env={**os.environ, "PYTHONPATH": ""},
    )
    checkout = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == checkout.returncode == 1, installed.stderr
    assert "SQA101" in installed.stdout
    assert installed.stdout == checkout.stdout
    located = subprocess.run(
        [
            str(environment / "bin" / "python"),
            "-c",
            "import sqlalchemy_lint; print(sqlalchemy_lint.__file__)",
        ],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
    )
    assert Path(located.stdout.strip()).is_relative_to(environment)


LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""


async def test_the_installed_server_answers_with_diagnostics_and_knowledge_base_hovers(
    environment: Path, tmp_path: Path
) -> None:
    config = ClientServerConfig(
        server_command=[str(environment / "bin" / "sqlalchemy-lint"), "server"],
        server_env={**os.environ, "PYTHONPATH": ""},
    )
    client = await config.start()
    try:
        await client.initialize_session(
            types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
        )
        path = tmp_path / "leak.py"
        path.write_text(LEAK)
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=LEAK
                )
            )
        )
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        assert [d.code for d in client.diagnostics[uri]] == ["SQA101"]
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=6, character=13),  # `engine` in engine.connect()
            )
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        concept = (PACKAGE / "knowledge" / "concepts" / "engine.md").read_text()
        summary = concept.split("## Summary\n", 1)[1].strip().splitlines()[0]
        assert summary[:60] in hover.contents.value
    finally:
        await client.shutdown_session()


@pytest.mark.parametrize("runner", ["uvx", "pipx"])
def test_uvx_and_pipx_run_the_wheel(dist: Path, tmp_path: Path, runner: str) -> None:
    (wheel,) = dist.glob("*.whl")
    tools = Path(sys.executable).parent
    env = {
        **os.environ,
        "PYTHONPATH": "",
        # Their caches and installs go to the test's folder, not the user's.
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_TOOL_DIR": str(tmp_path / "uv-tools"),
        "PIPX_HOME": str(tmp_path / "pipx-home"),
        "PIPX_BIN_DIR": str(tmp_path / "pipx-bin"),
    }
    if runner == "uvx":
        command = [str(tools / "uvx"), "--from", str(wheel), "sqlalchemy-lint"]
    else:
        command = [sys.executable, "-m", "pipx", "run", "--spec", str(wheel), "sqlalchemy-lint"]
    ran = subprocess.run(
        [*command, "check", "--no-cache", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert ran.returncode == 1, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert ran.stdout.strip().endswith("Found 9 problems in 5 checked files.")
