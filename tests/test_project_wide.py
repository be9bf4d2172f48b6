"""Following SQLAlchemy objects across a project: multi-file projects checked with
the real command line, asserting what a user sees (codes and lines per file)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlalchemy_lint import cli


def project(root: Path, files: dict[str, str]) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@contextlib.contextmanager
def importable(root: Path, package: str) -> Iterator[None]:
    """Within: the project's `package` imports from `root`, as a run of it would (and is
    forgotten afterwards, for the next test's project of the same name)."""
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def report(root: Path) -> list[dict[str, Any]]:
    """What `sqlalchemy-lint check --format json .` prints in `root`."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(root)
    try:
        args = cli.build_parser().parse_args(
            ["check", "--format", "json", "--exit-zero", "--jobs", "1", "--no-cache", "."]
        )
        assert cli.run_check(args, out, err) == 0, err.getvalue()
    finally:
        os.chdir(previous)
    found: list[dict[str, Any]] = json.loads(out.getvalue())
    return found


def findings(root: Path, *codes: str) -> list[tuple[str, int, str]]:
    return sorted(
        (Path(os.path.relpath(f["filename"], root)).as_posix(), f["location"]["row"], f["code"])
        for f in report(root)
        if not codes or f["code"] in codes
    )


def test_an_engine_made_in_a_test_runs_once(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "tests/test_site.py": """
                from sqlalchemy import create_engine, text

                def test_site_end_to_end():
                    engine = create_engine("sqlite://")
                    with engine.connect() as conn:
                        assert conn.execute(text("select 1")).scalar() == 1
            """,
            "app/loader.py": """
                from sqlalchemy import create_engine, text

                def load(url):
                    engine = create_engine(url)
                    with engine.connect() as conn:
                        return conn.execute(text("select 1")).scalar()

                def load_both(first, second):
                    return load(first), load(second)
            """,
        },
    )
    # The function two places call is reported; the test that makes one engine once
    # is not.
    assert findings(root, "SQA103") == [("app/loader.py", 4, "SQA103")]


def test_a_factory_called_per_task_in_another_module(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": """
                from sqlalchemy import create_engine

                def get_engine():
                    return create_engine("sqlite://")

                def get_database():
                    return get_engine()
            """,
            "app/jobs.py": """
                from app import db

                def main():
                    engine = db.get_database()
                    return engine
            """,
            "app/tasks.py": """
                from celery import Celery
                from app import jobs

                app = Celery("tasks")

                def retry(function):
                    return function()

                @app.task
                def nightly():
                    retry(jobs.main)
            """,
        },
    )
    assert findings(root, "SQA103") == [("app/db.py", 4, "SQA103")]


def test_a_helper_module_session_shared_by_handlers_elsewhere(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "db.py": """
                from sqlalchemy import create_engine, text

                engine = create_engine("sqlite://")
                connection = engine.connect()

                def select_users(user_id):
                    return connection.execute(text("SELECT 1"), {"id": user_id}).all()
            """,
            "bot.py": """
                import logging

                from db import select_users

                def run(events):
                    for event in events:
                        try:
                            select_users(event.user_id)
                        except Exception:
                            logging.exception("event %s failed", event)
            """,
        },
    )
    assert findings(root, "SQA105") == [("db.py", 4, "SQA105")]
    # The loop calls the helpers one after another: the connection is reported for what
    # goes wrong there, not as a thread-safety problem a sequential loop does not have.
    (found,) = [f for f in report(root) if f["code"] == "SQA105"]
    assert "thread-safe" not in found["message"]
    assert "is called in a loop in `run` (bot.py)" in found["message"]
    assert "breaks every call after it" in found["message"]
    # A service's loop goes on for days, `try` or not: what fails (a dropped
    # connection) fails again when it is restarted.
    (root / "bot.py").write_text(
        "from db import select_users\n\n"
        "def run(events):\n"
        "    for event in events:\n"
        "        select_users(event.user_id)\n"
    )
    assert findings(root, "SQA105") == [("db.py", 4, "SQA105")]
    # A console program's menu loop, with no `try`: its first failure ends it, so no
    # call comes after one.
    (root / "bot.py").write_text(
        "from db import select_users\n\n"
        "def run():\n"
        "    while True:\n"
        "        choice = input('user id (q to quit): ')\n"
        "        if choice == 'q':\n"
        "            break\n"
        "        print(select_users(int(choice)))\n"
    )
    assert findings(root, "SQA105") == []


def test_sessions_kept_by_a_registry_on_g_are_borrowed_across_modules(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/database.py": """
                from flask import g
                from sqlalchemy.orm import sessionmaker

                SessionLocal = sessionmaker()

                def get_db():
                    if "db" not in g:
                        g.db = SessionLocal()
                    return g.db

                def new_session():
                    return SessionLocal()
            """,
            "app/views.py": """
                from app.database import get_db, new_session

                def borrowed():
                    return get_db().execute("select 1")

                def owned():
                    session = new_session()
                    return session.execute("select 1")
            """,
        },
    )
    assert findings(root, "SQA102") == [("app/views.py", 7, "SQA102")]


def _tree_without_marker(root: Path, flows: str) -> Path:
    """A checkout with no pyproject.toml, setup.py or .git (a copied folder, an
    archive): its packages' top stands for the project."""
    files = {
        "prefect_dw/__init__.py": "",
        "prefect_dw/tasks/__init__.py": "",
        "prefect_dw/tasks/truncate.py": """
            from sqlalchemy import create_engine, text

            engine = create_engine("sqlite://")

            def truncate_table(schema: str, table: str):
                with engine.begin() as connection:
                    connection.execute(text(f"DELETE FROM {schema}.{table}"))
        """,
        "prefect_dw/flows/__init__.py": "",
        # Run from `prefect_dw/`, as the flows are: `tasks` is found there.
        "prefect_dw/flows/lot.py": flows,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def test_imports_are_found_above_the_importer_without_a_project_marker(tmp_path: Path) -> None:
    constants = _tree_without_marker(
        tmp_path / "constants",
        """
        from tasks.truncate import truncate_table

        def lot():
            truncate_table("main", "sales_line")
        """,
    )
    assert not any(p.name in ("pyproject.toml", ".git") for p in tmp_path.parents)
    assert findings(constants, "SQA301") == []
    given = _tree_without_marker(
        tmp_path / "given",
        """
        import sys
        from tasks.truncate import truncate_table

        def lot():
            truncate_table("main", sys.argv[1])
        """,
    )
    assert findings(given, "SQA301") == [("prefect_dw/tasks/truncate.py", 7, "SQA301")]


def test_a_tree_without_a_project_marker_is_the_project_the_check_starts_on(
    tmp_path: Path,
) -> None:
    """`python main.py` run in a bot's folder imports `db.models` from there, also
    for `handlers/start.py` (a folder with no `__init__.py`): checking the folder finds
    what checking the same tree with a `.git` finds, and so does checking a file of it."""
    root = tmp_path / "bot"
    files = {
        "db/__init__.py": "",
        "db/models.py": "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
        "handlers/start.py": """
            from db.models import engine

            def start():
                conn = engine.connect()
                return conn.exec_driver_sql("select 1").scalar()
            """,
        "main.py": "from handlers import start\nstart.start()\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    assert not any((p / m).exists() for p in root.parents for m in ("pyproject.toml", ".git"))
    expected = [("handlers/start.py", 4, "SQA101")]
    assert findings(root, "SQA101") == expected
    (root / ".git").mkdir()
    assert findings(root, "SQA101") == expected


def test_a_package_that_rebinds_its_submodule_s_name_gives_the_binding(tmp_path: Path) -> None:
    """`from config import config` where `config/__init__.py` does `from .config import
    config`: Python gives the instance the package rebinds the name to, not the
    submodule `config/config.py`; its `db.SessionLocal` is a session factory."""
    root = project(
        tmp_path,
        {
            "config/__init__.py": "from .config import config\n",
            "config/database.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import sessionmaker

                class Database:
                    def __init__(self, url):
                        self.SessionLocal = sessionmaker(bind=create_engine(url))
                """,
            "config/config.py": """
                from .database import Database

                class Config:
                    def __init__(self):
                        self._db = None

                    def setup(self, url):
                        self._db = Database(url)

                    @property
                    def db(self) -> Database:
                        return self._db

                config = Config()
                """,
            "seed.py": """
                from sqlalchemy import text
                from config import config

                def seed():
                    db = config.db.SessionLocal()
                    db.execute(text("select 1"))
                """,
        },
    )
    assert findings(root, "SQA102") == [("seed.py", 5, "SQA102")]


def test_sessions_a_test_suite_closes_with_close_all_sessions_are_released(
    tmp_path: Path,
) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker
            SessionLocal = sessionmaker(bind=create_engine("sqlite://"))
            """,
        "tests/test_keys.py": """
            import pytest
            from sqlalchemy import text
            from app.db import SessionLocal

            @pytest.fixture(scope="session")
            def api_key():
                db = SessionLocal()
                return db.execute(text("select 1")).scalar()
            """,
    }
    root = project(tmp_path, files)
    assert findings(root, "SQA102") == [("tests/test_keys.py", 7, "SQA102")]
    (root / "tests" / "conftest.py").write_text(
        "import pytest\nfrom sqlalchemy.orm import close_all_sessions\n\n\n"
        "@pytest.fixture(autouse=True, scope='session')\n"
        "def drop_db():\n    yield\n    close_all_sessions()\n"
    )
    assert findings(root, "SQA102") == []


LOADER = """
    from sqlalchemy import create_engine, text


    def row_count(table):
        engine = create_engine("sqlite://")
        with engine.connect() as conn:
            return conn.execute(text("select count(*) from " + table)).scalar()
"""


@pytest.mark.parametrize(
    ("declared", "caller", "reported"),
    [
        # Nothing in the project calls it (a library's API, or a function run by
        # hand): no evidence that it runs more than once. Over the real-world corpora,
        # reporting every such engine was wrong 22 times of 30 (start-up checks, admin
        # and test-setup helpers).
        (True, None, False),
        (False, None, False),
        # Called from two places: the rule's evidence, in an application or a library.
        (False, "from app.loader import row_count\n\nrow_count('users')\nrow_count('x')\n", True),
        (True, "from app.loader import row_count\n\nrow_count('users')\nrow_count('x')\n", True),
        # Called from one place: one engine, whatever calls it.
        (False, "from app.loader import row_count\n\nrow_count('users')\n", False),
        (
            False,
            "from app.loader import row_count\n\n\ndef main():\n    row_count('users')\n",
            False,
        ),
        (
            False,
            "from app.loader import row_count\n\n\ndef totals():\n    row_count('users')\n",
            False,
        ),
        (True, "from app.loader import row_count\n\nrow_count('users')\n", False),
    ],
)
def test_an_engine_made_dropped_and_never_called_in_an_application(
    tmp_path: Path, declared: bool, caller: str | None, reported: bool
) -> None:
    files = {"app/__init__.py": "", "app/loader.py": LOADER}
    if caller is not None:
        files["app/report.py"] = caller
    root = project(tmp_path, files)
    (root / ".git").mkdir()
    if not declared:
        (root / "pyproject.toml").unlink()
    line = 5
    expected = [("app/loader.py", line, "SQA103")] if reported else []
    assert findings(root, "SQA103") == expected


SHARED_DATABASE = """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    engine = create_engine("sqlite://")
    Session = sessionmaker(bind=engine)
    session = Session()


    def commit_all(sessions):
        for s in sessions:
            s.commit()


    def commit_each(groups):
        for group in groups:
            commit_all(group)
"""


@pytest.mark.parametrize(
    ("files", "reported"),
    [
        # aiohttp's server, reaching the session through the package's re-export.
        (
            {
                "server/__init__.py": "",
                "server/database/__init__.py": "from .db import *\n",
                "server/app.py": "from aiohttp import web\n\nfrom .database import session\n\n"
                "async def count(request):\n"
                "    return web.json_response(session.execute('select 1').scalar())\n",
            },
            True,
        ),
        # GraphQL resolvers, in a module of their own.
        (
            {
                "server/__init__.py": "",
                "server/database/__init__.py": "",
                "server/queries.py": "import graphene\n\n"
                "from server.database.db import session\n\n"
                "class Query(graphene.ObjectType):\n"
                "    count = graphene.Int()\n\n"
                "    def resolve_count(root, info):\n"
                "        return session.execute('select 1').scalar()\n",
            },
            True,
        ),
        # aiohttp's HTTP client serves nothing: a script that fetches and stores.
        (
            {
                "server/__init__.py": "",
                "server/database/__init__.py": "from .db import *\n",
                "server/fetch.py": "import aiohttp\n\nfrom .database import session\n\n"
                "async def fetch(url):\n"
                "    async with aiohttp.ClientSession() as client:\n"
                "        session.add(await (await client.get(url)).json())\n",
            },
            False,
        ),
    ],
)
def test_a_database_module_session_that_a_server_imports(
    tmp_path: Path, files: dict[str, str], reported: bool
) -> None:
    root = project(tmp_path, {**files, "server/database/db.py": SHARED_DATABASE})
    expected = [("server/database/db.py", 6, "SQA105")] if reported else []
    assert findings(root, "SQA105") == expected


def test_a_module_of_the_same_name_elsewhere_does_not_import_a_scripts_session(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        {
            "stocks/__init__.py": "",
            "stocks/database.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import sessionmaker

                SessionLocal = sessionmaker(bind=create_engine("sqlite://"))
            """,
            "stocks/jobs/__init__.py": "",
            "stocks/jobs/rebalancing.py": """
                from sqlalchemy.orm import Session

                from stocks.database import SessionLocal

                if __name__ == "__main__":
                    session: Session = SessionLocal()
                    print(session.execute("select 1").all())
            """,
            "stocks/schemas/__init__.py": "",
            "stocks/schemas/rebalancing.py": "WEIGHTS = {}\n",
            # Another `rebalancing`, star-imported by a module that names a session.
            "stocks/api.py": """
                from stocks.schemas.rebalancing import *

                def weights(session):
                    return session.execute("select 1").all()
            """,
        },
    )
    assert findings(root, "SQA102") == [("stocks/jobs/rebalancing.py", 6, "SQA102")]


CLIENT = """
    from sqlalchemy import create_engine


    class Client:
        def __init__(self, url):
            self.engine = create_engine(url)

        def save(self, df, name):
            df.to_sql(name, self.engine)
"""


@pytest.mark.parametrize(
    ("maker", "reported"),
    [
        # A function an application calls nowhere but in its tests makes a client per
        # call: that says nothing of the application running it again and again; nor
        # do DataFrames' `to_sql()` calls call a module's function `to_sql`.
        (
            {
                "app/store.py": "from app.client import Client\n\n\n"
                "def to_sql(url, frames):\n    client = Client(url)\n"
                "    for name, df in frames.items():\n        client.save(df, name)\n",
                "app/build.py": "import pandas as pd\n\n\n"
                "def build(engine):\n    pd.DataFrame().to_sql('t', engine)\n",
                "tests/test_store.py": "from app.store import to_sql\n\n\n"
                "def test_to_sql():\n    to_sql('sqlite://', {})\n",
            },
            False,
        ),
        # One the application's own code calls per symbol of a loop: per call, again
        # and again.
        (
            {
                "app/store.py": "from app.client import Client\n\n\n"
                "def to_sql(url, frame):\n    Client(url).save(frame, 'prices')\n\n\n"
                "def main(frames):\n    for frame in frames:\n        to_sql('sqlite://', frame)\n",
            },
            True,
        ),
    ],
)
def test_a_client_made_per_call_in_an_application(
    tmp_path: Path, maker: dict[str, str], reported: bool
) -> None:
    root = project(tmp_path, {"app/__init__.py": "", "app/client.py": CLIENT, **maker})
    (root / ".git").mkdir()
    (root / "pyproject.toml").unlink()  # an application: it declares nothing to install
    expected = [("app/client.py", 6, "SQA103")] if reported else []
    assert findings(root, "SQA103") == expected


def test_a_loop_is_named_before_a_caller_run_a_few_times(tmp_path: Path) -> None:
    # `get_db(url)` connects where it is told (its callers' few calls are no evidence
    # then), but one caller runs it on every round of a loop.
    files = {
        "app/__init__.py": "",
        "app/db.py": "from sqlalchemy import create_engine\n\n\n"
        "def get_db(url):\n    return create_engine(url).connect()\n",
        "app/load.py": "import pandas as pd\n\nfrom app.db import get_db\n\n\n"
        "def frame(query, url):\n    return pd.read_sql(query, get_db(url))\n\n\n"
        "def load(path, url):\n    for name in path:\n        get_db(url).close()\n\n\n"
        "if __name__ == '__main__':\n    frame('a', 'sqlite://')\n    frame('b', 'sqlite://')\n",
    }
    root = project(tmp_path, files)
    reported = [f for f in report(root) if f["code"] == "SQA103"]
    assert [f["location"]["row"] for f in reported] == [5]
    assert "is called in a loop in `load`" in reported[0]["message"]


def test_a_module_loaded_by_name_may_call_a_function(tmp_path: Path) -> None:
    # `mod.main(...)` on `importlib.import_module(...)`'s result may be a call of any
    # module's `main`: its argument, here the command line's, may reach the SQL; a
    # DataFrame's `df.main(...)` could not.
    job = (
        "from sqlalchemy import create_engine, text\n\n"
        "engine = create_engine('sqlite://')\n\n\n"
        "def main(table):\n    with engine.connect() as conn:\n"
        "        return conn.execute(text(f'select * from {table}')).all()\n\n\n"
        "if __name__ == '__main__':\n    main('users')\n"
    )
    run_all = (
        "import importlib\nimport sys\n\n"
        "mod = importlib.import_module('app.job')\nmod.main(sys.argv[1])\n"
    )
    files = {"app/__init__.py": "", "app/job.py": job, "app/run_all.py": run_all}
    root = project(tmp_path, files)
    assert findings(root, "SQA301") == [("app/job.py", 8, "SQA301")]
    (root / "app/run_all.py").write_text(
        run_all.replace("importlib.import_module('app.job')", "load_frame()")
    )
    assert findings(root, "SQA301") == []


def test_a_function_handed_to_a_queue_in_a_loop_is_said_to_be(tmp_path: Path) -> None:
    # `queue.enqueue(job, ...)` runs `job` once per round, later and elsewhere: the
    # message says it is handed over, not called.
    files = {
        "app/__init__.py": "",
        "app/jobs.py": "from sqlalchemy import create_engine\n\n\n"
        "def job(object_id):\n    engine = create_engine('postgresql://app@db/app')\n"
        "    with engine.connect() as conn:\n        conn.exec_driver_sql('select 1')\n",
        "app/sync.py": "from rq import Queue\n\nfrom app.jobs import job\n\n\n"
        "def sync(queue: Queue, ids):\n    for object_id in ids:\n"
        "        queue.enqueue(job, object_id)\n",
    }
    root = project(tmp_path, files)
    (reported,) = [f for f in report(root) if f["code"] == "SQA103"]
    assert "`job` is handed to `queue.enqueue()` in a loop in `sync`" in reported["message"]


def test_a_namespace_package_s_module_is_followed(tmp_path: Path) -> None:
    """`import Data.data_access` where `Data/` has no `__init__.py` (a namespace
    package): `Data.data_access.save(...)` in a loop calls the module's function, which
    makes an engine per call. A folder of data named like an import is no package."""
    root = project(
        tmp_path,
        {
            "Data/data_access.py": """
                from sqlalchemy import create_engine, text

                def save(reading):
                    engine = create_engine("postgresql:///irrigation")
                    with engine.connect() as conn:
                        conn.execute(text("INSERT INTO readings VALUES (:r)"), {"r": reading})
                """,
            "read_sensors.py": """
                import Data.data_access

                def main(readings):
                    for reading in readings:
                        Data.data_access.save(reading)
                """,
            "static/notes.txt": "not code\n",
            "report.py": """
                import static

                def main():
                    return static.notes
                """,
        },
    )
    engines = [f for f in report(root) if f["code"] == "SQA103"]
    assert [(Path(f["filename"]).name, f["location"]["row"]) for f in engines] == [
        ("data_access.py", 4)
    ]
    assert "is called in a loop in `main` (read_sensors.py)" in engines[0]["message"]
    with importable(root, "Data"):
        import Data.data_access  # noqa: F401  (Python imports it as a namespace package)


def test_a_migration_step_may_close_outside_finally(tmp_path: Path) -> None:
    """`upgrade()` of a migration script (a module in a `versions` folder): the
    migration tool runs it once and an exception ends that run, as for a command; the
    same body in an application's module is reported (SQA104)."""
    body = """
        from sqlalchemy import text

        def upgrade(migrate_engine):
            conn = migrate_engine.connect()
            conn.execute(text("UPDATE rules SET instruction_set = capabilities"))
            conn.close()
        """
    root = project(tmp_path, {"app/migrate/versions/027_rename.py": body, "app/jobs.py": body})
    assert findings(root, "SQA104") == [("app/jobs.py", 4, "SQA104")]


def test_a_test_suites_helper_formats_the_suites_own_data(tmp_path: Path) -> None:
    # A helper of a test class, called only by tests, is given what the tests made
    # (a factory's id): not input. The same helper in the application, called only by
    # the tests, is an API whose users pass what they like.
    helper = (
        "    def column_names(self, conn, table_name):\n"
        '        sql = "SELECT column_name FROM information_schema.columns "\n'
        "        sql += \"WHERE table_name = '{}'\".format(table_name)\n"
        "        return [r[0] for r in conn.execute(text(sql))]\n"
    )
    test = (
        "from sqlalchemy import text\n\nfrom app import factories\n\n\n"
        "class TestLoad:\n" + helper + "\n"
        "    def test_columns(self, conn):\n"
        "        resource = factories.resource()\n"
        "        assert self.column_names(conn, resource['id']) == ['_id']\n"
    )
    files = {
        "app/__init__.py": "",
        "app/factories.py": "def resource():\n    return {'id': 'abc'}\n",
        "tests/test_load.py": test,
    }
    root = project(tmp_path, files)
    assert findings(root, "SQA301") == []
    (root / "app/catalog.py").write_text(
        "from sqlalchemy import text\n\n\nclass Catalog:\n" + helper
    )
    (root / "tests/test_load.py").write_text(
        "from app import factories\nfrom app.catalog import Catalog\n\n\n"
        "def test_columns(conn):\n"
        "    resource = factories.resource()\n"
        "    assert Catalog().column_names(conn, resource['id']) == ['_id']\n"
    )
    assert findings(root, "SQA301") == [("app/catalog.py", 8, "SQA301")]


def test_a_package_wins_over_a_module_of_the_same_name(tmp_path: Path) -> None:
    """`app.py` (the script that runs the app) beside the package `app/`: `from app
    import SessionLocal` imports the package, as Python's import system does."""
    root = project(
        tmp_path,
        {
            "app.py": "from app import create_app\n\ncreate_app().run()\n",
            "app/__init__.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import sessionmaker

                SessionLocal = sessionmaker(bind=create_engine("sqlite://"))

                def create_app():
                    return None
                """,
            "views.py": """
                from sqlalchemy import text

                from app import SessionLocal

                def count():
                    db = SessionLocal()
                    return db.execute(text("SELECT 1")).scalar()
                """,
        },
    )
    assert findings(root, "SQA102") == [("views.py", 6, "SQA102")]
    sys.path.insert(0, str(root))
    try:
        import app  # type: ignore[import-not-found]

        assert app.__file__ == str(root / "app" / "__init__.py")
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("app", None)


def test_a_repository_that_is_its_own_package(tmp_path: Path) -> None:
    # Cloned as `monitoring_app/`, with an `__init__.py` at its top: its modules import
    # each other as `monitoring_app.db`, from the folder above (on the import path).
    root = tmp_path / "monitoring_app"
    root.mkdir()
    (root / ".git").mkdir()
    files = {
        "__init__.py": "",
        "db.py": "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n"
        "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n",
        "app.py": "from monitoring_app.db import SessionLocal\n\n\n"
        "def count(Endpoint):\n    db = SessionLocal()\n"
        "    return db.query(Endpoint).count()\n",
    }
    for name, text in files.items():
        (root / name).write_text(text)
    assert findings(root, "SQA102") == [("app.py", 5, "SQA102")]
    # Without the `__init__.py` the folder is a namespace package, which Python 3 imports
    # from the folder above all the same: still the project's one `monitoring_app/db.py`.
    (root / "__init__.py").unlink()
    assert findings(root, "SQA102") == [("app.py", 5, "SQA102")]
    sys.path.insert(0, str(tmp_path))
    try:
        import monitoring_app.db  # type: ignore[import-not-found]

        assert monitoring_app.db.__file__ == str(root / "db.py")
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("monitoring_app", "monitoring_app.db"):
            sys.modules.pop(name, None)


def test_an_untyped_engine_in_a_module_that_works_with_sqlalchemy_through_the_project(
    tmp_path: Path,
) -> None:
    # iris's sender cache: `from .. import db`, whose `db.engine` each `Cache(engine, ...)`
    # is handed; the module never imports SQLAlchemy itself.
    cache = (
        "class Cache:\n"
        "    def __init__(self, engine, sql):\n"
        "        self.engine = engine\n"
        "        self.sql = sql\n\n"
        "    def lookup(self, key):\n"
        "        connection = self.engine.raw_connection()\n"
        "        cursor = connection.cursor()\n"
        "        cursor.execute(self.sql, key)\n"
        "        row = cursor.fetchone()\n"
        "        connection.close()\n"
        "        return row\n"
    )
    root = project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/db.py": "from sqlalchemy import create_engine\n\n"
            "engine = create_engine('sqlite://')\n",
            "app/sender/__init__.py": "",
            "app/sender/cache.py": "from .. import db\n\n\n" + cache,
            # A speech engine's module imports nothing that works with SQLAlchemy.
            "app/speech.py": "import pyttsx3\n\n\n" + cache,
        },
    )
    assert findings(root, "SQA101", "SQA104") == [("app/sender/cache.py", 10, "SQA104")]


def test_an_engine_a_test_case_keeps_through_its_session_is_made_per_test(
    tmp_path: Path,
) -> None:
    # The session a test case keeps holds the engine `setUp` made for it; the suite
    # keeps every test case to the end of the run. (A Scrapy pipeline keeping one
    # the same way is made once per crawl, and is not reported.)
    test = (
        "import unittest\n\n"
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n\n\n"
        "class TestVariant(unittest.TestCase):\n"
        "    def setUp(self):\n"
        "        engine = create_engine('sqlite:///variants.db')\n"
        "        Session = sessionmaker(bind=engine)\n"
        "        self.session = Session()\n\n"
        "    def tearDown(self):\n"
        "        self.session.close()\n\n"
        "    def test_locus(self):\n"
        "        self.assertIsNotNone(self.session)\n"
    )
    root = project(tmp_path, {"tests/test_variant.py": test})
    assert findings(root, "SQA103") == [("tests/test_variant.py", 9, "SQA103")]


@pytest.mark.parametrize("named", [False, True], ids=["written-there", "named-by-a-constant"])
@pytest.mark.parametrize("kept", [True, False], ids=["kept-by-its-session", "dropped"])
def test_an_in_memory_database_made_per_test_is_the_test_s_own(
    kept: bool, named: bool, tmp_path: Path
) -> None:
    # `sqlite:///:memory:` in `setUp` (written there, or bound to a module constant):
    # a fresh, empty database for every test, on purpose; one engine shared by the
    # tests would share their data.
    keep = "        self.session = Session()\n" if kept else "        Session().close()\n"
    constant = "DBURL = 'sqlite:///:memory:'\n" if named else ""
    url = "DBURL" if named else "'sqlite:///:memory:'"
    test = (
        "import unittest\n\n"
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        f"{constant}\n\n"
        "class TestVariant(unittest.TestCase):\n"
        "    def setUp(self):\n"
        f"        engine = create_engine({url})\n"
        "        Session = sessionmaker(bind=engine)\n"
        f"{keep}\n"
        "    def test_locus(self):\n"
        "        self.assertTrue(True)\n"
    )
    (tmp_path / "memory").mkdir()
    (tmp_path / "disk").mkdir()
    in_memory = project(tmp_path / "memory", {"tests/test_variant.py": test})
    assert findings(in_memory, "SQA103") == []
    on_disk_test = test.replace(":memory:", "v.db")
    on_disk = project(tmp_path / "disk", {"tests/test_variant.py": on_disk_test})
    line = 10 if named else 9
    assert findings(on_disk, "SQA103") == [("tests/test_variant.py", line, "SQA103")]


def test_a_helper_deep_in_the_test_suite_says_nothing_of_how_often_code_runs(
    tmp_path: Path,
) -> None:
    # The application makes its database client once; a setup helper four folders down
    # in the test suite makes one per call, for each test.
    files = {
        "app/__init__.py": "",
        "app/client.py": "from sqlalchemy import create_engine\n\n\n"
        "class DatabaseClient:\n"
        "    def __init__(self):\n"
        "        self.engine = create_engine('sqlite://')\n",
        "app/main.py": "from app.client import DatabaseClient\n\nclient = DatabaseClient()\n",
        "tests/integration/tasks/setup/manager.py": "from app.client import DatabaseClient\n"
        "from app.operator import Operator\n\n\n"
        "def setup_operator():\n    return Operator(client=DatabaseClient())\n",
        "app/operator.py": "class Operator:\n"
        "    def __init__(self, client):\n        self.client = client\n",
        "tests/integration/tasks/test_tasks.py": "from .setup.manager import setup_operator\n\n\n"
        "def test_one():\n    assert setup_operator()\n\n\n"
        "def test_two():\n    assert setup_operator()\n",
    }
    root = project(tmp_path, files)
    assert findings(root, "SQA103") == []
    # The same helper in the application is called per operation.
    (root / "app/jobs.py").write_text(
        "from app.client import DatabaseClient\nfrom app.operator import Operator\n\n\n"
        "def run_job(job):\n    return Operator(client=DatabaseClient())\n\n\n"
        "def run_all(jobs):\n    for job in jobs:\n        run_job(job)\n"
    )
    assert findings(root, "SQA103") == [("app/client.py", 6, "SQA103")]


def test_a_test_suites_helper_nothing_calls_yet_is_the_suites(tmp_path: Path) -> None:
    # Nothing outside the suite imports `tests/alembic/helpers.py`: whoever calls its
    # helper later is a test, with the suite's own enum names.
    helper = (
        "from sqlalchemy import text\n\n\n"
        "def enum_values(enum_name, session):\n"
        '    return session.execute(text(f"SELECT enum_range(NULL::{enum_name})")).scalar()\n'
    )
    root = project(tmp_path, {"tests/alembic/helpers.py": helper})
    assert findings(root, "SQA301") == []
    # The same function in the application is an API: its callers pass what they like.
    (root / "app").mkdir()
    (root / "app/enums.py").write_text(helper)
    assert findings(root, "SQA301") == [("app/enums.py", 5, "SQA301")]


def _path_extending_project(root: Path, extend: bool, second_copy: bool = False) -> Path:
    insertion = "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'db'))"
    files = {
        "db/dbutils.py": """
            from sqlalchemy import create_engine, text

            def save(reading):
                engine = create_engine("sqlite://")
                with engine.connect() as conn:
                    conn.execute(text("SELECT :r"), {"r": reading})
            """,
        "jobs/load.py": f"""
            import os
            import sys

            {insertion if extend else ""}
            from dbutils import save

            def main(readings):
                for reading in readings:
                    save(reading)
            """,
    }
    if second_copy:
        files["legacy/dbutils.py"] = files["db/dbutils.py"]
    root.mkdir()
    return project(root, files)


def test_a_module_found_through_a_folder_the_importer_puts_on_the_import_path(
    tmp_path: Path,
) -> None:
    """`sys.path.insert(0, <a folder>)` then `from dbutils import save`: the folder is
    often read from a config file, so the module is looked for anywhere in the project.
    Without the insertion too (the folder is put on the path by whoever runs the job);
    with two modules of that name the tool does not guess."""
    root = _path_extending_project(tmp_path / "extends", extend=True)
    assert findings(root, "SQA103") == [("db/dbutils.py", 4, "SQA103")]
    assert "is called in a loop in `main` (jobs/load.py)" in report(root)[0]["message"]
    sys.path.insert(0, str(root / "jobs"))
    try:  # Python finds it the same way
        import load  # type: ignore[import-not-found]

        assert load.save.__module__ == "dbutils"
        load.main([1, 2])
    finally:
        sys.path.remove(str(root / "jobs"))
        for name in ("load", "dbutils"):
            sys.modules.pop(name, None)
    plain = _path_extending_project(tmp_path / "plain", extend=False)
    assert findings(plain, "SQA103") == [("db/dbutils.py", 4, "SQA103")]
    twice = _path_extending_project(tmp_path / "twice", extend=True, second_copy=True)
    assert findings(twice, "SQA103") == []


_LAYER = {
    "backend/common/database.py": """
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import sessionmaker

        engine = create_engine("sqlite://")
        SessionLocal = sessionmaker(bind=engine)

        def get_db():
            session = SessionLocal()
            try:
                yield session
            finally:
                session.close()
        """,
    "backend/api/get_blog/lambda_function.py": """
        import json

        import database

        def lambda_handler(event, context):
            db = next(database.get_db())
            count = db.execute(database.text("SELECT 1")).scalar()
            return {"statusCode": 200, "body": json.dumps(count)}
        """,
}


def test_a_module_deployed_beside_the_importer(tmp_path: Path) -> None:
    """An AWS Lambda layer: each function's `lambda_function.py` imports `database`,
    which lives in `backend/common/` and is deployed beside it (on the import path only
    once deployed). The one project module of that name is the one imported; none when
    two are, and never for a name of the standard library."""
    for name in ("layer", "two", "stdlib"):
        (tmp_path / name).mkdir()
    root = project(tmp_path / "layer", _LAYER)
    assert findings(root, "SQA102") == [("backend/api/get_blog/lambda_function.py", 6, "SQA102")]
    sys.path[:0] = [str(root / "backend/common"), str(root / "backend/api/get_blog")]
    try:  # deployed, Python finds it the same way
        import lambda_function  # type: ignore[import-not-found]

        assert lambda_function.database.__file__ == str(root / "backend/common/database.py")
        assert lambda_function.lambda_handler({}, None)["body"] == "1"
    finally:
        del sys.path[:2]
        for name in ("lambda_function", "database"):
            sys.modules.pop(name, None)
    # In the editor, the first publish does not walk the project for such a name (most
    # name libraries) nor waits for a second one; once a walk found it, it is at hand.
    from sqlalchemy_lint.semantic.project import ProjectIndex

    handler = (root / "backend/api/get_blog/lambda_function.py").resolve()
    index = ProjectIndex()
    first = index.view(handler, handler.read_text(), offline=True)
    assert first.resolve_import(handler, "database") is None and not first.incomplete
    layer = (root / "backend/common/database.py").resolve()
    assert index.view(handler, handler.read_text()).resolve_import(handler, "database") == layer
    later = index.view(handler, handler.read_text(), offline=True)
    assert later.resolve_import(handler, "database") == layer
    two = project(tmp_path / "two", {**_LAYER, "backend/legacy/database.py": ""})
    assert findings(two, "SQA102") == []
    # `import secrets` is the standard library's, whatever the project holds.
    stdlib = {
        "backend/common/secrets.py": _LAYER["backend/common/database.py"],
        "backend/api/get_blog/lambda_function.py": _LAYER[
            "backend/api/get_blog/lambda_function.py"
        ].replace("database", "secrets"),
    }
    assert findings(project(tmp_path / "stdlib", stdlib), "SQA102") == []


def test_an_editor_s_first_publish_does_not_walk_the_project_for_such_imports(
    tmp_path: Path,
) -> None:
    """Offline (the editor's first publish, from what it knows), the module is not
    looked for across the project: the result says knowledge was left out, and the
    refined publish finds it. Later first publishes use what that walk found (also
    that a library's name is no module of the project), and are complete."""
    from sqlalchemy_lint.checker import check_source
    from sqlalchemy_lint.semantic.project import ProjectIndex

    root = _path_extending_project(tmp_path / "extends", extend=True)
    index = ProjectIndex()
    job = (root / "jobs" / "load.py").resolve()
    view = index.view(job, job.read_text(), offline=True)
    assert view.resolve_import(job, "dbutils") is None
    assert view.incomplete
    assert not index._by_name  # no walk of the project's files
    online = index.view(job, job.read_text())
    assert online.resolve_import(job, "dbutils") == (root / "db" / "dbutils.py").resolve()
    assert online.resolve_import(job, "fastapi") is None  # a library: nothing found
    # The next first publish (the next edit) has what that walk found at hand.
    again = index.view(job, job.read_text(), offline=True)
    assert again.resolve_import(job, "dbutils") == (root / "db" / "dbutils.py").resolve()
    assert again.resolve_import(job, "fastapi") is None
    assert not again.incomplete
    loader = (root / "db" / "dbutils.py").resolve()
    refined = check_source(loader.read_text(), loader, project=index)
    assert [d.code for d in refined.diagnostics] == ["SQA103"]


def test_a_session_a_test_reads_as_a_mock_is_a_mock(tmp_path: Path) -> None:
    """`setUp` patches the module's session factory out of sight (`patch(...).start()`
    in a base class); the test reads what the factory gives as a mock does
    (`.execute.call_args_list`): no session is made, none reported. Made and used as a
    session, it is."""
    root = project(
        tmp_path,
        {
            "indexer/__init__.py": "",
            "indexer/handler.py": """
                from sqlalchemy import create_engine, text
                from sqlalchemy.orm import sessionmaker

                db_session = sessionmaker(bind=create_engine("sqlite://"))

                def reindex(ids):
                    with db_session() as session:
                        for id in ids:
                            session.execute(text("SELECT :id"), {"id": id})
                """,
            "tests/test_handler.py": """
                from unittest import TestCase, mock

                from indexer import handler

                class PatchedCase(TestCase):
                    def setUp(self):
                        patcher = mock.patch("indexer.handler.db_session")
                        self.addCleanup(patcher.stop)
                        patcher.start()

                class HandlerTest(PatchedCase):
                    def test_reindex(self):
                        handler.reindex([1, 2])
                        calls = handler.db_session().__enter__().execute.call_args_list
                        self.assertEqual(len(calls), 2)
                        self.assertEqual(handler.db_session().execute.call_args_list, [])

                def test_unpatched():
                    session = handler.db_session()
                    session.execute(handler.text("SELECT 1"))
                """,
        },
    )
    assert findings(root, "SQA102") == [("tests/test_handler.py", 19, "SQA102")]
    with importable(root, "indexer"):
        import unittest

        sys.path.insert(0, str(root / "tests"))
        try:
            import test_handler  # type: ignore[import-not-found]

            suite = unittest.defaultTestLoader.loadTestsFromTestCase(test_handler.HandlerTest)
            assert unittest.TextTestRunner(stream=io.StringIO()).run(suite).wasSuccessful()
        finally:
            sys.path.remove(str(root / "tests"))
            sys.modules.pop("test_handler", None)


def test_a_marker_left_inside_a_package_does_not_cut_the_project(tmp_path: Path) -> None:
    """`app/util/setup.py` inside the package `app` (its parent has an `__init__.py`):
    `app/util/auth.py` still imports `app` from the top, as the application does."""
    root = project(
        tmp_path,
        {
            "app/__init__.py": """
                from sqlalchemy import create_engine
                from sqlalchemy.orm import sessionmaker

                Session = sessionmaker(bind=create_engine("sqlite://"))
                """,
            "app/util/setup.py": "from setuptools import setup\nsetup(name='util')\n",
            "app/util/auth/__init__.py": "",
            "app/util/auth/roles.py": """
                from sqlalchemy import text

                from app import Session

                def roles(username):
                    session = Session()
                    rows = session.execute(text("SELECT 1")).all()
                    session.close()
                    return rows
                """,
        },
    )
    assert findings(root, "SQA104") == [("app/util/auth/roles.py", 6, "SQA104")]


TEST_BASE = """
from sqlalchemy import create_engine
from sqlalchemy.orm import {closer}sessionmaker


class TestCase:
    def setup_method(self, method):
        self.engine = create_engine("sqlite://")
        self.session = sessionmaker(bind=self.engine)()

    def teardown_method(self, method):
        {teardown}
        self.engine.dispose()
"""
TEST_MODULE = """
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests import TestCase


class TestSessions(TestCase):
    def test_new_session(self):
        self.session2 = Session(bind=self.engine)
        self.session2.execute(text("SELECT 1"))
"""


@pytest.mark.parametrize("closes", [True, False])
def test_sessions_of_tests_whose_base_class_closes_all_sessions(
    tmp_path: Path, closes: bool
) -> None:
    """A test class whose base class (another module of the tests) calls
    `close_all_sessions()` in its `teardown_method`: the sessions its tests and its
    `setup_method` keep on `self` are closed after each test, and not reported; without
    that call both are."""
    base = TEST_BASE.format(
        closer="close_all_sessions, " if closes else "",
        teardown="close_all_sessions()" if closes else "pass",
    )
    root = project(tmp_path, {"tests/__init__.py": base, "tests/test_sessions.py": TEST_MODULE})
    expected = (
        []
        if closes
        else [
            ("tests/__init__.py", 8, "SQA102"),
            ("tests/test_sessions.py", 9, "SQA102"),
        ]
    )
    assert findings(root, "SQA102") == expected


EQUIPMENT_TEST = """
import unittest

from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker


class EquipmentTest(unittest.TestCase):
    {setup}
        self.engine = create_engine("sqlite://")
        self.session = sessionmaker(bind=self.engine)()

    def tearDown(self):
        self.session.close()

    def test_duplicate_name_is_refused(self):
        try:
            self.session.add(Equipment(name="shoes"))
            self.session.flush()
        except IntegrityError:
            pass
        else:
            self.fail("a duplicate name was accepted")
"""


@pytest.mark.parametrize("once", [False, True])
def test_a_test_that_makes_a_flush_fail_on_purpose(tmp_path: Path, once: bool) -> None:
    """A test method that swallows the failed flush it provokes: unittest makes a new
    object (and, in `setUp`, a new session) for each test, so only `tearDown` uses the
    broken session next, to close it; SQA110 stays quiet. A session made once for the
    class (`setUpClass`) is the next test's too, and is reported."""
    setup = "@classmethod\n    def setUpClass(self):" if once else "def setUp(self):"
    root = project(tmp_path, {"tests/test_equipment.py": EQUIPMENT_TEST.format(setup=setup)})
    expected = [("tests/test_equipment.py", 21, "SQA110")] if once else []
    assert findings(root, "SQA110") == expected
