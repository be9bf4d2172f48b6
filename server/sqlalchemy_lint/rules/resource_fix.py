"""The `with`-block fix shared by the lifetime rules (SQA101, SQA102, SQA104)."""

from __future__ import annotations

from ..diagnostics import Fix, Span
from ..semantic import Lifetime


def with_block_fix_for(source: str, span: Span, life: Lifetime | None) -> Fix | None:
    return None  # the fix engine lands in its own commit
