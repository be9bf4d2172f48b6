"""Programs to feed the analysis: seed files, SQLAlchemy-flavoured programs built
from templates, edits that imitate typing, and meaning-preserving variants.

Everything here is a Hypothesis strategy or a pure function of a source string,
so failures shrink to a small reproducer.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import libcst as cst
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]


# -- seeds ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def seed_files() -> tuple[Path, ...]:
    """Every Python file of the corpus projects and of the sample project."""
    found = [*(ROOT / "tests" / "corpus").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
    return tuple(sorted(p for p in found if p.name != "conftest.py" or "corpus" not in p.parts))


@lru_cache(maxsize=1)
def seed_sources() -> dict[str, str]:
    """name (relative to the repository) -> text, for the seed files that have code."""
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in seed_files()}
    return {name: text for name, text in texts.items() if text.strip()}


def compiles(source: str) -> bool:
    """Whether CPython accepts `source` (SyntaxWarnings are not failures)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "<generated>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


# -- edits, as while typing --------------------------------------------------------------

# Fragments an editor buffer goes through: half-typed statements, unbalanced
# brackets, stray quotes, odd but legal characters.
FRAGMENTS = (
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "=",
    ":=",
    "*",
    "**",
    "->",
    "@",
    "\\",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "\x0c",
    "'",
    '"',
    "'''",
    '"""',
    "#",
    "# noqa",
    "  # noqa: SQA101",
    "  # noqa: SQA102, SQA104",
    "def ",
    "async ",
    "await ",
    "class ",
    "lambda: ",
    "with ",
    " as ",
    "return ",
    "yield ",
    "yield from ",
    "global conn\n",
    "nonlocal conn\n",
    "del conn\n",
    "try:\n",
    "finally:\n",
    "except Exception:\n",
    "else:\n",
    "if x:\n    ",
    "for x in y:\n    ",
    "while True:\n    ",
    "match x:\n    case 1:\n        ",
    "@app.get('/x')\n",
    "@pytest.fixture\n",
    "engine",
    "engine.connect()",
    "engine.raw_connection()",
    "create_engine(url)",
    "Session(engine)",
    "SessionLocal()",
    "conn",
    "conn.close()",
    "session.close()",
    "engine.dispose()",
    "contextlib.closing(",
    "import sqlalchemy as sa\n",
    "from sqlalchemy import create_engine\n",
    "from .database import SessionLocal\n",
    "\x00",
    "\ufffd",
    "\ufeff",
    "\u2028",
    "\u00a0",
    "é",
    "漢字",
    "😀",
    "\U0001f600" * 3,
)

_fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(max_size=8),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
)


@st.composite
def edit_sequence(draw: st.DrawFn, text: str, max_edits: int = 6) -> str:
    """`text` after a few random deletions, insertions, truncations and line shuffles."""
    for _ in range(draw(st.integers(1, max_edits))):
        size = len(text)
        operation = draw(
            st.sampled_from(
                ["delete", "insert", "insert", "truncate", "duplicate", "swap", "indent", "dedent"]
            )
        )
        if operation == "delete" and size:
            start = draw(st.integers(0, size - 1))
            end = draw(st.integers(start, min(size, start + 40)))
            text = text[:start] + text[end:]
        elif operation == "insert":
            at = draw(st.integers(0, size))
            text = text[:at] + draw(_fragment) + text[at:]
        elif operation == "truncate":
            text = text[: draw(st.integers(0, size))]
        else:
            lines = text.splitlines(keepends=True)
            if not lines:
                continue
            i = draw(st.integers(0, len(lines) - 1))
            if operation == "duplicate":
                lines.insert(i, lines[i])
            elif operation == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            elif operation == "indent":
                lines[i] = "    " + lines[i]
            elif lines[i].startswith(" "):
                lines[i] = lines[i][min(4, len(lines[i]) - len(lines[i].lstrip(" "))) :]
            text = "".join(lines)
    return text


def mutated_seeds(max_edits: int = 6) -> st.SearchStrategy[str]:
    """A corpus or example file with random edits applied."""
    names = sorted(seed_sources())
    return st.sampled_from(names).flatmap(
        lambda name: edit_sequence(seed_sources()[name], max_edits)
    )


