"""The language server's warm-up (`warmup.py`): it exercises the analysis the first
real file will need, and a failure in it never reaches the server."""

from __future__ import annotations

import pytest

from sqlalchemy_lint import warmup
from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules import all_rules
from sqlalchemy_lint.semantic import ProjectIndex


def test_the_sample_runs_the_rules_an_application_file_needs() -> None:
    result = check_source(warmup._SAMPLE, None, rules=all_rules(), project=ProjectIndex())
    assert result.problem is None
    codes = {d.code for d in result.diagnostics}
    # Leaks, writes, injection and the ORM model index are all on the way there.
    assert {"SQA101", "SQA102", "SQA106", "SQA301", "SQA401"} <= codes


def test_a_failing_warm_up_is_only_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("broken analysis")

    monkeypatch.setattr("sqlalchemy_lint.checker.check_source", broken)
    assert warmup.warm_up() >= 0.0
