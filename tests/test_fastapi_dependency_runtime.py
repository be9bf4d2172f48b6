"""A FastAPI dependency that returns a session, against a real app on SQLite.

FastAPI resumes a generator dependency after the response, so a `with` block there
closes the session; what a plain function returns it hands to the endpoint and then
drops. The session's connection stays checked out until the garbage collector finds
it, and with a pool of one the next request times out ("QueuePool limit of size 1
overflow 0 reached"). SQA102 reports the plain function, not the generator."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.rules.session_not_closed import SessionNotClosed

APP = """
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine(URL, pool_size=1, max_overflow=0, pool_timeout=0.5)
SessionLocal = sessionmaker(bind=engine)
app = FastAPI()
{dependency}

@app.get("/users")
def users(db: Session = Depends(get_db)):
    return db.execute(text("SELECT 1")).scalar()
"""

RETURNING = """
def get_db():
    return SessionLocal()
"""

YIELDING = """
def get_db():
    with SessionLocal() as db:
        yield db
"""


@pytest.mark.parametrize(("dependency", "leaks"), [(RETURNING, True), (YIELDING, False)])
def test_a_returned_session_keeps_the_pool_until_collected(
    dependency: str, leaks: bool, tmp_path: Path
) -> None:
    source = APP.format(dependency=dependency)
    found = check_source(source, rules=[SessionNotClosed]).diagnostics
    line = source.splitlines().index("    return SessionLocal()") + 1 if leaks else None
    assert [(d.code, d.span.start.line) for d in found] == ([("SQA102", line)] if leaks else [])

    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}"}
    exec(compile(source, "<app>", "exec"), namespace)
    engine = namespace["engine"]
    client = TestClient(namespace["app"])
    # Only the cycle collector would release the dropped session, whenever it happens
    # to run (here, wherever the suite's allocations trigger it): held off, as under
    # a load that outruns it.
    gc.disable()
    try:
        assert client.get("/users").json() == 1
        assert engine.pool.checkedout() == (1 if leaks else 0)
        if leaks:
            with pytest.raises(PoolTimeout, match="QueuePool limit"):
                client.get("/users")
        else:
            assert client.get("/users").json() == 1
    finally:
        gc.enable()
        client.close()
        engine.dispose()
