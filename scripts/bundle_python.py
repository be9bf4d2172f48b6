#!/usr/bin/env python3
"""Bundle the language server and its dependencies for one VS Code platform target.

The extension never installs anything at run time. Instead the .vsix carries, under
``dist/python/``:

* ``tool/sqlalchemy_lint``: the server package, copied from ``server/``;
* ``libs/common``: the dependencies for every supported CPython version at once. Pure-Python
  files are identical across versions; native extension modules (libcst, PyYAML) carry the
  version in their file name (``native.cpython-311-x86_64-linux-gnu.so``), so the builds for
  3.9 to 3.14 sit side by side and each interpreter imports its own;
* ``libs/cp3X``: only what cannot be shared (a package needed by some versions only, such as
  ``exceptiongroup`` before 3.11, or one whose files differ between versions);
* ``manifest.json``: the target, and per Python version the module search path to use and the
  extension-module suffix the interpreter must have. The client reads it to pick ``PYTHONPATH``.

Wheels come from PyPI (``pip download --only-binary :all: --platform ... --python-version ...``)
at the versions pinned in ``scripts/bundle-requirements.txt``. pip evaluates environment markers
against the interpreter running it, not the target, so this script evaluates them itself and
then checks that the pinned set satisfies ``pyproject.toml`` and every bundled package's own
requirements for each target version. Finally each bundle is imported by a real interpreter of
that version when one is on this machine.
"""

from __future__ import annotations

import argparse
import filecmp
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, NoReturn, Optional

try:  # pip vendors packaging, so a bare interpreter with pip is enough.
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
except ImportError:  # pragma: no cover - depends on the machine
    from pip._vendor.packaging.markers import Marker  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import (  # type: ignore[no-redef]
        canonicalize_name,
        parse_wheel_filename,
    )

try:
    import tomllib
except ImportError:  # Python < 3.11
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SERVER_PACKAGE = "sqlalchemy_lint"

# VS Code platform target -> pip --platform tags and marker values (sys_platform, machine),
# from the one list of targets every packaging script reads.
TARGET_LIST = ROOT / "scripts" / "targets.json"
TARGET_INFO = json.loads(TARGET_LIST.read_text(encoding="utf-8"))
TARGETS: Dict[str, dict] = TARGET_INFO["targets"]
# The CPython versions a target's bundle serves, unless --pythons says otherwise.
DEFAULT_PYTHONS = tuple(TARGET_INFO["pythons"])

# A native module built for one CPython version: native.cpython-311-x86_64-linux-gnu.so,
# _yaml.cp311-win_amd64.pyd. abi3 modules are version independent and are not matched.
VERSIONED_NATIVE = re.compile(r"\.(cpython-3\d+[a-z]*|cp3\d+)[-.][^/]*\.(so|pyd)$")
# Directories left out of the bundle: byte code and the test suites that some packages ship.
DROPPED_DIRS = {"__pycache__"}
TRIMMED_TEST_DIRS = {"libcst": ("tests",)}


def log(message: str) -> None:
    print(f"[bundle-python] {message}", flush=True)


