"""Reading Python files the way Python does, with a clear word for what cannot be read.

Honours PEP 263 coding lines and BOMs, refuses NUL bytes and undecodable text
with a message naming the offset, and skips files too large to be source code
anyone edits by hand. Parsing goes through `parse_module_safely`, which refuses
first what CPython refuses and libcst's native parser could crash or stall on.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

MAX_FILE_BYTES = 10 * 1024 * 1024
# libcst's tree costs 1.1 to 2.7 GB and 15 to 25 s per million tokens (measured by
# benchmarks/memory.py: a boolean chain, a long list of numbers, 20,000 lines of
# calls, generated GraphQL schemas). 250,000 tokens keeps a check under about 0.7 GB
# and a few seconds; the largest hand-written modules seen (SQLAlchemy's, dispatch's,
# calibre-web's) have under 120,000. `max-tokens` in the configuration raises it.
MAX_TOKENS = 250_000
_TOKEN = re.compile(r"[A-Za-z0-9_]+|\S")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    encoding: str


class UnreadableSource(Exception):
    """The file cannot be checked; the message says why, for the user."""


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"file is too large to check ({size / 1_048_576:.1f} MiB; "
        f"the limit is {max_bytes / 1_048_576:.0f} MiB)"
    )


def size_problem(
    text: str, *, max_bytes: int = MAX_FILE_BYTES, max_tokens: int = MAX_TOKENS
) -> str | None:
    """Why `text` (an editor's buffer, say) is too large to check, or None.

    Past the limits the analysis would take seconds to minutes and gigabytes (a libcst
    tree costs up to 2.7 GB per million tokens), for what is in practice generated
    code. Tokens are only counted in texts longer than the limit (a token is at least
    one character), and only up to it.
    """
    if len(text) * 4 > max_bytes:  # no character takes more than 4 bytes in UTF-8
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            return _too_large(size, max_bytes)
    if len(text) <= max_tokens:
        return None
    count = 0
    for count, _ in enumerate(_TOKEN.finditer(text), 1):
        if count > max_tokens:
            return (
                f"file is too large to check (more than {max_tokens:,} tokens, the limit; "
                f"`max-tokens` in [tool.sqlalchemy-lint] raises it)"
            )
    return None


def decode_source(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, str]:
    """Decode Python source bytes; returns (text, encoding)."""
    if len(data) > max_bytes:
        raise UnreadableSource(_too_large(len(data), max_bytes))
    nul = data.find(b"\x00")
    if nul != -1:
        raise UnreadableSource(f"file contains a NUL byte at offset {nul}; not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "unknown encoding" in exc.msg:
            raise UnreadableSource(f"{exc.msg} in the coding line") from None
        # Undecodable bytes in the first two lines: the decode below names them.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableSource(
            f"file is not valid {encoding}: byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start} (declare the encoding with a `# -*- coding: ... -*-` line)"
        ) from None
    except LookupError:
        raise UnreadableSource(f"unknown encoding {encoding!r} in the coding line") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    text, encoding = decode_source(data)
    return SourceFile(path, text, encoding)


# -- parsing -----------------------------------------------------------------------------

# CPython's tokenizer refuses more than this many open brackets ("too many nested
# parentheses"); libcst's native parser has no such limit and overflows the C stack
# (a SIGSEGV that no `except` catches) from about 1,000 levels (Instagram/LibCST#619).
MAX_BRACKET_DEPTH = 200

_STRING_BODY = r"""(?:
      '''(?:[^'\\]+|\\[\s\S]|'(?!''))*(?:'''|\Z)
    | \"\"\"(?:[^"\\]+|\\[\s\S]|"(?!""))*(?:\"\"\"|\Z)
    | '(?:[^'\\\r\n]+|\\(?:\r\n|[\s\S]))*'?
    | "(?:[^"\\\r\n]+|\\(?:\r\n|[\s\S]))*"?
)"""
# Comments and string literals, captured, so that splitting on them leaves the code
# between them (unclosed ones run to the end of the line, or of the file for
# triple quotes, as far as the tokenizer would read them).
_NOT_CODE = re.compile(r"(\#[^\r\n]*|" + _STRING_BODY + ")", re.VERBOSE)
_BRACKETS_ONLY = bytes(b for b in range(256) if b not in b"()[]{}")
_BRACKET_STEPS = bytes.maketrans(b"([{)]}", b"\x01\x01\x01\xff\xff\xff")


def bracket_depth_bound(text: str) -> int:
    """An upper bound of the bracket nesting CPython's tokenizer would count in `text`.

    Brackets in comments and strings do not count, except in f-strings, whose
    replacement fields nest inside the brackets around them. Cheap: regular
    expressions and bytes operations in C, about 1% of what libcst takes to
    parse the same text.
    """
    if text.count("(") + text.count("[") + text.count("{") <= MAX_BRACKET_DEPTH:
        return 0  # not enough brackets to nest that deep (the common case)
    pieces = _NOT_CODE.split(text)  # code, literal, code, literal, ..., code
    code = "".join(pieces[::2]).encode("utf-8", "surrogatepass")
    depths = list(
        itertools.accumulate(memoryview(code.translate(_BRACKET_STEPS, _BRACKETS_ONLY)).cast("b"))
    )
    # A stray closing bracket lowers the running count below what CPython would
    # count after it; adding the lowest point back keeps the bound an upper bound.
    bound = max(depths, default=0) - min(0, min(depths, default=0))
    fstring = 0  # the most brackets in one f-string (or a literal after a name ending in f)
    for before, literal in zip(pieces[::2], pieces[1::2]):
        if before[-1:] in ("f", "F") or before[-2:].lower() == "fr":
            fstring = max(fstring, literal.count("(") + literal.count("[") + literal.count("{"))
    return bound + fstring


# libcst's native parser also recurses once per link of an operator chain (unary
# `-`, `not`, `.attr`, `f()`, `x[0]`, `**`, `lambda:`, `elif`, `a + a + ...`), and
# takes more than quadratic time doing it (10,000 unary minuses: 19 s, 20,000:
# 109 s), while CPython refuses such chains beyond a few thousand links. Each link
# needs one of these tokens, so text with fewer of them than this cannot hold a
# long chain; other text is parsed by CPython first (about a tenth of libcst's time).
MAX_QUICK_CHAIN = 2000
_CHAIN_TOKENS = ("-", "+", "~", "*", "/", "%", "@", "|", "&", "^", "<", ">", ".", "(", "[")
_CHAIN_WORDS = ("not", "if", "lambda", "await")


def chain_length_bound(text: str) -> int:
    """An upper bound of the links of any operator chain in `text`: a count of the
    tokens that make links (and of the same characters in strings and comments)."""
    return sum(text.count(token) for token in _CHAIN_TOKENS + _CHAIN_WORDS)


def parse_module_safely(text: str) -> cst.Module:
    """`libcst.parse_module`, except that text nested deeper than CPython accepts is
    refused first with CPython's own syntax error (as a `libcst.ParserSyntaxError`,
    which callers already handle), so libcst's native parser never crashes or
    stalls on it. Chains CPython accepts at any length (`a and a and ...`) are
    left to libcst, run on a thread with a big stack (see `stack`).

    Every parse of source text in the package goes through here.
    """
    return parse_with_cpython_tree(text)[0]


def parse_with_cpython_tree(text: str) -> tuple[cst.Module, ast.Module | None]:
    """`parse_module_safely`, also handing back CPython's tree of `text` when the
    pre-check had to build one (most long files), so that its cost is not paid
    twice by callers that want CPython's positions too."""
    import libcst as cst  # here: reading sources (the warm path) needs no libcst

    tree = None
    deep = bracket_depth_bound(text) > MAX_BRACKET_DEPTH
    if deep or chain_length_bound(text) > MAX_QUICK_CHAIN:
        checked = _cpython_tree_or_refusal(text)
        if isinstance(checked, cst.ParserSyntaxError):
            if deep or not _may_be_newer_syntax(checked):
                raise checked
            # This interpreter may not know the syntax (a `type` alias on 3.11): libcst,
            # which does, decides. Nesting is bounded, and chains only cost time, which
            # the token limit bounds.
        else:
            tree = checked
        # CPython accepts it: the bounds were loose (the usual case for long files).
    return cst.parse_module(text), tree


