"""Open built .vsix packages and check that each carries what its platform needs.

    python scripts/inspect_packages.py dist/packages/*.vsix

For a platform package (`linux-x64`, `win32-arm64`, ...): the VSIX manifest names
that target; the bundle manifest (`dist/python/manifest.json`) names it too; every
CPython version it claims has its module path in the package; and every native
module matches the platform (`.pyd` on Windows, `darwin` on macOS, `musl` on
Alpine, `linux-gnu` on Linux), the architecture, and the CPython version of the
folder it sits in; every wheel unpacked into it was built for the platform (its
`WHEEL` tags: `musllinux_*_x86_64` for alpine-x64, `win_arm64`, ...). For the universal package: no target, no native code, and a
bundle manifest that says "universal" (the client then runs the sqlalchemy-lint
installed in the user's interpreter). Prints one line per package; exits 1 when
any is wrong.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath

BUNDLE = "extension/dist/python/"
NATIVE = re.compile(r"\.(so|pyd|dylib)$")
# A native module built for one CPython: native.cpython-311-x86_64-linux-gnu.so, _x.cp311-win_amd64.pyd
VERSIONED = re.compile(
    r"\.(?:cpython-(3)(\d+)[a-z]*-(?P<tail>[^/]*)\.so|cp(3)(\d+)-(?P<wtail>[^/.]*)\.pyd)$"
)

# Per target (from scripts/targets.json, the one list every packaging script reads): the wheel
# platform tags its bundle may hold besides pure-Python `any`, and what its native modules name
# (macOS module suffixes do not name the architecture, so darwin targets list no machines).
_LIST = Path(__file__).resolve().parent / "targets.json"
_TARGETS = json.loads(_LIST.read_text(encoding="utf-8"))["targets"]
WHEEL_PLATFORMS = {target: re.compile(info["wheel_tag"]) for target, info in _TARGETS.items()}
PLATFORMS = {t: (i["native_system"], tuple(i["native_machines"])) for t, i in _TARGETS.items()}
_TARGET_PLATFORM = re.compile(r'TargetPlatform="([^"]+)"')


def problems_of(path: str) -> tuple[str, list[str]]:
    """(the package's target, what is wrong with it)."""
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        vsix = package.read("extension.vsixmanifest").decode("utf-8")
        wheel_tags = {
            name: [
                line.partition(":")[2].strip()
                for line in package.read(name).decode("utf-8").splitlines()
                if line.startswith("Tag:")
            ]
            for name in names
            if name.endswith(".dist-info/WHEEL")
        }
        try:
            bundle = json.loads(package.read(BUNDLE + "manifest.json"))
        except KeyError:
            return "?", [f"{path}: no {BUNDLE}manifest.json"]
    declared = _TARGET_PLATFORM.search(vsix)
    target = bundle.get("target", "?")
    natives = [n for n in names if NATIVE.search(n)]
    wrong: list[str] = []
    if target == "universal":
        if declared is not None:
            wrong.append(f"a universal package declares TargetPlatform {declared.group(1)}")
        if bundle.get("pythons"):
            wrong.append("a universal package claims bundled Pythons")
        wrong += [f"native code in a universal package: {n}" for n in natives]
        return target, wrong
    if declared is None or declared.group(1) != target:
        wrong.append(
            f"the VSIX targets {declared.group(1) if declared else 'no platform'}, the bundle {target}"
        )
    platform = PLATFORMS.get(target)
    if platform is None:
        return target, [*wrong, f"unknown target {target}"]
    system, machines = platform
    for name, tags in wheel_tags.items():
        for tag in tags:
            wheel_platform = tag.rsplit("-", 1)[-1]
            if wheel_platform != "any" and not WHEEL_PLATFORMS[target].fullmatch(wheel_platform):
                wrong.append(f"a wheel for {wheel_platform}: {name}")
    for version, entry in bundle.get("pythons", {}).items():
        for folder in entry["path"]:
            if not any(n.startswith(BUNDLE + folder + "/") for n in names):
                wrong.append(f"Python {version}: {folder} is not in the package")
    for name in natives:
        match = VERSIONED.search(name)
        if match is None:
            continue  # abi3 or unversioned: any CPython of the platform
        major, minor = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(5))
        )
        tail = (match.group("tail") or match.group("wtail") or "").lower()
        if system == "win":
            if not name.endswith(".pyd"):
                wrong.append(f"not a Windows module: {name}")
        elif system not in tail and not (system == "linux-musl" and int(minor) < 11):
            # (Before 3.11 CPython named its extensions `linux-gnu` on musl too; the wheel
            # tags above tell musl from glibc.)
            wrong.append(f"not built for {system}: {name}")
        if machines and not any(m in tail for m in machines):
            wrong.append(f"not built for {'/'.join(machines)}: {name}")
        version = f"{major}.{minor}"
        folders = bundle.get("pythons", {}).get(version, {}).get("path", [])
        inside = any(PurePosixPath(name).is_relative_to(BUNDLE + f) for f in folders)
        if not inside:
            wrong.append(f"a CPython {version} module outside that version's path: {name}")
    return target, wrong


def main(paths: list[str]) -> int:
    failed = False
    for path in paths:
        target, wrong = problems_of(path)
        if wrong:
            failed = True
            print(f"{path} ({target}): {len(wrong)} problem(s)")
            for line in wrong[:20]:
                print(f"  - {line}")
        else:
            print(f"{path} ({target}): ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
