"""Rule documentation pages, generated from the rules' docstrings (one source).

`python -m sqlalchemy_lint.docs` writes docs/rules/*.md and the rules table of
docs/rules/README.md; `--check` fails when the checked-in pages are stale (CI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .rules import Rule, all_rules


def rule_page(rule: type[Rule]) -> str:
    """A rule's documentation page in Markdown (`sqlalchemy-lint rule CODE` prints it)."""
    doc = rule.documentation()
    title, _, body = doc.partition("\n")
    severity = rule.default_severity.value
    return f"# {rule.code} `{rule.name}`\n\n{title}\n\nDefault severity: {severity}.\n{body}\n"


def index_page() -> str:
    rows = "\n".join(
        f"| [{r.code}]({r.code}.md) | `{r.name}` | {r.summary()} |" for r in all_rules()
    )
    return (
        "# Rules\n\n"
        "Generated from the rules' docstrings by `python -m sqlalchemy_lint.docs`; "
        "do not edit by hand.\n\n"
        "| Code | Name | What it finds |\n|---|---|---|\n"
        f"{rows}\n"
    )


def pages() -> dict[str, str]:
    generated = {f"{rule.code}.md": rule_page(rule) for rule in all_rules()}
    generated["README.md"] = index_page()
    return generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("docs/rules"))
    parser.add_argument("--check", action="store_true", help="fail if the pages are stale")
    args = parser.parse_args(argv)
    stale = []
    for name, content in pages().items():
        target = args.output / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == content:
            continue
        stale.append(str(target))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    if args.check and stale:
        print(
            "stale rule documentation: "
            + ", ".join(stale)
            + "\nrun: python -m sqlalchemy_lint.docs",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
