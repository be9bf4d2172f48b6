"""Connections and sessions a script makes at its top level for its own statements:
owned by the script as one made in `main()` is by `main()`. What is reported stays
checked out when the script's code has run, against a real SQLite database; the fix
releases it and the script prints the same; a module global that functions read is
kept for the process and not reported."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy.pool import QueuePool

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.semantic import ProjectIndex

SCRIPT = """
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

engine = create_engine(sys.argv[1], poolclass=QueuePool)
conn = engine.connect()
for (value,) in conn.execute(text("SELECT 1")):
    print("row", value)

if __name__ == "__main__":
    db = Session(engine)
    print("count", db.execute(text("SELECT 2")).scalar_one())
"""

GLOBAL_FOR_FUNCTIONS = """
from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")
conn = engine.connect()
conn.execute(text("SELECT 1"))

def count():
    return conn.execute(text("SELECT 2")).scalar_one()
"""


def run(source: str, database: Path) -> tuple[str, int]:
    """What the script prints, and how many connections are still checked out
    once its code has run (its globals still alive)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    printed = io.StringIO()
    with (
        contextlib.redirect_stdout(printed),
        mock.patch.object(sys, "argv", ["load.py", f"sqlite:///{database}"]),
    ):
        exec(compile(source, "<script>", "exec"), namespace)
    pool = namespace["engine"].pool
    assert isinstance(pool, QueuePool)
    return printed.getvalue(), pool.checkedout()


def codes(source: str, path: Path) -> list[tuple[int, str]]:
    result = check_source(source, path, project=ProjectIndex())
    return [(d.line, d.code) for d in result.diagnostics]


def test_a_script_s_own_connection_and_session_are_reported_and_fixed(tmp_path: Path) -> None:
    source = SCRIPT.lstrip("\n")
    path = tmp_path / "load.py"
    assert codes(source, path) == [(8, "SQA101"), (13, "SQA102")]

    printed, open_at_end = run(source, tmp_path / "db.sqlite")
    assert open_at_end == 2

    fixed = fix_source(source, path, project=ProjectIndex())
    assert fixed.applied == 2
    assert fixed.remaining.diagnostics == []
    compile(fixed.source, "<fixed>", "exec")
    assert run(fixed.source, tmp_path / "db.sqlite") == (printed, 0)


def test_a_global_that_functions_read_is_not_the_script_s_own(tmp_path: Path) -> None:
    source = GLOBAL_FOR_FUNCTIONS.lstrip("\n")
    assert codes(source, tmp_path / "app.py") == []


# A script's session whose work ends with a commit, and the same script reading an
# object the commit expired (its `id`), which loads it again through the session.
ENDS_WITH_COMMIT = """
import sys

from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.pool import QueuePool

Base = declarative_base()


class Folder(Base):
    __tablename__ = "folders"
    id = Column(Integer, primary_key=True)
    path = Column(String)


engine = create_engine(sys.argv[1], poolclass=QueuePool)
Base.metadata.create_all(engine)

if __name__ == "__main__":
    session = Session(engine)
    added = [Folder(path=p) for p in ("a", "b")]
    session.add_all(added)
    session.commit()
    print("done")
"""

READ_AFTER_COMMIT = ENDS_WITH_COMMIT.replace(
    '    print("done")', '    print("ids", [folder.id for folder in added])'
)


def test_a_script_session_that_ends_with_a_commit_holds_nothing(tmp_path: Path) -> None:
    source = ENDS_WITH_COMMIT.lstrip("\n")
    assert codes(source, tmp_path / "add.py") == []
    printed, open_at_end = run(source, tmp_path / "db.sqlite")
    assert printed == "done\n" and open_at_end == 0


def test_reading_what_the_commit_expired_checks_a_connection_out_again(tmp_path: Path) -> None:
    source = READ_AFTER_COMMIT.lstrip("\n")
    line = source.splitlines().index("    session = Session(engine)") + 1
    assert codes(source, tmp_path / "add.py") == [(line, "SQA102")]
    printed, open_at_end = run(source, tmp_path / "db.sqlite")
    assert printed == "ids [1, 2]\n" and open_at_end == 1


LOADER = """
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

Base = declarative_base()

class Record(Base):
    __tablename__ = "records"
    id = Column(Integer, primary_key=True)
    title = Column(String, nullable=False)

engine = create_engine(URL)
Base.metadata.create_all(engine)
session = sessionmaker(bind=engine)()

def insert(record):
    session.add(record)
    session.commit()

def load(titles):
    for title in titles:
{body}

if __name__ == "__main__":
    load(["a", None, "c"])
    session.close()
"""
_PLAIN = "        insert(Record(title=title))"
_CAUGHT = (
    "        try:\n            insert(Record(title=title))\n"
    "        except Exception as error:\n            print(type(error).__name__)"
)


def test_a_script_loop_that_a_failure_ends_breaks_no_later_call(tmp_path: Path) -> None:
    """A module's session that a script's loop uses through `insert()`, in a function
    the script runs once: with nothing to catch it, the first failed commit ends the
    loop and the run (no SQA105); a loop that catches it goes on with a session that
    refuses every later commit (SQA105), as SQLite shows."""
    script = tmp_path / "load.py"  # a folder of scripts: no pyproject.toml
    for body, reported in ((_PLAIN, False), (_CAUGHT, True)):
        source = LOADER.format(body=body).replace("URL", "'sqlite://'")
        found = check_source(source, script, project=ProjectIndex()).diagnostics
        assert ("SQA105" in [d.code for d in found]) is reported
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'plain.db'}"}
    exec(compile(LOADER.format(body=_PLAIN), "<plain>", "exec"), namespace)
    with contextlib.suppress(Exception):
        namespace["load"](["a", None, "c"])
    with namespace["engine"].connect() as connection:
        rows = connection.execute(namespace["Record"].__table__.select()).all()
    assert [r.title for r in rows] == ["a"]  # nothing ran after the failure
    namespace = {"URL": f"sqlite:///{tmp_path / 'caught.db'}"}
    exec(compile(LOADER.format(body=_CAUGHT), "<caught>", "exec"), namespace)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        namespace["load"](["a", None, "c"])
    assert printed.getvalue().split() == ["IntegrityError", "PendingRollbackError"]
