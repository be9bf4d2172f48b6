"""Hover explanations of SQLAlchemy objects, loaded from the Markdown files in `concepts/`.

Each concept is one file, `concepts/<concept_id>.md`, in a small strict format::

    # Title
    docs: https://docs.sqlalchemy.org/en/20/...

    ## Summary
    Two to five sentences of Markdown.

    ## Safe pattern
    ```python
    ...
    ```

    ## Pitfalls
    - One short bullet per pitfall (the section is optional).

The files are read through importlib.resources, so they load from an installed wheel or zip.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:
    from importlib.abc import Traversable

__all__ = [
    "Concept",
    "ConceptFormatError",
    "concept",
    "load_concepts",
    "load_concepts_from",
    "parse_concept",
    "render_hover",
]

DOCS_PREFIX = "https://docs.sqlalchemy.org/"
CONCEPT_SUFFIX = ".md"

_ID = re.compile(r"[a-z][a-z0-9_]*")
_SECTIONS = ("Summary", "Safe pattern", "Pitfalls")
_REQUIRED_SECTIONS = ("Summary", "Safe pattern")
_FENCE_OPEN = "```python"
_FENCE = "```"


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    summary: str  # Markdown
    safe_pattern: str  # Python source, without fences
    docs_url: str
    pitfalls: tuple[str, ...] = ()


class ConceptFormatError(ValueError):
    """A concept file does not follow the format described in this module's docstring."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


def parse_concept(concept_id: str, text: str, source: str | None = None) -> Concept:
    """Parse the text of one concept file; `source` names the file in error messages."""
    where = source or f"{concept_id}{CONCEPT_SUFFIX}"
    if not _ID.fullmatch(concept_id):
        raise ConceptFormatError(where, f"invalid concept id {concept_id!r} (use snake_case)")
    lines = text.splitlines()
    header = [line for line in _until_first_section(lines) if line.strip()]
    if len(header) != 2:
        raise ConceptFormatError(
            where, "expected a '# Title' line and a 'docs: <url>' line before the first section"
        )
    title_line, docs_line = header
    if not title_line.startswith("# ") or not title_line[2:].strip():
        raise ConceptFormatError(where, "the first line must be '# Title'")
    if not docs_line.startswith("docs: "):
        raise ConceptFormatError(where, "the second line must be 'docs: <url>'")
    docs_url = docs_line[len("docs: ") :].strip()
    if not docs_url.startswith(DOCS_PREFIX) or any(c.isspace() for c in docs_url):
        raise ConceptFormatError(where, f"the docs url must start with {DOCS_PREFIX}")

    sections = _split_sections(lines, where)
    for name in _REQUIRED_SECTIONS:
        if not sections.get(name, "").strip():
            raise ConceptFormatError(where, f"missing or empty '## {name}' section")
    return Concept(
        id=concept_id,
        title=title_line[2:].strip(),
        summary=sections["Summary"].strip(),
        safe_pattern=_parse_code_block(sections["Safe pattern"], where),
        docs_url=docs_url,
        pitfalls=_parse_bullets(sections.get("Pitfalls", ""), where),
    )


def load_concepts_from(directory: Traversable) -> dict[str, Concept]:
    """Load every `*.md` file of `directory`, keyed by concept id (the file name's stem)."""
    concepts: dict[str, Concept] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.is_file() and entry.name.endswith(CONCEPT_SUFFIX):
            concept_id = entry.name[: -len(CONCEPT_SUFFIX)]
            concepts[concept_id] = parse_concept(
                concept_id, entry.read_text(encoding="utf-8"), source=entry.name
            )
    return concepts


@functools.cache
def load_concepts() -> Mapping[str, Concept]:
    """All concepts shipped with the package, keyed by id (read once, then cached)."""
    return MappingProxyType(load_concepts_from(files(__name__).joinpath("concepts")))


def concept(concept_id: str) -> Concept:
    concepts = load_concepts()
    try:
        return concepts[concept_id]
    except KeyError:
        known = ", ".join(sorted(concepts))
        raise KeyError(f"unknown concept {concept_id!r}; known concepts: {known}") from None


def render_hover(concept: Concept, origin: str | None = None) -> str:
    """Markdown for an LSP hover: title, summary, origin (if any), safe pattern, docs link."""
    parts = [f"**{concept.title}**", concept.summary]
    if origin:
        parts.append(f"*{origin}*")
    parts.append(f"{_FENCE_OPEN}\n{concept.safe_pattern}\n{_FENCE}")
    parts.append(f"[SQLAlchemy documentation]({concept.docs_url})")
    return "\n\n".join(parts) + "\n"


def _until_first_section(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line.startswith("## "):
            return lines[:index]
    return lines


def _split_sections(lines: list[str], where: str) -> dict[str, str]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_code = False
    for line in lines:
        if line.startswith(_FENCE):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            name = line[3:].strip()
            if name not in _SECTIONS:
                expected = ", ".join(f"'## {s}'" for s in _SECTIONS)
                raise ConceptFormatError(
                    where, f"unknown section '## {name}' (expected {expected})"
                )
            if name in sections:
                raise ConceptFormatError(where, f"duplicate section '## {name}'")
            current = sections[name] = []
        elif current is not None:
            current.append(line)
    order = [name for name in _SECTIONS if name in sections]
    if list(sections) != order:
        raise ConceptFormatError(where, f"sections must come in the order {', '.join(_SECTIONS)}")
    return {name: "\n".join(body) for name, body in sections.items()}


def _parse_code_block(body: str, where: str) -> str:
    lines = body.strip().splitlines()
    if len(lines) < 3 or lines[0].strip() != _FENCE_OPEN or lines[-1].strip() != _FENCE:
        raise ConceptFormatError(
            where, "'## Safe pattern' must hold exactly one ```python fenced block"
        )
    code = lines[1:-1]
    if any(line.startswith(_FENCE) for line in code):
        raise ConceptFormatError(where, "'## Safe pattern' must hold exactly one fenced block")
    return "\n".join(code).strip("\n")


def _parse_bullets(body: str, where: str) -> tuple[str, ...]:
    bullets: list[str] = []
    for line in body.strip().splitlines():
        if line.startswith("- ") and line[2:].strip():
            bullets.append(line[2:].strip())
        elif line.startswith("  ") and bullets:  # continuation of the previous bullet
            bullets[-1] += " " + line.strip()
        elif line.strip():
            raise ConceptFormatError(where, f"'## Pitfalls' may only hold '- ' bullets: {line!r}")
    return tuple(bullets)
