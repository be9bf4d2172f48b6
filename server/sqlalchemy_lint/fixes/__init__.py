"""Quick fixes: edits that rewrite leaky SQLAlchemy code into its safe form.

Each function takes the source text and the span the analysis reported, and
returns a `Fix` (or None when no mechanical rewrite keeps the code's meaning).
Fixes are computed on libcst trees, so untouched code keeps its comments,
indentation and line endings.
"""

from __future__ import annotations

from sqlalchemy_lint.fixes.edits import apply_edits
from sqlalchemy_lint.fixes.module_engine import module_level_engine_fix
from sqlalchemy_lint.fixes.noqa import noqa_fix
from sqlalchemy_lint.fixes.with_block import with_block_fix

__all__ = ["apply_edits", "module_level_engine_fix", "noqa_fix", "with_block_fix"]
