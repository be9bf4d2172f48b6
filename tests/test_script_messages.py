"""A connection or session a script holds until it exits is reported with that claim,
not with "so it returns to the pool": no pool gets it back before the process ends.
(Said of the process, not of "the script": a module an application imports holds what
its top level opens the same way, for the life of the application.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.connection_not_closed import ConnectionNotClosed
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

SCRIPT = """
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///app.db")
conn = engine.connect()
conn.execute(text("DELETE FROM items"))
conn.commit()

def main():
    session = Session(engine)
    session.execute(text("DELETE FROM orders"))
    session.commit()
    # (A query after the commit begins a new transaction, which nothing ends.)
    print(session.execute(text("SELECT count(*) FROM orders")).scalar())

def handler():
    other = engine.connect()
    return other.execute(text("SELECT 1")).scalar()

if __name__ == "__main__":
    main()
"""


def test_a_scripts_connection_and_session_are_said_to_be_held_until_it_exits(
    tmp_path: Path,
) -> None:
    script = tmp_path / "cleanup.py"
    script.write_text(SCRIPT)
    rules = [ConnectionNotClosed, SessionNotClosed]
    found = check_source(SCRIPT, rules=rules, path=script).diagnostics
    messages = {d.span.start.line: d.message for d in found}
    assert sorted(messages) == [6, 11, 18]
    assert "it is held, with its transaction and locks, until the process exits" in messages[6]
    assert (
        "its connection is held, with its transaction and locks, until the process"
        in (messages[11])
    )
    assert messages[18].endswith("so it returns to the pool.")  # a function like any other
