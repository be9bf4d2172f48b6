"""Project-specific knowledge the analysis cannot infer, from configuration."""

from __future__ import annotations

from dataclasses import dataclass

from ..sources import MAX_TOKENS


@dataclass(frozen=True)
class AnalysisOptions:
    # Decorators that make a function run per request (SQA103), as written or fully
    # qualified: "app.route", "myapp.web.route".
    request_handler_decorators: tuple[str, ...] = ()
    # Calls that return a new session the caller must close (SQA102), qualified
    # ("myapp.db.new_session") or a bare function name of the same module.
    session_factories: tuple[str, ...] = ()
    # Files with more tokens are not checked (see `sources.MAX_TOKENS`).
    max_tokens: int = MAX_TOKENS
    # `sqlalchemy-version = "1.4"`: the SQLAlchemy the project runs on, overriding what
    # its requirement files say (see `versions.py`); None: read from them.
    sqlalchemy_version: str | None = None
