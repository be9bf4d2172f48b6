"""Properties of the fixes, over every rule's INVALID examples, the corpus files,
and generated variants of them (renamed variables, extra statements, comments,
nested blocks, `async def`, CRLF line endings, tabs).

For `fix_source(source, unsafe=...)` with safe fixes only and with unsafe ones:
the fixed code parses, keeps every comment, no longer reports the diagnostics it
fixed, reports nothing new, and fixing it again changes nothing (see
`reliability.properties`). Each diagnostic's own fix, applied alone as an editor's
quick fix is, has the same properties.
"""

from __future__ import annotations

import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability import programs
from reliability.profiles import PROFILE, fuzz
from reliability.properties import fix_violations, single_fix_violations
from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules import Invalid, Rule
from sqlalchemy_lint.semantic import ProjectIndex
from sqlalchemy_lint.testing import Example, check_example, examples

ROOT = Path(__file__).resolve().parent.parent
INVALID = [
    (rule, example, test_id) for rule, example, test_id in examples() if "invalid" in test_id
]


def _example_source(example: Example) -> str:
    return textwrap.dedent(example.code).lstrip("\n")


# -- every rule's INVALID examples ---------------------------------------------------------


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize(("rule", "example"), [c[:2] for c in INVALID], ids=[c[2] for c in INVALID])
def test_fixing_an_invalid_example(
    rule: type[Rule], example: Invalid, unsafe: bool, tmp_path: Path
) -> None:
    source, result = check_example(rule, example, tmp_path)
    assert result.diagnostics, "the example is reported"
    main = tmp_path / "main.py"
    assert fix_violations(source, main, unsafe=unsafe) == []
    assert fix_violations(source, main, unsafe=unsafe, rules=[rule]) == []
    assert single_fix_violations(source, main) == []


@pytest.mark.parametrize(
    "transform",
    [
        programs.with_crlf,
        programs.indent_with_tabs,
        programs.rename_locals,
        lambda s: programs.add_trailing_comments(s),
        lambda s: programs.add_comment_lines(s, range(0, 40, 2)),
        lambda s: programs.add_extra_statements(s, range(1, 40, 3)),
        lambda s: programs.nest_function_bodies(s, range(6), "if"),
        lambda s: programs.nest_function_bodies(s, range(6), "try"),
        lambda s: programs.nest_function_bodies(s, range(6), "with"),
        lambda s: programs.make_async(s, range(6)),
    ],
    ids=[
        "crlf",
        "tabs",
        "renamed",
        "trailing-comments",
        "comment-lines",
        "extra-statements",
        "nested-if",
        "nested-try",
        "nested-with",
        "async-def",
    ],
)
def test_fixing_every_invalid_example_transformed(
    transform: object, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Each transformation applied to the INVALID examples (those that still compile):
    in the `ci` profile to a third of them, a fixed share that differs from one
    transformation to the next, so that each example meets about three; in the
    `long` profile to every one."""
    assert callable(transform)
    name = request.node.callspec.id
    share = [
        case
        for case in INVALID
        if PROFILE == "long" or zlib.crc32(f"{name}:{case[2]}".encode()) % 3 == 0
    ]
    checked = 0
    for rule, example, test_id in share:
        root = tmp_path / test_id
        root.mkdir()
        check_example(rule, example, root)  # writes the project's other modules
        source = transform(_example_source(example))
        if not programs.compiles(source):
            continue  # e.g. `async def` around a generator returning a value
        checked += 1
        main = root / "main.py"
        # Unsafe fixes include the safe ones; the safe-only run is in the test above.
        assert fix_violations(source, main, unsafe=True) == [], (test_id, source)
        assert single_fix_violations(source, main) == [], (test_id, source)
    assert checked >= len(share) // 2


# -- the corpus ------------------------------------------------------------------------------


def _corpus_files_with_findings() -> list[str]:
    found = []
    for name, source in programs.seed_sources().items():
        result = check_source(source, ROOT / name, project=ProjectIndex(), with_fixes=False)
        if result.diagnostics:
            found.append(name)
    return found


CORPUS_WITH_FINDINGS = _corpus_files_with_findings()


def test_the_corpus_has_findings_to_fix() -> None:
    assert len(CORPUS_WITH_FINDINGS) >= 20


@pytest.mark.parametrize("name", CORPUS_WITH_FINDINGS)
def test_fixing_a_corpus_file(name: str) -> None:
    source = programs.seed_sources()[name]
    path = ROOT / name
    # Unsafe fixes are a superset of the safe ones; both must hold.
    assert fix_violations(source, path, unsafe=True) == []
    assert fix_violations(source, path, unsafe=False) == []


@pytest.mark.parametrize("name", CORPUS_WITH_FINDINGS[::3])
def test_each_fix_of_a_corpus_file_alone(name: str) -> None:
    source = programs.seed_sources()[name]
    assert single_fix_violations(source, ROOT / name) == []


# -- generated variants ------------------------------------------------------------------------


@fuzz(12)
@given(
    st.sampled_from(CORPUS_WITH_FINDINGS).flatmap(
        lambda name: st.tuples(st.just(name), programs.variant(programs.seed_sources()[name]))
    ),
    st.booleans(),
)
def test_fixing_a_corpus_variant(named: tuple[str, tuple[str, list[str]]], unsafe: bool) -> None:
    name, (source, applied) = named
    problems = fix_violations(source, ROOT / name, unsafe=unsafe)
    assert problems == [], (name, applied)


@fuzz(30)
@given(
    st.sampled_from([c for c in INVALID if not c[1].files]).flatmap(
        lambda case: programs.variant(_example_source(case[1]))
    ),
    st.booleans(),
)
def test_fixing_an_example_variant(variant: tuple[str, list[str]], unsafe: bool) -> None:
    source, applied = variant
    assert fix_violations(source, unsafe=unsafe) == [], applied
    assert single_fix_violations(source) == [], applied


@fuzz(30)
@given(programs.valid_sqlalchemy_programs(), st.booleans())
def test_fixing_a_generated_program(source: str, unsafe: bool) -> None:
    assert fix_violations(source, unsafe=unsafe) == []


@fuzz(20)
@given(programs.valid_sqlalchemy_programs(max_functions=2))
def test_each_fix_of_a_generated_program_alone(source: str) -> None:
    assert single_fix_violations(source) == []
