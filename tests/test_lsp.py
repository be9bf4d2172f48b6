"""The language server end to end: a real LSP client (pytest-lsp) talking to
`python -m sqlalchemy_lint server` over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_publishes import (
    forget_publishes,
    published,
    published_without_findings,
    publishes,
    record_publishes,
)

LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "sqlalchemy_lint", "server"])
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    record_publishes(lsp_client)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"settings": {"debounceMs": 20}},
        )
    )
    yield
    await lsp_client.shutdown_session()
    forget_publishes(lsp_client)


async def open_document(client: LanguageClient, path: Path, text: str) -> str:
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def settle(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """Wait for the diagnostics published for `version` of `uri`."""
    return await published(client, uri, version)


async def test_diagnostic_carries_code_link_severity_and_fix(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(client, tmp_path / "leak.py", LEAK)
    (first,) = client.diagnostics[uri]
    assert first.code == "SQA101"  # published as soon as the analysis is done...
    for _ in range(1500):  # ...and again with the fix once it is computed
        if "fix" in (client.diagnostics[uri][0].data or {}):
            break
        await asyncio.sleep(0.02)
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.code == "SQA101"
    assert diagnostic.source == "sqlalchemy-lint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("SQA101.md")
    assert diagnostic.range == types.Range(
        start=types.Position(line=6, character=11), end=types.Position(line=6, character=27)
    )
    assert diagnostic.data["fix"]["applicability"] == "safe"


async def test_utf16_columns_after_emoji_and_cjk(client: LanguageClient, tmp_path: Path) -> None:
    text = LEAK.replace(
        "    conn = engine.connect()",
        "    label = '😀漢字'; conn = engine.connect()",
    )
    uri = await open_document(client, tmp_path / "wide.py", text)
    (diagnostic,) = client.diagnostics[uri]
    line = text.splitlines()[6]
    code_points = line.index("engine.connect()")
    # 😀 is two UTF-16 code units, so the client column is one more than code points.
    assert diagnostic.range.start == types.Position(line=6, character=code_points + 1)


async def test_syntax_error_keeps_last_diagnostics_and_recovers(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(client, tmp_path / "typing_errors.py", LEAK)
    assert len(client.diagnostics[uri]) == 1
    change(client, uri, 2, LEAK + "\ndef broken(:\n")
    change(client, uri, 3, LEAK.replace("return conn", "conn.close()\n    return conn"))
    # Version 3 hands the connection out (returned), so nothing is reported.
    assert await settle(client, uri, 3) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=2, character=2),
        )
    )
    assert hover is not None  # the server is alive and answering


async def test_hover_explains_engine_with_its_origin(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(client, tmp_path / "hover.py", LEAK)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=6, character=13),  # `engine` in engine.connect()
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "Engine created at line 3" in text
    assert "```python" in text and "https://docs.sqlalchemy.org/" in text
    # The flagged expression also explains the rule.
    assert "SQA101 connection-not-closed" in text


@pytest.mark.parametrize(
    ("source", "line", "character", "expected"),
    [
        ("from sqlalchemy.orm import Session\nSession\n", 1, 2, "Session"),
        ("from sqlalchemy.orm import sessionmaker\nsessionmaker\n", 1, 3, "sessionmaker"),
        ("import sqlalchemy as sa\nsa.create_engine\n", 1, 6, "create_engine"),
        ("x = 1  # noqa: SQA102\n", 0, 17, "SQA102 session-not-closed"),
        (
            "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n"
            "with engine.connect() as conn:\n    conn.commit()\n",
            3,
            11,
            "rolls back whatever was not committed",
        ),
        (
            "from sqlalchemy.orm import Session\n\ndef undo(session: Session):\n"
            "    session.rollback()\n",
            3,
            14,
            "PendingRollbackError",
        ),
        (
            "from sqlalchemy.orm import Session\n\ndef load(session: Session, user):\n"
            "    session.refresh(user)\n",
            3,
            14,
            "DetachedInstanceError",
        ),
        (
            "from sqlalchemy.orm import selectinload\nselectinload\n",
            1,
            3,
            "N+1",
        ),
        (
            "from sqlalchemy.orm import DeclarativeBase, relationship\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n"
            "class User(Base):\n    __tablename__ = 'users'\n"
            "    addresses = relationship('Address')\n\nUser.addresses\n",
            9,
            8,
            'Relationship `User.addresses`** — `lazy="select" (the default)`',
        ),
    ],
    ids=[
        "Session",
        "sessionmaker",
        "create_engine",
        "noqa-code",
        "commit",
        "rollback",
        "refresh",
        "selectinload",
        "relationship-attribute",
    ],
)
async def test_hover_per_concept(
    client: LanguageClient,
    tmp_path: Path,
    source: str,
    line: int,
    character: int,
    expected: str,
) -> None:
    uri = await open_document(client, tmp_path / "concept.py", source)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert expected in hover.contents.value


async def test_quick_fix_applied_removes_the_diagnostic(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(client, tmp_path / "fixme.py", LEAK)
    (diagnostic,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions if isinstance(a, types.CodeAction)]
    assert "Disable SQA101 for this line" in titles
    preferred = [a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred]
    assert len(preferred) == 1
    edit = preferred[0].edit
    assert edit is not None and edit.changes is not None
    fixed = _apply(LEAK, edit.changes[uri])
    assert "with engine.connect() as conn:" in fixed
    # Asked for quick fixes only (as VS Code's lightbulb does), no source action comes.
    only_quick = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=["quickfix"]),
        )
    )
    kinds = {a.kind for a in only_quick or [] if isinstance(a, types.CodeAction)}
    assert kinds == {types.CodeActionKind.QuickFix}
    unrestricted = {a.kind for a in actions if isinstance(a, types.CodeAction)}
    assert any(str(k).startswith("source.fixAll") for k in unrestricted)  # offered beside
    change(client, uri, 2, fixed)
    assert await settle(client, uri, 2) == []


async def test_fix_all_source_action(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        LEAK + "\n\ndef again():\n    c = engine.connect()\n    return c.execute(text('x')).all()\n"
    )
    uri = await open_document(client, tmp_path / "all.py", text)
    assert len(client.diagnostics[uri]) == 2
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    assert actions is not None
    (fix_all,) = [a for a in actions if isinstance(a, types.CodeAction)]
    assert fix_all.kind == "source.fixAll.sqlalchemy-lint"
    assert fix_all.edit is not None and fix_all.edit.changes is not None
    fixed = _apply(text, fix_all.edit.changes[uri])
    assert fixed.count("with engine.connect() as") == 2


async def test_burst_of_edits_ends_with_diagnostics_of_the_final_text(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(client, tmp_path / "burst.py", LEAK)
    version = 1
    for i in range(200):
        version += 1
        leaks = i % 3  # 0, 1 or 2 leaking functions
        body = "".join(
            f"\n\ndef f{n}():\n    c = engine.connect()\n    return c.execute(text('x')).all()\n"
            for n in range(leaks)
        )
        change(client, uri, version, LEAK + body)
    final = await settle(client, uri, version)
    assert len(final) == 1 + (199 % 3)


async def test_cross_file_session_factory(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "database.py").write_text(
        "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
    )
    routes = (
        "from database import SessionLocal\n\n"
        "def handler():\n    db = SessionLocal()\n    db.get(object, 1)\n"
    )
    path = tmp_path / "routes.py"
    path.write_text(routes)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=routes
            )
        )
    )
    # Diagnostics first, knowledge later: what the file alone shows is published at
    # once (database.py was never summarised: nothing yet), then again once the
    # modules it imports are summarised.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 300
    while loop.time() < deadline and [d.code for d in client.diagnostics.get(uri, [])] != [
        "SQA102"
    ]:
        await asyncio.sleep(0.05)
    in_order = [[d.code for d in params.diagnostics] for params in publishes(client, uri)]
    assert in_order[-1] == ["SQA102"]
    assert in_order[0] == []  # the file alone, at once
    assert all(codes in ([], ["SQA102"]) for codes in in_order)
    # Opening it again in another window of the same workspace: the summary is at hand
    # now, so the first publish is complete.
    other = tmp_path / "other.py"
    other.write_text(routes)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=other.as_uri(), language_id="python", version=1, text=routes
            )
        )
    )
    first = await asyncio.wait_for(settle(client, other.as_uri(), 1), timeout=30)
    assert [d.code for d in first] == ["SQA102"]


async def test_close_clears_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    uri = await open_document(client, tmp_path / "closing.py", LEAK)
    assert client.diagnostics[uri]
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    # Poll what the client last received: a publish already in flight (the fixes) may
    # arrive in the same read as the empty one, and waiting for "the next" would miss it.
    for _ in range(600):
        if not client.diagnostics[uri]:
            break
        await asyncio.sleep(0.05)
    assert list(client.diagnostics[uri]) == []


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions; these tests use ASCII text)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "sqlalchemy_lint", "server"])
)
async def misconfigured(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("neovim"),
            initialization_options={
                "settings": {
                    "select": ["SQA999"],
                    "severity": {"SQA101": "loud"},
                    "enable": "yes",
                    "debounceMs": 20,
                }
            },
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_bad_settings_are_reported_and_defaults_used(
    misconfigured: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(misconfigured, tmp_path / "leak.py", LEAK)
    (diagnostic,) = misconfigured.diagnostics[uri]
    assert diagnostic.code == "SQA101"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    shown = " ".join(m.message for m in misconfigured.messages)
    assert "unknown rule code 'SQA999'" in shown
    assert "`severity.SQA101` must be one of" in shown
    assert "`enable` must be true or false" in shown


async def test_server_applies_the_projects_pyproject_settings(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sqlalchemy-lint]\nseverity = { SQA101 = "error" }\n'
    )
    uri = await open_document(client, tmp_path / "configured.py", LEAK)
    (diagnostic,) = client.diagnostics[uri]
    assert diagnostic.severity == types.DiagnosticSeverity.Error


async def test_editing_an_imported_module_rechecks_its_importers(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    database = "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
    routes = (
        "from database import SessionLocal\n\n"
        "def handler():\n    db = SessionLocal()\n    db.get(object, 1)\n"
    )
    database_uri = await open_document(client, tmp_path / "database.py", database)
    routes_uri = await open_document(client, tmp_path / "routes.py", routes)
    assert [d.code for d in client.diagnostics[routes_uri]] == ["SQA102"]
    # SessionLocal stops being a session factory in the unsaved buffer of database.py.
    before = len(publishes(client, routes_uri))
    change(client, database_uri, 2, "SessionLocal = dict\n")
    # re-checked without a finding (earlier publishes may carry fixes)
    await published_without_findings(client, routes_uri, after=before)
    assert list(client.diagnostics[routes_uri]) == []


async def test_a_template_changed_on_disk_rechecks_the_views_that_render_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The server asks the editor to watch templates; a change arrives as
    `workspace/didChangeWatchedFiles` and the open view is checked again with it."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "index.html"
    template.write_text("{% for p in posts %}{{ p.comments|length }}{% endfor %}")
    view = (
        "from flask import render_template\n"
        "from sqlalchemy.orm import DeclarativeBase, Session, relationship\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n"
        "class Post(Base):\n    __tablename__ = 'posts'\n"
        "    comments = relationship('Comment')\n\n"
        "def index(session: Session):\n"
        "    return render_template('index.html', posts=session.query(Post).all())\n"
    )
    uri = await open_document(client, tmp_path / "views.py", view)
    assert [d.code for d in client.diagnostics[uri]] == ["SQA401"]
    before = len(publishes(client, uri))
    template.write_text("{% for p in posts %}{{ p.title }}{% endfor %}")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=template.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await published_without_findings(client, uri, after=before)
    assert list(client.diagnostics[uri]) == []


async def test_editing_a_conftest_rechecks_the_tests_below_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tests").mkdir()
    fixture = (
        "import pytest\nfrom sqlalchemy.orm import Session\n\n"
        "@pytest.fixture\ndef session():\n    with Session() as session:\n        yield session\n"
    )
    tests = 'def test_truncate(session):\n    session.execute("DELETE FROM products")\n'
    conftest_uri = await open_document(client, tmp_path / "tests" / "conftest.py", fixture)
    tests_uri = await open_document(client, tmp_path / "tests" / "test_products.py", tests)
    assert [d.code for d in client.diagnostics[tests_uri]] == ["SQA202"]
    # The fixture stops yielding a session in the unsaved buffer of conftest.py.
    before = len(publishes(client, tests_uri))
    change(client, conftest_uri, 2, fixture.replace("Session()", "FakeSession()"))
    await published_without_findings(client, tests_uri, after=before)
    assert list(client.diagnostics[tests_uri]) == []


async def test_hover_on_text_explains_bound_parameters(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await open_document(
        client, tmp_path / "text_hover.py", "from sqlalchemy import text\ntext\n"
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=2),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "https://docs.sqlalchemy.org/" in hover.contents.value


@pytest.mark.parametrize("folder", ["my project", "a+b", "déjà vu"])
async def test_paths_that_uris_escape_get_diagnostics_hovers_and_fixes(
    client: LanguageClient, tmp_path: Path, folder: str
) -> None:
    # Clients escape spaces, `+` and non-ASCII letters in URIs (and VS Code on Windows
    # sends `file:///c%3A/...`); pygls keys its documents by the unescaped form.
    directory = tmp_path / folder
    directory.mkdir()
    path = directory / "leak.py"
    path.write_text(LEAK, encoding="utf-8")
    uri = path.as_uri()
    assert "%" in uri
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=LEAK
            )
        )
    )
    diagnostics = await asyncio.wait_for(settle(client, uri, 1), timeout=30)
    assert [d.code for d in diagnostics] == ["SQA101"]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=6, character=12),
        )
    )
    assert hover is not None
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions and any(a.title.startswith("Use") or "with" in a.title for a in actions)


async def test_a_file_libcst_cannot_parse_gets_answers_not_errors(
    client: LanguageClient, tmp_path: Path
) -> None:
    """libcst 1.9 raises CSTLogicError on implicitly concatenated template strings
    (`"a" t"b"`, Python 3.14): the last good diagnostics stay, and hovers and code
    actions there answer (empty), never with an error response."""
    uri = await open_document(client, tmp_path / "templates.py", LEAK)
    (good,) = client.diagnostics[uri]
    change(client, uri, 2, LEAK + '\nlabel = "a" t"b"\n')
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=6, character=14),
        )
    )
    assert hover is None
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=good.range,
            context=types.CodeActionContext(diagnostics=[good], only=["source.fixAll"]),
        )
    )
    assert not actions
    assert [d.code for d in client.diagnostics[uri]] == ["SQA101"]  # kept
    change(client, uri, 3, LEAK + '\nlabel = t"a" "b"\n')  # what libcst reads
    assert [d.code for d in await settle(client, uri, 3)] == ["SQA101"]


def test_a_request_that_fails_answers_empty_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy_lint.lsp import server as lsp_server

    calls = []

    @lsp_server._answers_normally
    async def fails(ls: object, params: object) -> list[str]:
        calls.append(1)
        raise RuntimeError("a bug in the analysis")

    class Workspace:
        def document(self, uri: str) -> None:
            return None

    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri="file:///tmp/failing.py"),
        position=types.Position(line=0, character=0),
    )
    with caplog.at_level("ERROR"):
        for _ in range(3):
            assert asyncio.run(fails(Workspace(), params)) is None
    assert len(calls) == 3
    assert [r.getMessage() for r in caplog.records] == ["fails failed on file:///tmp/failing.py"]