def _may_be_newer_syntax(refusal: cst.ParserSyntaxError) -> bool:
    """Whether CPython's refusal can come from syntax newer than this interpreter (3.14
    is the newest libcst reads), rather than from nesting or chains too deep."""
    if sys.version_info >= (3, 14):
        return False
    return "nested" not in refusal.message and "too deeply" not in refusal.message


def _cpython_tree_or_refusal(text: str) -> ast.Module | cst.ParserSyntaxError:
    """CPython's tree of `text`, or its syntax error as a libcst error.

    Cheap on deep text: CPython's tokenizer stops at the 201st open bracket.
    """
    import libcst as cst

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            tree = compile(text, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or 1
        column = max(0, (exc.offset or 1) - 1)
        lines = text.splitlines(keepends=True) or [""]
        return cst.ParserSyntaxError(exc.msg, lines=lines, raw_line=line, raw_column=column)
    except (ValueError, RecursionError, MemoryError):
        lines = text.splitlines(keepends=True) or [""]
        return cst.ParserSyntaxError(
            "too deeply nested to parse", lines=lines, raw_line=1, raw_column=0
        )
    assert isinstance(tree, ast.Module)
    return tree


def cpython_tree(text: str) -> ast.Module | None:
    """CPython's tree of `text`, quietly (no warnings about escape sequences and the
    like); None when it cannot be had. For fixes that locate statements by line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
