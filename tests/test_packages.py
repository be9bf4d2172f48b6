"""The .vsix packages: `scripts/inspect_packages.py` tells a package whose native
modules do not match its platform, and `npm run package -- --target universal`
builds the package for every other platform (no Python, no native code)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import inspect_packages  # noqa: E402

VSIX_MANIFEST = (
    '<PackageManifest><Metadata><Identity Id="sqlalchemy-lint"{target} /></Metadata>'
    "</PackageManifest>"
)
LINUX_311 = "libs/cp311/_yaml.cpython-311-x86_64-linux-gnu.so"


def _package(
    tmp_path: Path,
    target: str,
    files: list[str],
    pythons: dict[str, list[str]],
    wheels: dict[str, str] | None = None,
) -> str:
    path = tmp_path / f"{target}.vsix"
    declared = "" if target == "universal" else f' TargetPlatform="{target}"'
    bundle = {
        "format": 1,
        "target": target,
        "server": {"name": "sqlalchemy-lint", "version": "0.1.0", "module": "sqlalchemy_lint"},
        "pythons": {v: {"path": p, "extSuffix": None} for v, p in pythons.items()},
    }
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("extension.vsixmanifest", VSIX_MANIFEST.format(target=declared))
        package.writestr("extension/dist/python/manifest.json", json.dumps(bundle))
        for name in files:
            package.writestr("extension/dist/python/" + name, b"")
        for name, tag in (wheels or {}).items():
            package.writestr(
                f"extension/dist/python/{name}/WHEEL", f"Wheel-Version: 1.0\nTag: {tag}\n"
            )
    return str(path)


def test_a_package_whose_native_modules_fit_its_platform_passes(tmp_path: Path) -> None:
    windows = _package(
        tmp_path,
        "win32-x64",
        ["tool/sqlalchemy_lint/__init__.py", "libs/cp311/_yaml.cp311-win_amd64.pyd"],
        {"3.11": ["tool", "libs/cp311"]},
    )
    assert inspect_packages.problems_of(windows) == ("win32-x64", [])


@pytest.mark.parametrize(
    ("target", "module", "expected"),
    [
        ("win32-x64", LINUX_311, "not a Windows module"),
        (
            "alpine-x64",
            LINUX_311,
            "not built for linux-musl",
        ),
        (
            "linux-arm64",
            LINUX_311,
            "not built for aarch64",
        ),
        (
            "darwin-arm64",
            LINUX_311,
            "not built for darwin",
        ),
        (
            "linux-x64",
            "libs/cp311/_yaml.cpython-312-x86_64-linux-gnu.so",
            "outside that version's path",
        ),
    ],
)
def test_a_native_module_of_another_platform_or_python_is_reported(
    tmp_path: Path, target: str, module: str, expected: str
) -> None:
    package = _package(tmp_path, target, [module], {"3.11": ["libs/cp311"]})
    _, wrong = inspect_packages.problems_of(package)
    assert any(expected in line for line in wrong), wrong


MUSL_WHEEL = "libs/cp39/libcst-1.9.0.dist-info"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("cp39-cp39-musllinux_1_2_x86_64", []),
        (
            "cp39-cp39-manylinux_2_17_x86_64",
            [f"a wheel for manylinux_2_17_x86_64: extension/dist/python/{MUSL_WHEEL}/WHEEL"],
        ),
    ],
)
def test_a_wheel_of_another_platform_is_reported_by_its_tags(
    tmp_path: Path, tag: str, expected: list[str]
) -> None:
    # Before 3.11 CPython named musl extensions `linux-gnu`: the wheel's tags tell.
    module = "libs/cp39/libcst/native.cpython-39-x86_64-linux-gnu.so"
    package = _package(tmp_path, "alpine-x64", [module], {"3.9": ["libs/cp39"]}, {MUSL_WHEEL: tag})
    assert inspect_packages.problems_of(package) == ("alpine-x64", expected)


def test_a_universal_package_carries_no_native_code(tmp_path: Path) -> None:
    package = _package(tmp_path, "universal", [LINUX_311], {})
    _, wrong = inspect_packages.problems_of(package)
    assert wrong == [f"native code in a universal package: extension/dist/python/{LINUX_311}"]


@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "@vscode" / "vsce").is_dir(),
    reason="needs node and the npm dev dependencies (npm ci)",
)
def test_npm_run_package_builds_the_universal_package(tmp_path: Path) -> None:
    out = tmp_path / "sqlalchemy-lint-universal.vsix"
    bundle = ROOT / "dist" / "python" / "manifest.json"
    before = bundle.read_bytes() if bundle.is_file() else None
    subprocess.run(
        ["node", "scripts/package.mjs", "--target", "universal", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert inspect_packages.problems_of(str(out)) == ("universal", [])
    with zipfile.ZipFile(out) as package:
        names = set(package.namelist())
        assert {"extension/dist/extension.js", "extension/package.json"} <= names
        manifest = json.loads(package.read("extension/package.json"))
        assert "vscode:prepublish" not in manifest["scripts"]
    # The host's bundle, which the other tests and the e2e run use, is left as it was.
    assert (bundle.read_bytes() if bundle.is_file() else None) == before


def test_every_packaging_script_reads_the_one_list_of_targets() -> None:
    """package.mjs (`--all`, `--list`), bundle_python.py (`--target`), inspect_packages.py
    and the release workflow's matrix all come from scripts/targets.json."""
    listed = json.loads((ROOT / "scripts" / "targets.json").read_text(encoding="utf-8"))
    platforms = list(listed["targets"])
    node = shutil.which("node")
    if node is not None:
        printed = subprocess.run(
            [node, str(ROOT / "scripts" / "package.mjs"), "--list"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert json.loads(printed) == [*platforms, "universal"]
    usage = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle_python.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "{" + ",".join(sorted(platforms)) + "}" in "".join(usage.split())
    assert (
        set(inspect_packages.PLATFORMS) == set(inspect_packages.WHEEL_PLATFORMS) == set(platforms)
    )
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    package = workflow["jobs"]["package"]
    assert (
        package["strategy"]["matrix"]["target"] == "${{ fromJSON(needs.targets.outputs.targets) }}"
    )
    steps = workflow["jobs"][package["needs"]]["steps"]
    assert any("scripts/package.mjs --list" in step.get("run", "") for step in steps)


@pytest.mark.skipif(
    os.environ.get("SQLALCHEMY_LINT_ALL_PACKAGES") != "1",
    reason="builds all nine packages (minutes, wheels from PyPI): SQLALCHEMY_LINT_ALL_PACKAGES=1",
)
def test_npm_run_package_all_builds_every_package_and_each_fits_its_platform() -> None:
    subprocess.run(["node", "scripts/package.mjs", "--all"], cwd=ROOT, check=True, timeout=3600)
    listed = json.loads((ROOT / "scripts" / "targets.json").read_text(encoding="utf-8"))
    version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["version"]
    for target in [*listed["targets"], "universal"]:
        package = ROOT / "dist" / "packages" / f"sqlalchemy-lint-{target}-{version}.vsix"
        assert inspect_packages.problems_of(str(package)) == (target, [])