def typing_prefixes(source: str, step: int = 1) -> list[str]:
    """Every `step`-th prefix of `source`: the buffer as it is typed from scratch."""
    return [source[:end] for end in range(0, len(source) + 1, step)]


# -- SQLAlchemy-flavoured programs from templates ----------------------------------------

HEADER = """\
import contextlib

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
"""

MODULE_LEVEL = (
    'engine = create_engine("sqlite://")',
    'aengine = create_async_engine("sqlite+aiosqlite://")',
    "SessionLocal = sessionmaker(bind=engine)",
    "AsyncSessionLocal = async_sessionmaker(aengine)",
    "CACHE = {}",
    "items = []",
    "flag = True",
)

FRAMEWORKS = (
    ("from fastapi import FastAPI\n\napp = FastAPI()\n", '@app.get("/{name}")'),
    ("from flask import Flask, g\n\napp = Flask(__name__)\n", '@app.route("/{name}")'),
    ("import pytest\n", "@pytest.fixture"),
    ("import functools\n", "@functools.lru_cache(maxsize=None)"),
    ("", ""),
)

VARIABLES = ("conn", "session", "db", "raw", "c", "s", "connection", "tx")

SYNC_ACQUIRE = (
    "{v} = engine.connect()",
    "{v} = engine.raw_connection()",
    "{v} = sa.create_engine(url).connect()",
    "{v} = Session(engine)",
    "{v} = SessionLocal()",
    "{v} = sessionmaker(bind=engine)()",
    "{v} = engine.begin()",
)
ASYNC_ACQUIRE = (
    "{v} = await aengine.connect()",
    "{v} = aengine.connect()",
    "{v} = AsyncSession(aengine)",
    "{v} = AsyncSessionLocal()",
)
USES = (
    '{v}.execute(text("select 1"))',
    'rows = {v}.execute(text("select 1")).all()',
    "print({v})",
    "helper({v})",
    "{v}.commit()",
    "total = len(str({v}))",
)
ASYNC_USES = ('await {v}.execute(text("select 1"))', "await {v}.commit()")
RELEASES = ("{v}.close()", "{v}.dispose()", "{v}.rollback()")
# Names rebound from themselves (`url = url.format(...)`): what follows values must
# not follow them forever.
REBINDINGS = (
    "{v} = {v}",
    '{v} = {v}.format(user="u", password="p")',
    '{v} = {v} + " where id = 1"',
    '{v} = "%s" % {v}',
    "{v}, other = other, {v}",
    "{v} = create_engine({v})",
    "{v} = text({v})",
)
ESCAPES = (
    'CACHE["{v}"] = {v}',
    "items.append({v})",
    "holder = [{v}]",
    "callbacks = lambda: {v}",
    "del {v}",
    "{v} = None",
)
CHAINED = (
    'engine.connect().execute(text("delete from t"))',
    'pd.read_sql("select 1", engine.connect())',
    'Session(engine).execute(text("select 1"))',
    "create_engine(url).dispose()",
    'create_engine(url).connect().execute(text("x"))',
    "[engine.connect() for _ in range(3)]",
    "other = create_engine(url)",
    "if (w := engine.connect()) is not None:\n    w.close()",
)
SYNC_WITH = (
    "with engine.connect() as {v}:",
    "with engine.begin() as {v}:",
    "with Session(engine) as {v}:",
    "with SessionLocal() as {v}, SessionLocal.begin():",
    "with contextlib.closing(engine.raw_connection()) as {v}:",
    "with contextlib.ExitStack() as stack:",
)
ASYNC_WITH = (
    "async with aengine.connect() as {v}:",
    "async with AsyncSession(aengine) as {v}:",
    "async with AsyncSessionLocal.begin() as {v}:",
)
HEADS = (
    "if flag:",
    "for item in range(3):",
    "while flag:",
    "try:",
    "with contextlib.suppress(Exception):",
)


class _Function:
    """What the statements of one function body may use."""

    def __init__(self, is_async: bool, generator: bool, method: bool) -> None:
        self.is_async = is_async
        self.generator = generator
        self.method = method


def _indent(lines: list[str], level: int) -> list[str]:
    pad = "    " * level
    return [pad + line if line.strip() else line for line in lines]


