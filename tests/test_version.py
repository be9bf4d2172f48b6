"""One version everywhere: package, pyproject, CLI, server, changelog, extension."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from sqlalchemy_lint import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_versions_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text()
    first_entry = re.search(r"^## (\S+)", changelog, re.MULTILINE)
    assert first_entry is not None and first_entry.group(1) == __version__
    package_json = ROOT / "package.json"
    if package_json.exists():
        assert json.loads(package_json.read_text())["version"] == __version__
    from sqlalchemy_lint.lsp.server import server

    assert server.version == __version__
