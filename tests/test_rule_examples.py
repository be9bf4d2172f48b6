"""Every rule's VALID / INVALID examples, run as tests (Fixit-style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy_lint.rules import Invalid, Rule
from sqlalchemy_lint.testing import Example, check_example, examples, position_of

CASES = list(examples())


@pytest.mark.parametrize(("rule", "example"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_example(rule: type[Rule], example: Example, tmp_path: Path) -> None:
    source, result = check_example(rule, example, tmp_path)
    assert result.problem is None
    if isinstance(example, Invalid):
        expected = position_of(source, example.at, example.occurrence)
        starts = [d.span.start for d in result.diagnostics]
        assert starts == [expected], [d.message for d in result.diagnostics]
        (diagnostic,) = result.diagnostics
        assert diagnostic.code == rule.code
        assert diagnostic.message.endswith(".") and diagnostic.message.count(". ") == 0
    else:
        assert result.diagnostics == [], [(d.line, d.message) for d in result.diagnostics]


def test_every_rule_has_examples_and_documentation() -> None:
    from sqlalchemy_lint.rules import all_rules

    codes = [rule.code for rule in all_rules()]
    assert codes == [
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
    for rule in all_rules():
        assert rule.VALID and rule.INVALID, rule.code
        doc = rule.documentation()
        for section in (
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
            "## References",
        ):
            assert section in doc, f"{rule.code} lacks {section}"


def test_generated_rule_pages_are_current() -> None:
    """docs/rules/ is generated from the docstrings; CI fails when it is stale."""
    from pathlib import Path

    from sqlalchemy_lint.docs import pages

    docs = Path(__file__).resolve().parent.parent / "docs" / "rules"
    for name, content in pages().items():
        assert (docs / name).read_text(encoding="utf-8") == content, (
            f"docs/rules/{name} is stale: run `python -m sqlalchemy_lint.docs`"
        )