@st.composite
def _block(draw: st.DrawFn, fn: _Function, depth: int) -> list[str]:
    """One or more statements (unindented), possibly nesting blocks `depth` deep."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        lines.extend(draw(_statement(fn, depth)))
    if all(line.lstrip().startswith("#") for line in lines):
        lines.append("pass")  # a block of comments alone is not a block
    return lines


@st.composite
def _statement(draw: st.DrawFn, fn: _Function, depth: int) -> list[str]:
    v = draw(st.sampled_from(VARIABLES))
    kinds = ["acquire", "acquire", "use", "release", "escape", "chained", "comment", "pass"]
    kinds += ["rebind"]
    if depth > 0:
        kinds += ["with", "with", "head", "try_finally", "nested_def"]
    kind = draw(st.sampled_from(kinds))
    if kind == "acquire":
        options = SYNC_ACQUIRE + (ASYNC_ACQUIRE if fn.is_async else ())
        line = draw(st.sampled_from(options)).format(v=v)
        if fn.method and draw(st.booleans()):
            line = line.replace("engine.", "self.engine.", 1)
        return [line]
    if kind == "use":
        return [draw(st.sampled_from(USES + (ASYNC_USES if fn.is_async else ()))).format(v=v)]
    if kind == "rebind":
        return [draw(st.sampled_from(REBINDINGS)).format(v=v)]
    if kind == "release":
        line = draw(st.sampled_from(RELEASES)).format(v=v)
        return [("await " + line) if fn.is_async and draw(st.booleans()) else line]
    if kind == "escape":
        options = list(ESCAPES)
        options.append("yield {v}" if fn.generator else "return {v}")
        if fn.method:
            options.append("self.{v} = {v}")
        return [draw(st.sampled_from(options)).format(v=v)]
    if kind == "chained":
        return draw(st.sampled_from(CHAINED)).format(v=v).split("\n")
    if kind == "comment":
        return [f"# note about {v}"]
    if kind == "pass":
        return ["pass"]
    body = _indent(draw(_block(fn, depth - 1)), 1)
    if kind == "with":
        options = SYNC_WITH + (ASYNC_WITH if fn.is_async else ())
        return [draw(st.sampled_from(options)).format(v=v), *body]
    if kind == "head":
        head = draw(st.sampled_from(HEADS))
        lines = [head, *body]
        if head == "try:":
            lines += ["except Exception:", "    raise"]
        elif head == "if flag:" and draw(st.booleans()):
            lines += ["else:", *_indent(draw(_block(fn, depth - 1)), 1)]
        elif head == "while flag:":
            lines += ["    break"]
        return lines
    if kind == "try_finally":
        cleanup = draw(st.sampled_from(RELEASES)).format(v=v)
        if fn.is_async and draw(st.booleans()):
            cleanup = "await " + cleanup
        return ["try:", *body, "finally:", "    " + cleanup]
    # nested function: a closure over the enclosing variables
    inner = _Function(is_async=False, generator=False, method=False)
    return [f"def inner_{v}():", *_indent(draw(_block(inner, depth - 1)), 1)]


@st.composite
def _function(draw: st.DrawFn, index: int, decorator: str, method: bool) -> list[str]:
    is_async = draw(st.booleans())
    generator = draw(st.booleans())
    fn = _Function(is_async, generator, method)
    params = ["self"] if method else []
    params += draw(
        st.sampled_from([[], ["url"], ["engine"], ["url", "engine"], ["engine: sa.Engine"]])
    )
    name = f"handler_{index}"
    lines = []
    if decorator and not method and draw(st.booleans()):
        lines.append(decorator.format(name=name))
    lines.append(f"{'async ' if is_async else ''}def {name}({', '.join(params)}):")
    if draw(st.booleans()):
        lines.append('    """Docstring."""')
    lines.extend(_indent(draw(_block(fn, 2)), 1))
    return lines


@st.composite
def sqlalchemy_programs(draw: st.DrawFn, max_functions: int = 4) -> str:
    """A module mixing engines, connections and sessions used well and badly.

    Built from templates so most programs are valid Python (callers that need
    valid code filter with `compiles`); every template names real SQLAlchemy
    APIs so the rules have something to find.
    """
    imports, decorator = draw(st.sampled_from(FRAMEWORKS))
    lines = [HEADER + imports]
    lines.extend(draw(st.lists(st.sampled_from(MODULE_LEVEL), min_size=1, max_size=5, unique=True)))
    lines.append("")
    count = draw(st.integers(1, max_functions))
    for index in range(count):
        lines.append("")
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"class Repository{index}:")
            lines.append("    def __init__(self, engine: sa.Engine):")
            lines.append("        self.engine = engine")
            lines.append("")
            lines.extend(_indent(draw(_function(index, decorator, method=True)), 1))
        else:
            lines.extend(draw(_function(index, decorator, method=False)))
    return "\n".join(lines) + "\n"


def valid_sqlalchemy_programs(max_functions: int = 4) -> st.SearchStrategy[str]:
    return sqlalchemy_programs(max_functions).filter(compiles)


# -- variants that keep the meaning ------------------------------------------------------


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _physical_lines(source: str) -> list[str]:
    """Lines as the tokenizer reads them: split after each `\\n` only."""
    return re.findall(r"[^\n]*\n|[^\n]+$", source)


def _offsets(source: str) -> list[int]:
    starts = [0]
    for line in _physical_lines(source):
        starts.append(starts[-1] + len(line))
    return starts


def comments(source: str) -> list[str]:
    """The text of every comment token, in order (empty if the source does not tokenize)."""
    try:
        return [t.string.rstrip() for t in _tokens(source) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return []


_LIBRARY_NAMES = {
    "engine",
    "aengine",
    "sa",
    "pd",
    "text",
    "contextlib",
    "app",
    "g",
    "self",
    "url",
    "flag",
    "items",
    "CACHE",
}


def local_names(source: str) -> list[str]:
    """Names bound by plain assignments or `as` clauses inside functions."""
    names = set(re.findall(r"^[ \t]+([A-Za-z_]\w*)\s*(?::[^=]+)?=[^=]", source, re.M))
    names |= set(re.findall(r"\bas\s+([A-Za-z_]\w*)\s*[:,)]", source))
    return sorted(n for n in names if not keyword.iskeyword(n) and n not in _LIBRARY_NAMES)


def rename(source: str, mapping: dict[str, str]) -> str:
    """Rename NAME tokens (never inside strings or comments) per `mapping`."""
    starts = _offsets(source)
    pieces, cursor = [], 0
    for token in _tokens(source):
        if token.type == tokenize.NAME and token.string in mapping:
            begin = starts[token.start[0] - 1] + token.start[1]
            pieces.append(source[cursor:begin])
            pieces.append(mapping[token.string])
            cursor = begin + len(token.string)
    pieces.append(source[cursor:])
    return "".join(pieces)


def _logical_line_ends(source: str) -> list[tuple[int, int]]:
    """(offset of the NEWLINE token, line number) for each logical line."""
    starts = _offsets(source)
    return [
        (starts[t.start[0] - 1] + t.start[1], t.start[0])
        for t in _tokens(source)
        if t.type == tokenize.NEWLINE and t.string
    ]


def add_trailing_comments(source: str, every: int = 1) -> str:
    """A comment at the end of every `every`-th logical line."""
    ends = _logical_line_ends(source)
    for number, (offset, line) in reversed(list(enumerate(ends))):
        if number % every == 0:
            source = source[:offset] + f"  # trailing {line}" + source[offset:]
    return source


_CONTINUATION_KEYWORDS = ("else", "elif", "except", "finally", "case")


def _statement_starts(source: str) -> list[tuple[int, str]]:
    """(offset of the line, indentation) of every line that starts a statement."""
    starts = _offsets(source)
    lines = _physical_lines(source)
    found: list[tuple[int, str]] = []
    at_statement_start = True
    previous = ""
    for token in _tokens(source):
        if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            at_statement_start = True
            continue
        if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
            continue
        if at_statement_start:
            row, column = token.start
            text = lines[row - 1]
            if token.string not in _CONTINUATION_KEYWORDS and not previous.startswith("@"):
                found.append((starts[row - 1], text[:column]))
            previous = text.strip()
            at_statement_start = False
    return found


def insert_statements(source: str, picks: Sequence[int], make: Callable[[int], str]) -> str:
    """Insert `make(i)` as a statement line before the statement numbered by each pick."""
    points = _statement_starts(source)
    if not points:
        return source
    chosen = sorted({pick % len(points) for pick in picks}, reverse=True)
    for number in chosen:
        offset, indentation = points[number]
        newline = "\r\n" if "\r\n" in source else "\n"
        source = source[:offset] + indentation + make(number) + newline + source[offset:]
    return source


def add_comment_lines(source: str, picks: Sequence[int]) -> str:
    return insert_statements(source, picks, lambda i: f"# standalone comment {i}")


def add_extra_statements(source: str, picks: Sequence[int]) -> str:
    return insert_statements(source, picks, lambda i: f'print("extra statement {i}")')


class _Wrap(cst.CSTTransformer):
    """Wrap the body of the chosen functions in a neutral block."""

    def __init__(self, chosen: set[int], head: str) -> None:
        self.chosen = chosen
        self.head = head
        self.index = -1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.index += 1
        if self.index not in self.chosen or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = updated_node.body.body
        docstring: list[cst.BaseStatement] = []
        if body and _is_docstring(body[0]):
            docstring, body = [body[0]], body[1:]
        if not body:
            return updated_node
        wrapped: cst.BaseStatement
        block = cst.IndentedBlock(body=list(body))
        if self.head == "if":
            wrapped = cst.If(test=cst.Name("flag"), body=block)
        elif self.head == "try":
            wrapped = cst.Try(
                body=block,
                handlers=[
                    cst.ExceptHandler(
                        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])]),
                        type=cst.Name("Exception"),
                    )
                ],
            )
        else:
            wrapped = cst.With(
                items=[
                    cst.WithItem(cst.parse_expression("contextlib.suppress(KeyboardInterrupt)"))
                ],
                body=block,
            )
        return updated_node.with_changes(
            body=updated_node.body.with_changes(body=[*docstring, wrapped])
        )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def nest_function_bodies(source: str, picks: Sequence[int], head: str = "if") -> str:
    """Wrap some functions' bodies in `if flag:`, `try/except: raise` or `with suppress`."""
    module = cst.parse_module(source)
    return module.visit(_Wrap(set(picks), head)).code


