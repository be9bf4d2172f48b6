"""The size limit, the same for a file read from disk and a buffer from an editor."""

from __future__ import annotations

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.sources import MAX_FILE_BYTES, UnreadableSource, decode_source, size_problem

LIMIT = 1000


def test_text_under_the_limit_in_bytes_passes_even_when_its_characters_are_wide() -> None:
    text = "# " + "é" * ((LIMIT - 3) // 2) + "\n"  # two bytes each in UTF-8
    assert len(text) * 4 > LIMIT >= len(text.encode())
    assert size_problem(text, max_bytes=LIMIT) is None


def test_text_over_the_limit_is_refused_with_the_message_decode_gives() -> None:
    text = "# " + "é" * LIMIT + "\n"
    problem = size_problem(text, max_bytes=LIMIT)
    assert problem is not None and problem.startswith("file is too large to check")
    try:
        decode_source(text.encode(), max_bytes=LIMIT)
    except UnreadableSource as exc:
        assert str(exc) == problem
    else:
        raise AssertionError("decode_source accepted a file over the limit")


def test_check_source_refuses_text_over_the_limit_without_parsing_it() -> None:
    leak = (
        "import sqlalchemy\n\ndef count(engine: sqlalchemy.Engine):\n"
        "    conn = engine.connect()\n    return conn.execute(sqlalchemy.text('x'))\n"
    )
    assert [d.code for d in check_source(leak).diagnostics] == ["SQA101"]
    # Past the limit the padding would also be a syntax error: refused before any parse.
    result = check_source(leak + "(" * (MAX_FILE_BYTES + 1))
    assert result.problem is not None and "too large" in result.problem
    assert result.diagnostics == []


def test_a_file_of_too_many_tokens_is_not_checked_and_says_how_to_raise_the_limit() -> None:
    from sqlalchemy_lint.config import parse_config
    from sqlalchemy_lint.sources import MAX_TOKENS

    leak = 'from sqlalchemy import create_engine\nengine = create_engine("sqlite://")\n'
    dense = leak + "x = " + " and ".join(["a"] * (MAX_TOKENS // 2 + 10)) + "\n"
    problem = check_source(dense).problem  # refused before libcst sees it
    assert problem is not None
    assert "more than 250,000 tokens" in problem and "`max-tokens`" in problem
    small = leak + "x = " + " and ".join(["a"] * 1500) + "\n"  # about 3,000 tokens
    assert check_source(small).problem is None
    lowered = parse_config({"max-tokens": 2000})
    assert not lowered.problems
    assert "more than 2,000 tokens" in (check_source(small, options=lowered.options).problem or "")
    refused = parse_config({"max-tokens": "lots"})
    assert refused.options.max_tokens == MAX_TOKENS
    assert refused.problems and "`max-tokens` must be a whole number" in refused.problems[0]