def fail(message: str) -> NoReturn:
    print(f"[bundle-python] error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def tag(version: str) -> str:
    return "cp" + version.replace(".", "")


def host_target() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    if arch is None or system is None:
        fail(f"cannot tell the VS Code target of this machine ({sys.platform}, {machine}); pass --target")
    return f"{system}-{arch}"


def marker_environment(target: str, version: str) -> Dict[str, str]:
    info = TARGETS[target]
    system = {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[info["sys_platform"]]
    return {
        "python_version": version,
        "python_full_version": f"{version}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{version}.0",
        "platform_python_implementation": "CPython",
        "sys_platform": info["sys_platform"],
        "platform_system": system,
        "platform_machine": info["machine"],
        "os_name": "nt" if info["sys_platform"] == "win32" else "posix",
        "platform_release": "",
        "platform_version": "",
        "extra": "",
    }


def applies(requirement: Requirement, env: Dict[str, str]) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(env)


def read_pins(path: Path) -> List[Requirement]:
    pins = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==":
            fail(f"{path.name}: pin every package with ==, got {line!r}")
        pins.append(requirement)
    return pins


def pinned_version(requirement: Requirement) -> str:
    return next(iter(requirement.specifier)).version


def download(pins: List[Requirement], target: str, version: str, cache: Path) -> List[Path]:
    """Fetch the wheels of `pins` for one target and Python version; return their paths."""
    folder = cache / target / tag(version)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(f"{pin.name}=={pinned_version(pin)}" for pin in pins) + "\n")
        requirements_file = handle.name
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary", ":all:", "--implementation", "cp",
        "--python-version", version, "--dest", str(folder), "-r", requirements_file,
    ]
    for platform_tag in TARGETS[target]["pip_platforms"]:
        command += ["--platform", platform_tag]
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finally:
        os.unlink(requirements_file)
    if result.returncode != 0:
        fail(f"pip download for Python {version} ({target}) failed:\n{result.stdout}")

    wheels = []
    for pin in pins:
        wanted = canonicalize_name(pin.name)
        matches = []
        for wheel in sorted(folder.glob("*.whl")):
            name, wheel_version, _build, _tags = parse_wheel_filename(wheel.name)
            if name == wanted and str(wheel_version) == pinned_version(pin):
                matches.append(wheel)
        if not matches:
            fail(f"no wheel of {pin} for Python {version} on {target}")
        wheels.append(matches[-1])
    return wheels


def unpack(wheel: Path, destination: Path) -> None:
    """Install a wheel the way pip --target would for import purposes: unzip, lift .data libs."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(destination)
    for data_dir in destination.glob("*.data"):
        for scheme in ("purelib", "platlib"):
            source = data_dir / scheme
            if source.is_dir():
                for entry in source.iterdir():
                    shutil.move(str(entry), str(destination / entry.name))
        shutil.rmtree(data_dir)


def trim(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and path.name in DROPPED_DIRS:
            shutil.rmtree(path)
    for package, names in TRIMMED_TEST_DIRS.items():
        for name in names:
            for path in sorted((folder / package).rglob(name), reverse=True):
                if path.is_dir():
                    shutil.rmtree(path)


def installed_distributions(folder: Path) -> Dict[str, dict]:
    """Name -> {version, requires} of every *.dist-info in `folder`."""
    found = {}
    for info in folder.glob("*.dist-info"):
        name = version = None
        requires = []
        for line in (info / "METADATA").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break  # headers end at the first blank line
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key == "Version":
                version = value.strip()
            elif key == "Requires-Dist":
                requires.append(Requirement(value.strip()))
        if name is None or version is None:
            fail(f"{info} has no name or version")
        found[canonicalize_name(name)] = {"version": version, "requires": requires}
    return found


def check_complete(folder: Path, roots: Iterable[Requirement], env: Dict[str, str], label: str) -> None:
    """Fail unless the unpacked set satisfies `roots` and every member's own requirements."""
    installed = installed_distributions(folder)
    problems = []

    def check(requirement: Requirement, needed_by: str) -> None:
        if not applies(requirement, env):
            return
        found = installed.get(canonicalize_name(requirement.name))
        if found is None:
            problems.append(f"{requirement} (needed by {needed_by}) is missing")
        elif not requirement.specifier.contains(found["version"], prereleases=True):
            problems.append(f"{requirement} (needed by {needed_by}) but {found['version']} is pinned")

    for requirement in roots:
        check(requirement, "pyproject.toml")
    for name, dist in installed.items():
        for requirement in dist["requires"]:
            check(requirement, name)
    if problems:
        fail(
            f"the pins in scripts/bundle-requirements.txt do not work for {label}:\n  "
            + "\n  ".join(problems)
        )


def files_under(path: Path) -> Dict[str, Path]:
    if path.is_file():
        return {"": path}
    return {p.relative_to(path).as_posix(): p for p in path.rglob("*") if p.is_file()}


def merge_dist_info_file(name: str, contents: List[str]) -> str:
    """RECORD and WHEEL of a native wheel differ per version: keep the union of their lines."""
    lines: List[str] = []
    for text in contents:
        for line in text.splitlines():
            if line not in lines:
                lines.append(line)
    if name == "RECORD":
        lines.sort()
    return "\n".join(lines) + "\n"