class _MakeAsync(cst.CSTTransformer):
    def __init__(self, chosen: set[int]) -> None:
        self.chosen = chosen
        self.index = -1

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.index += 1
        if self.index in self.chosen and updated_node.asynchronous is None:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node


def make_async(source: str, picks: Sequence[int]) -> str:
    """Turn the chosen functions into `async def` (callers check the result compiles)."""
    return cst.parse_module(source).visit(_MakeAsync(set(picks))).code


class _Tabs(cst.CSTTransformer):
    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(indent=None)


def indent_with_tabs(source: str) -> str:
    """Every block indented with one tab per level (continuation lines keep their spaces)."""
    module = cst.parse_module(source).visit(_Tabs())
    return module.with_changes(default_indent="\t").code


def with_crlf(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\n", "\r\n")


def rename_locals(source: str, suffix: str = "_renamed") -> str:
    return rename(source, {name: name + suffix for name in local_names(source)})


def _transform(name: str, source: str, picks: list[int]) -> str:
    functions = [p % 6 for p in picks]
    if name == "rename":
        return rename_locals(source, f"_{picks[0]}")
    if name == "trailing_comments":
        return add_trailing_comments(source, 1 + picks[0] % 3)
    if name == "comment_lines":
        return add_comment_lines(source, picks)
    if name == "extra_statements":
        return add_extra_statements(source, picks)
    if name.startswith("nest_"):
        return nest_function_bodies(source, functions, name.removeprefix("nest_"))
    if name == "async":
        return make_async(source, functions)
    if name == "tabs":
        return indent_with_tabs(source)
    return with_crlf(source)


@st.composite
def variant(draw: st.DrawFn, source: str) -> tuple[str, list[str]]:
    """`source` after one to three meaning-preserving transformations, and their names.

    A transformation whose result does not compile is skipped (for example
    `async def` around a generator returning a value).
    """
    applied: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        name = draw(
            st.sampled_from(
                [
                    "rename",
                    "trailing_comments",
                    "comment_lines",
                    "extra_statements",
                    "nest_if",
                    "nest_try",
                    "nest_with",
                    "async",
                    "tabs",
                    "crlf",
                ]
            )
        )
        picks = draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
        try:
            candidate = _transform(name, source, picks)
        except (tokenize.TokenError, SyntaxError, cst.ParserSyntaxError):
            continue
        if candidate != source and compiles(candidate):
            source = candidate
            applied.append(name)
    return source, applied
