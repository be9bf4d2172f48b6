"""The `with`-block fix shared by the lifetime rules (SQA101, SQA102, SQA104)."""

from __future__ import annotations

from ..diagnostics import Fix, Span
from ..fixes import with_block_fix
from ..semantic import Kind, Lifetime


def with_block_fix_for(source: str, span: Span, life: Lifetime | None) -> Fix | None:
    # A DBAPI connection has no `with` support that closes it, and a resource
    # unpacked from a tuple (`_, conn = connect()`) cannot be the `with`'s target:
    # no mechanical fix; nor one read from the object a call makes (`Db(url).session`).
    if (
        life is None
        or life.kind is Kind.RAW_CONNECTION
        or life.item is not None
        or life.member is not None
        # Closed by a nested generator: a `with` here would close it before the
        # generator runs.
        or life.closed_by_generator is not None
        # A registry's session for this thread: nothing here makes it to enter.
        or life.registry is not None
        # An item of a kept generator: closing the generator is what cleans it up.
        or life.generator is not None
        # Opened on an object by its method (`adaptor.start_session()`): the object's
        # own closing method releases it, not a `with` around the call.
        or life.opened_on is not None
    ):
        return None
    noun = "session" if life.kind.is_session else "connection"
    return with_block_fix(source, span, is_async=life.kind.is_async, noun=noun)
