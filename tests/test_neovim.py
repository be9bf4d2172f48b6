"""A real LSP editor other than VS Code: headless Neovim (Debian's package)
starts the server, shows the diagnostic, answers a hover and applies the fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "editors" / "neovim_lsp.lua"
LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""

# CI installs Neovim (scripts/test.sh); only a developer machine may lack it.
pytestmark = pytest.mark.skipif(
    shutil.which("nvim") is None and not os.environ.get("CI"),
    reason="Neovim is not installed (scripts/test.sh installs it)",
)


def test_neovim_diagnostics_hover_and_code_action(tmp_path: Path) -> None:
    source = tmp_path / "leak.py"
    source.write_text(LEAK)
    result_file = tmp_path / "result.json"
    completed = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", "NONE", "-c", f"luafile {SCRIPT}", str(source)],
        env={
            **os.environ,
            "SQLALCHEMY_LINT_PYTHON": sys.executable,
            "RESULT_FILE": str(result_file),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    results = json.loads(result_file.read_text())
    assert completed.returncode == 0, (results, completed.stderr)
    assert results["diagnostic"]["code"] == "SQA101"
    assert results["diagnostic"]["source"] == "sqlalchemy-lint"
    assert (results["diagnostic"]["lnum"], results["diagnostic"]["col"]) == (6, 11)
    assert "Engine created at line 3" in results["hover"]
    assert "Disable SQA101 for this line" in results["actions"]
    assert "with engine.connect() as conn:" in results["fixed_text"]
    assert results["cleared"] is True