def shareable(entry: str, staged: Dict[str, Path]) -> bool:
    """Whether top-level `entry` can live once in libs/common for every version."""
    if not all((folder / entry).exists() for folder in staged.values()):
        return False
    listings = [files_under(folder / entry) for folder in staged.values()]
    shared = [{k for k in listing if not VERSIONED_NATIVE.search(k)} for listing in listings]
    if any(names != shared[0] for names in shared[1:]):
        return False
    first = listings[0]
    for name in shared[0]:
        if entry.endswith(".dist-info") and name in ("RECORD", "WHEEL"):
            continue
        if not all(filecmp.cmp(first[name], other[name], shallow=False) for other in listings[1:]):
            return False
    return True


def merge(staged: Dict[str, Path], libs: Path) -> Dict[str, List[str]]:
    """Lay out libs/common and libs/cp3X; return each version's search path (relative)."""
    common = libs / "common"
    common.mkdir(parents=True)
    entries = sorted({p.name for folder in staged.values() for p in folder.iterdir()})
    own: Dict[str, bool] = {version: False for version in staged}
    for entry in entries:
        if shareable(entry, staged):
            for version, folder in staged.items():
                for name, path in files_under(folder / entry).items():
                    target = common / entry / name if name else common / entry
                    if target.exists():
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
            if entry.endswith(".dist-info"):
                for special in ("RECORD", "WHEEL"):
                    texts = [
                        (folder / entry / special).read_text(encoding="utf-8")
                        for folder in staged.values()
                        if (folder / entry / special).exists()
                    ]
                    if texts:
                        merged = merge_dist_info_file(special, texts)
                        (common / entry / special).write_text(merged, encoding="utf-8")
        else:
            for version, folder in staged.items():
                source = folder / entry
                if not source.exists():
                    continue
                destination = libs / tag(version) / entry
                destination.parent.mkdir(parents=True, exist_ok=True)
                if source.is_dir():
                    shutil.copytree(source, destination)
                else:
                    shutil.copy2(source, destination)
                own[version] = True
    return {
        version: ([f"libs/{tag(version)}"] if own[version] else []) + ["libs/common"]
        for version in staged
    }


def extension_suffix(folder: Path, version: str) -> Optional[str]:
    """The EXT_SUFFIX the bundled native modules were built for (None if all pure Python)."""
    suffixes = set()
    for path in folder.rglob("*"):
        match = VERSIONED_NATIVE.search(path.name)
        if path.is_file() and match:
            suffixes.add(path.name[path.name.index(".") :])
    if len(suffixes) > 1:
        fail(f"Python {version}: native modules disagree on their suffix: {sorted(suffixes)}")
    return suffixes.pop() if suffixes else None


