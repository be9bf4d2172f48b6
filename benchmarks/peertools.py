"""The tools a user would pick instead, each in its own virtualenv under
benchmarks/.peers/ (gitignored) so the project's environment is untouched.
Installation is cached; a peer that cannot be installed is skipped with the
reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers"
SEMGREP_RULES = HERE / "peers" / "semgrep-sqlalchemy.yml"

FLAKE8_REQUIREMENTS = ("flake8==6.1.0", "flake8-sqlalchemy==0.2.0")  # the plugin wants flake8 6
SEMGREP_REQUIREMENTS = ("semgrep==1.182.0",)
BANDIT_REQUIREMENTS = ("bandit==1.9.4",)


@dataclass
class Peer:
    name: str  # row label
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""
    count_findings: str = "lines"  # how to count findings in its output: lines | semgrep | bandit


@dataclass
class PeerSetup:
    peers: list[Peer] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name: reason"
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


def _venv(name: str, requirements: Sequence[str]) -> Path:
    """A virtualenv with exactly these requirements (re-made when they change)."""
    home = PEERS / name
    stamp = home / ".requirements"
    wanted = "\n".join(requirements) + "\n"
    python = home / "bin" / "python"
    if python.exists() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return home
    print(f"installing {' '.join(requirements)} into {home} ...", file=sys.stderr)
    _run([sys.executable, "-m", "venv", "--clear", str(home)])
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirements,
        ]
    )
    stamp.write_text(wanted, encoding="utf-8")
    return home


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-8:]
        raise RuntimeError(f"`{' '.join(command)}` exited {result.returncode}: " + " | ".join(tail))
    return result.stdout


def _installed(home: Path, requirements: Sequence[str]) -> str:
    """`name version` of each requirement as installed (from its metadata: `semgrep
    --version` would wait for the network)."""
    names = [r.split("==")[0] for r in requirements]
    script = (
        "import sys, importlib.metadata as m; "
        "print(', '.join(n + ' ' + m.version(n) for n in sys.argv[1:]))"
    )
    return _run([str(home / "bin" / "python"), "-c", script, *names]).strip()


def setup(
    dirs: Sequence[str],
    output_dir: Path,
    *,
    semgrep_config: str | None = None,
    with_flake8: bool = True,
    with_semgrep: bool = True,
    with_bandit: bool = False,
) -> PeerSetup:
    found = PeerSetup()
    if with_flake8:
        try:
            home = _venv("flake8", FLAKE8_REQUIREMENTS)
            flake8 = str(home / "bin" / "flake8")
            found.versions["flake8"] = _installed(home, FLAKE8_REQUIREMENTS)
            for jobs, label in (("1", "-j 1"), ("auto", "-j auto")):
                found.peers.append(
                    Peer(
                        name=f"flake8 + flake8-sqlalchemy ({label})",
                        argv=[
                            flake8,
                            "--select",
                            "SQA",
                            "--jobs",
                            jobs,
                            "--exit-zero",
                            "--output-file",
                            str(output_dir / f"flake8-{jobs}.txt"),
                            *dirs,
                        ],
                    )
                )
        except (RuntimeError, OSError) as exc:
            found.skipped.append(f"flake8 + flake8-sqlalchemy: not installed: {exc}")
    if with_semgrep:
        try:
            home = _venv("semgrep", SEMGREP_REQUIREMENTS)
            semgrep = str(home / "bin" / "semgrep")
            found.versions["semgrep"] = _installed(home, SEMGREP_REQUIREMENTS)
            config = semgrep_config or str(SEMGREP_RULES)
            if semgrep_config is None:
                rules = SEMGREP_RULES.read_text(encoding="utf-8").count("\n  - id: ")
                found.notes.append(
                    "semgrep: the registry's SQLAlchemy rules (r/python.sqlalchemy) need the "
                    "network and the pip package ships no rules, so semgrep runs "
                    f"benchmarks/peers/{SEMGREP_RULES.name} ({rules} local rules modelled on "
                    "the registry's python.sqlalchemy.* rules)."
                )
            env = {"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
            for jobs in ("1", None):
                output = output_dir / f"semgrep-{jobs or 'default'}.json"
                argv = [
                    semgrep,
                    "scan",
                    "--config",
                    config,
                    "--metrics=off",
                    "--disable-version-check",
                    "--no-git-ignore",
                    # Semgrep's default ignore list skips test/ directories: scan every file.
                    "--x-ignore-semgrepignore-files",
                    "--json",
                    "--output",
                    str(output),
                    "--quiet",
                ]
                if jobs is not None:
                    argv += ["--jobs", jobs]
                found.peers.append(
                    Peer(
                        name=f"semgrep ({'-j 1' if jobs else 'default jobs'})",
                        argv=[*argv, *dirs],
                        env=env,
                        count_findings="semgrep",
                    )
                )
        except (RuntimeError, OSError) as exc:
            found.skipped.append(f"semgrep: not installed: {exc}")
    if with_bandit:  # opt-in: run.py's timing rows stay as they were
        try:
            home = _venv("bandit", BANDIT_REQUIREMENTS)
            found.versions["bandit"] = _installed(home, BANDIT_REQUIREMENTS)
            found.peers.append(
                Peer(
                    name="bandit",
                    argv=[
                        str(home / "bin" / "bandit"),
                        "--recursive",
                        "--format",
                        "json",
                        "--quiet",
                        "--exit-zero",
                        "--output",
                        str(output_dir / "bandit.json"),
                        *dirs,
                    ],
                    count_findings="bandit",
                )
            )
        except (RuntimeError, OSError) as exc:
            found.skipped.append(f"bandit: not installed: {exc}")
    return found


def _output(peer: Peer) -> Path:
    option = "--output-file" if "--output-file" in peer.argv else "--output"
    return Path(peer.argv[peer.argv.index(option) + 1])


def forget_output(peer: Peer) -> None:
    _output(peer).unlink(missing_ok=True)


def findings_and_files(peer: Peer) -> tuple[int | None, int | None]:
    """(findings, files scanned) from the output file a peer just wrote."""
    output = _output(peer)
    if not output.is_file():
        return None, None
    text = output.read_text(encoding="utf-8", errors="replace")
    if peer.count_findings == "semgrep":
        try:
            data = json.loads(text)
        except ValueError:
            return None, None
        return len(data.get("results", [])), len(data.get("paths", {}).get("scanned", []))
    if peer.count_findings == "bandit":
        try:
            data = json.loads(text)
        except ValueError:
            return None, None
        files = sum(1 for name in data.get("metrics", {}) if name != "_totals")
        return len(data.get("results", [])), files or None
    return sum(1 for line in text.splitlines() if line.strip()), None


def peer_env(peer: Peer) -> dict[str, str]:
    return {**os.environ, **peer.env}
