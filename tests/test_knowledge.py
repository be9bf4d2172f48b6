"""The hover knowledge base: every concept file is well formed, renders, and is our own text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sqlalchemy_lint.knowledge import (
    Concept,
    ConceptFormatError,
    concept,
    load_concepts,
    load_concepts_from,
    parse_concept,
    render_hover,
)

EXPECTED_IDS = {
    "engine",
    "async_engine",
    "create_engine",
    "create_async_engine",
    "connection",
    "async_connection",
    "raw_connection",
    "session",
    "async_session",
    "sessionmaker",
    "session_factory",
    "session_begin",
    "scoped_session",
    "engine_connect",
    "engine_begin",
    "async_sessionmaker",
    # the extended rules' concepts (SQA201, SQA202/SQA301, SQA302, SQA203)
    "engine_execute",
    "text",
    "database_url",
    "legacy_query",
    # transactions and object states (SQA106, SQA110, SQA107)
    "commit",
    "rollback",
    "expiry",
    "loader_strategies",
}

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "article.md"

VALID = """\
# Engine
docs: https://docs.sqlalchemy.org/en/20/core/connections.html

## Summary
Some *Markdown* text.

## Safe pattern
```python
with engine.connect() as conn:
    pass
```

## Pitfalls
- First pitfall,
  continued.
- Second pitfall.
"""


def test_ids_are_the_documented_concepts() -> None:
    assert set(load_concepts()) == EXPECTED_IDS


def test_load_concepts_is_cached() -> None:
    assert load_concepts() is load_concepts()


@pytest.mark.parametrize("concept_id", sorted(EXPECTED_IDS))
def test_concept_is_complete(concept_id: str) -> None:
    entry = concept(concept_id)
    assert entry.id == concept_id
    assert entry.title.strip()
    assert entry.summary.strip()
    assert 2 <= len(_sentences(entry.summary)) <= 5
    assert entry.docs_url.startswith("https://docs.sqlalchemy.org/en/20/")
    assert all(pitfall.strip() for pitfall in entry.pitfalls)
    compile(ast.parse(entry.safe_pattern), f"{concept_id}.md", "exec")


@pytest.mark.parametrize("concept_id", sorted(EXPECTED_IDS))
def test_hover_shows_title_code_and_link(concept_id: str) -> None:
    entry = concept(concept_id)
    hover = render_hover(entry, origin="Engine created at line 7")
    assert hover.startswith(f"**{entry.title}**\n")
    assert entry.summary in hover
    assert f"```python\n{entry.safe_pattern}\n```" in hover
    assert hover.rstrip().endswith(f"[SQLAlchemy documentation]({entry.docs_url})")
    assert hover.index(entry.summary) < hover.index("Engine created at line 7")
    assert hover.index("Engine created at line 7") < hover.index("```python")


def test_hover_without_origin() -> None:
    entry = parse_concept("engine", VALID)
    assert render_hover(entry) == (
        "**Engine**\n\n"
        "Some *Markdown* text.\n\n"
        "```python\nwith engine.connect() as conn:\n    pass\n```\n\n"
        "[SQLAlchemy documentation](https://docs.sqlalchemy.org/en/20/core/connections.html)\n"
    )


def test_unknown_concept_names_the_id() -> None:
    with pytest.raises(KeyError, match="unknown concept 'nope'"):
        concept("nope")


def test_parse_valid_text() -> None:
    assert parse_concept("engine", VALID) == Concept(
        id="engine",
        title="Engine",
        summary="Some *Markdown* text.",
        safe_pattern="with engine.connect() as conn:\n    pass",
        docs_url="https://docs.sqlalchemy.org/en/20/core/connections.html",
        pitfalls=("First pitfall, continued.", "Second pitfall."),
    )


def test_pitfalls_section_is_optional() -> None:
    text = VALID[: VALID.index("## Pitfalls")]
    assert parse_concept("engine", text).pitfalls == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (VALID.replace("# Engine\n", ""), "'# Title'"),
        (VALID.replace("# Engine", "Engine"), "'# Title'"),
        (VALID.replace("docs: ", "see: "), "'docs: <url>'"),
        (VALID.replace("https://docs.sqlalchemy.org", "https://example.com"), "docs url"),
        (VALID.replace("## Summary\nSome *Markdown* text.\n", ""), "'## Summary'"),
        (VALID.replace("Some *Markdown* text.", ""), "'## Summary'"),
        (VALID.replace("```python\n", "").replace("```\n", ""), "```python"),
        (VALID.replace("## Pitfalls", "## Notes"), "unknown section '## Notes'"),
        (VALID.replace("- Second", "Second"), "bullets"),
        (VALID + "\n## Summary\nagain\n", "duplicate section"),
    ],
)
def test_malformed_text_is_rejected(text: str, problem: str) -> None:
    with pytest.raises(ConceptFormatError, match=re.escape(problem)) as error:
        parse_concept("engine", text)
    assert str(error.value).startswith("engine.md: ")


def test_malformed_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "engine.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "broken.md").write_text(VALID.replace("## Safe pattern", ""), encoding="utf-8")
    with pytest.raises(ConceptFormatError, match=r"^broken\.md: .*'## Safe pattern'"):
        load_concepts_from(tmp_path)


def test_loads_a_directory_ignoring_other_files(tmp_path: Path) -> None:
    (tmp_path / "engine.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "README.txt").write_text("not a concept", encoding="utf-8")
    assert list(load_concepts_from(tmp_path)) == ["engine"]


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the seed article is not checked out")
@pytest.mark.parametrize("concept_id", sorted(EXPECTED_IDS))
def test_summary_is_not_copied_from_the_article(concept_id: str) -> None:
    article_windows = _windows(_words(ARTICLE.read_text(encoding="utf-8")), 8)
    copied = _windows(_words(concept(concept_id).summary), 8) & article_windows
    assert not copied, f"copied from the article: {sorted(copied)}"


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`])", text.strip()) if s]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


def _windows(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
