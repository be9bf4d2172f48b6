"""A migration script's steps run once, and an exception there ends the migration run:
SQA104 does not ask them to close in a `finally` (Alembic's `versions/` folder and the
`migrations/` folder of home-grown schema upgraders, as LLVM's LNT keeps them), nor
the script's helpers that only its steps call. The same code elsewhere is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.close_not_guaranteed import CloseNotGuaranteed
from sqlalchemy_lint.semantic import ProjectIndex

STEP = """
import sqlalchemy
from sqlalchemy import text


def upgrade_testsuite(engine, name):
    session = sqlalchemy.orm.sessionmaker(engine)()
    session.execute(text("UPDATE test_suite SET version = 9 WHERE name = :n"), {"n": name})
    session.commit()
    session.close()


def upgrade(engine):
    upgrade_testsuite(engine, "nts")
    upgrade_testsuite(engine, "compile")
"""


@pytest.mark.parametrize(
    ("folder", "reported"),
    [("migrations", False), ("alembic/versions", False), ("app/jobs", True)],
)
def test_migration_steps_and_their_helpers(folder: str, reported: bool, tmp_path: Path) -> None:
    path = tmp_path / folder / "upgrade_8_to_9.py"
    path.parent.mkdir(parents=True)
    path.write_text(STEP)
    found = check_source(STEP, path, rules=[CloseNotGuaranteed], project=ProjectIndex())
    line = STEP.splitlines().index("    session = sqlalchemy.orm.sessionmaker(engine)()") + 1
    assert [(d.code, d.span.start.line) for d in found.diagnostics] == (
        [("SQA104", line)] if reported else []
    )