def copy_server(source: Path, tool: Path, project: dict) -> None:
    if not source.is_dir():
        fail(f"{source} does not exist")
    shutil.copytree(source, tool / SERVER_PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # A dist-info lets importlib.metadata.version("sqlalchemy-lint") work in the bundle too.
    info = tool / f"{SERVER_PACKAGE}-{project['version']}.dist-info"
    info.mkdir()
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Requires-Python: {project.get('requires-python', '>=3.9')}",
    ] + [f"Requires-Dist: {dependency}" for dependency in project.get("dependencies", [])]
    (info / "METADATA").write_text("\n".join(metadata) + "\n", encoding="utf-8")
    scripts = project.get("scripts", {})
    if scripts:
        lines = ["[console_scripts]"] + [f"{name} = {value}" for name, value in scripts.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (info / "INSTALLER").write_text("sqlalchemy-lint-vscode\n", encoding="utf-8")


def local_interpreter(version: str) -> Optional[str]:
    """A CPython `version` on this machine, if any (PATH, then pyenv)."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(str(pyenv_root / "versions" / f"{version}.*" / "bin" / "python")))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out == version:
            return candidate
    return None


VERIFY_CODE = r"""
import os, sys
root = os.path.realpath(sys.argv[1])
import libcst, pygls.lsp.server, lsprotocol.types, cattrs, attrs, pathspec, yaml, typing_extensions
import importlib, pkgutil
import sqlalchemy_lint
# Every module, not just the package: a module-level annotation that this Python cannot
# evaluate (`str | None` before 3.10) only breaks when that module is imported.
for info in pkgutil.walk_packages(sqlalchemy_lint.__path__, "sqlalchemy_lint."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
module = libcst.parse_module("with engine.connect() as conn:\n    conn.execute(q)\n")
assert module.code.startswith("with engine"), module.code
for mod in (libcst, pygls, lsprotocol, cattrs, attrs, pathspec, yaml, typing_extensions, sqlalchemy_lint):
    where = getattr(mod, "__file__", None) or list(mod.__path__)[0]
    if not os.path.realpath(where).startswith(root + os.sep):
        raise SystemExit("%s was imported from %s, outside the bundle" % (mod.__name__, where))
print("Python %d.%d.%d: bundle imports and parses" % sys.version_info[:3])
"""


def verify(out: Path, manifest: dict, target: str) -> None:
    if target != host_target():
        log(f"not verifying imports: this machine is {host_target()}, the bundle is {target}")
        return
    for version, entry in manifest["pythons"].items():
        python = local_interpreter(version)
        if python is None:
            log(f"Python {version}: no interpreter on this machine, import check skipped")
            continue
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(str(out / part) for part in entry["path"])
        env["PYTHONNOUSERSITE"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with tempfile.TemporaryDirectory() as cwd:
            result = subprocess.run(
                [python, "-c", VERIFY_CODE, str(out)], cwd=cwd, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
            )
            if result.returncode != 0:
                fail(f"Python {version} ({python}) cannot use the bundle:\n{result.stdout}")
            log(result.stdout.strip())
            if (out / "tool" / SERVER_PACKAGE / "__main__.py").exists():
                result = subprocess.run(
                    [python, "-m", SERVER_PACKAGE, "server", "--help"], cwd=cwd, env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
                )
                if result.returncode != 0:
                    fail(f"`python{version} -m {SERVER_PACKAGE} server --help` failed:\n{result.stdout}")
            else:
                log(f"{SERVER_PACKAGE}/__main__.py does not exist yet: server start not checked")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(TARGETS), help="VS Code platform target (default: this machine)")
    parser.add_argument("--pythons", help="comma-separated CPython versions (default: the target's)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "python")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "python-wheels", help="wheel download folder, reused between runs")
    parser.add_argument("--pins", type=Path, default=ROOT / "scripts" / "bundle-requirements.txt")
    parser.add_argument("--server", type=Path, default=ROOT / "server" / SERVER_PACKAGE)
    parser.add_argument("--no-verify", action="store_true", help="skip the import check with local interpreters")
    args = parser.parse_args(argv)

    target = args.target or host_target()
    if target not in TARGETS:
        fail(f"{target} is not a target of scripts/targets.json; pass --target")
    default = ",".join(TARGETS[target].get("pythons", DEFAULT_PYTHONS))
    versions = [v.strip() for v in (args.pythons or default).split(",") if v.strip()]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    roots = [Requirement(text) for text in project.get("dependencies", [])]
    pins = read_pins(args.pins)
    log(f"target {target}, CPython {', '.join(versions)}, server {project['name']} {project['version']}")

    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    staging_root = Path(tempfile.mkdtemp(prefix="sqlalchemy-lint-bundle-"))
    try:
        staged: Dict[str, Path] = {}
        suffixes: Dict[str, Optional[str]] = {}
        for version in versions:
            env = marker_environment(target, version)
            wanted = [pin for pin in pins if applies(pin, env)]
            folder = staging_root / tag(version)
            folder.mkdir()
            for wheel in download(wanted, target, version, args.cache):
                unpack(wheel, folder)
            check_complete(folder, roots, env, f"Python {version} on {target}")
            trim(folder)
            suffixes[version] = extension_suffix(folder, version)
            staged[version] = folder
            log(f"Python {version}: {', '.join(f'{p.name}=={pinned_version(p)}' for p in wanted)}")
        paths = merge(staged, out / "libs")
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)

    copy_server(args.server, out / "tool", project)
    manifest = {
        "format": 1,
        "target": target,
        "server": {"name": project["name"], "version": project["version"], "module": SERVER_PACKAGE},
        "pythons": {
            version: {"path": ["tool"] + paths[version], "extSuffix": suffixes[version]}
            for version in versions
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({size / 1e6:.1f} MB unpacked)")

    if not args.no_verify:
        verify(out, manifest, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
