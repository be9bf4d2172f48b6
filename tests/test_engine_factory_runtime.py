"""An engine factory whose caller uses what it gets and leaves it behind, against a
real SQLite database: every call makes another engine whose pool keeps its connection
open, and SQA103 reports the factory's `create_engine`; a caller that disposes of the
engine leaves nothing open, and SQA103 accepts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import QueuePool

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.engine_per_request import EnginePerRequest

ANALYSE = """
import sqlalchemy as sa

class Analyse:
    def __init__(self, url):
        self.url = url

    def connect_to_db(self):
        return sa.create_engine(self.url, poolclass=sa.pool.QueuePool)

    def read_omr(self):
        engine = self.connect_to_db()
        with engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT 1")).all()
{end}
        return rows
"""
# What calls it on every press of a button (checked, not run: no display here).
WINDOW = """
import tkinter as tk

class Window:
    def __init__(self, root, url):
        self.analyse = Analyse(url)
        tk.Button(root, text="Show", command=self.show).pack()

    def show(self):
        print(self.analyse.read_omr())
"""


@pytest.mark.parametrize(("end", "open_after"), [("", 3), ("        engine.dispose()", 0)])
def test_an_engine_handed_out_per_call(end: str, open_after: int, tmp_path: Path) -> None:
    source = ANALYSE.format(end=end)
    checked = check_source(source + WINDOW, rules=[EnginePerRequest]).diagnostics
    assert [d.code for d in checked] == (["SQA103"] if open_after else [])
    made: list[Engine] = []

    def recording_create_engine(*args: Any, **kwargs: Any) -> Engine:
        engine = create_engine(*args, **kwargs)
        made.append(engine)
        return engine

    namespace: dict[str, Any] = {}
    exec(compile(source, "<example>", "exec"), namespace)
    namespace["sa"].create_engine = recording_create_engine
    try:
        analyse = namespace["Analyse"](f"sqlite:///{tmp_path / 'app.db'}")
        for _ in range(3):  # three presses
            assert analyse.read_omr() == [(1,)]
        # One pool per call, each still holding the connection it opened (a disposed
        # pool holds none).
        assert len(made) == 3
        assert sum(e.pool.checkedin() for e in made if isinstance(e.pool, QueuePool)) == open_after
    finally:
        namespace["sa"].create_engine = create_engine
        for engine in made:
            engine.dispose()


@pytest.mark.parametrize(("passed", "engines"), [(", engine=engine", 1), ("", 4)])
def test_a_loader_makes_an_engine_only_when_not_given_one(
    passed: str, engines: int, tmp_path: Path
) -> None:
    """`engine = engine or create_engine(URL)`: the backfill that hands its engine to
    each round makes one engine in all; one that hands none makes one per round, and
    only that is reported."""
    from sqlalchemy_lint.rules import engine_per_request

    source = engine_per_request._UPSERT.format(passed=passed)
    checked = check_source(source, rules=[EnginePerRequest]).diagnostics
    assert [d.code for d in checked] == (["SQA103"] if engines > 1 else [])
    made: list[Engine] = []

    def recording_create_engine(*args: Any, **kwargs: Any) -> Engine:
        engine = create_engine(*args, **kwargs)
        made.append(engine)
        return engine

    url = f"sqlite:///{tmp_path / 'prices.db'}"
    namespace: dict[str, Any] = {}
    exec(compile(source.replace("sqlite:///prices.db", url), "<loader>", "exec"), namespace)
    namespace["create_engine"] = recording_create_engine
    with create_engine(url).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE prices (day TEXT, price REAL)")
    namespace["backfill"]([[{"day": f"d{n}", "price": 1.0}] for n in range(3)])
    assert len(made) == engines
    for engine in made:
        engine.dispose()
