"""A newer edit stops the analysis of an older version (see `cancellation`): in the
checker between its stages, and in the language server end to end."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from sqlalchemy_lint.cancellation import AnalysisCancelled, cancellable, checkpoint
from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules import all_rules
from sqlalchemy_lint.semantic import ProjectIndex

LEAK = """from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count():
    conn = engine.connect()
    return conn.execute(text("select 1")).scalar()
"""


def test_checkpoint_raises_only_inside_a_cancelled_block() -> None:
    checkpoint()  # outside any block: nothing to stop
    with cancellable(lambda: False):
        checkpoint()
    with pytest.raises(AnalysisCancelled), cancellable(lambda: True):
        checkpoint()
    checkpoint()  # the block is left: its predicate no longer applies


def test_cancellation_is_not_an_exception_a_rule_guard_swallows() -> None:
    assert not issubclass(AnalysisCancelled, Exception)


def test_checker_stops_between_rules_once_cancelled() -> None:
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # after the parse and two rules

    with pytest.raises(AnalysisCancelled), cancellable(cancelled):
        check_source(LEAK)
    assert len(asked) == 4  # stopped at the fourth checkpoint, not at the end
    assert len(all_rules()) > 4
    # Not cancelled, the same text is checked completely.
    with cancellable(lambda: False):
        assert [d.code for d in check_source(LEAK).diagnostics] == ["SQA101"]


def test_reading_another_module_of_the_project_is_a_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import create_engine\n\n"
        "def get_engine():\n    return create_engine('sqlite://')\n"
    )
    user = tmp_path / "use.py"
    source = "from db import get_engine\n\nconn = get_engine().connect()\n"
    user.write_text(source)
    index = ProjectIndex()
    view = index.view(user, source)
    with pytest.raises(AnalysisCancelled), cancellable(lambda: True):
        view.summary_of((tmp_path / "db.py").resolve())
    assert view.summary_of((tmp_path / "db.py").resolve()) is not None


# -- end to end -------------------------------------------------------------------------------

LOG = Path(tempfile.mkdtemp(prefix="sqlalchemy-lint-cancel-")) / "server.log"


def many_functions(count: int) -> str:
    body = "".join(
        f"\n\ndef report_{i}(day):\n"
        f"    with engine.connect() as conn:\n"
        f"        rows = conn.execute(text('select * from t where d = :d'), {{'d': day}})\n"
        f"        return [dict(r._mapping) for r in rows if r.total > {i}]\n"
        for i in range(count)
    )
    return LEAK + body


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "sqlalchemy_lint", "server", "--log-file", str(LOG)]
    )
)
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            initialization_options={"settings": {"debounceMs": 0}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_newer_edit_stops_the_analysis_in_progress(
    client: LanguageClient, tmp_path: Path
) -> None:
    # Big enough that its analysis takes well over the pause below on any machine.
    text = many_functions(3000)
    path = tmp_path / "big.py"
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    await asyncio.sleep(0.3)  # the analysis of version 1 has started
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=LEAK)],
        )
    )
    versions = []
    for _ in range(50):
        params = await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), timeout=120
        )
        versions.append(params.version)
        if params.version == 2:
            assert [d.code for d in params.diagnostics] == ["SQA101"]
            break
    assert 1 not in versions  # version 1 was never finished, let alone published
    log = LOG.read_text(encoding="utf-8")
    assert f"{uri}: stopped analysing version 1, a newer one arrived" in log
