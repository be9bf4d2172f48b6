"""Sessions and connections a test receives from pytest fixtures, by parameter name.

Each test writes a small project (a pyproject.toml marks its root), checks one of
its files and compares (line, code) pairs; the last ones go through the CLI, whose
text prefilter must not skip a test module that only a conftest.py ties to SQLAlchemy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.semantic import ProjectIndex

CONFTEST_WITH_SESSION = """
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session


@pytest.fixture(scope="session")
def engine():
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session
        session.rollback()
"""

# Uses of a received session that rules report only on a session: a plain string
# to execute() (SQA202), the legacy Query API (SQA203), and an f-string to execute()
# (SQA202; SQA301 only for input from outside the program, see
# test_fixture_values_are_not_outside_input).
TESTS_USING_SESSION = """
from shop.models import Product


def test_truncate(session):
    session.execute("DELETE FROM products")


def test_count(session):
    assert session.query(Product).count() == 0


def test_by_name(session, name="a"):
    session.execute(f"SELECT * FROM products WHERE name = '{name}'")
"""
EXPECTED = [(5, "SQA202"), (9, "SQA203"), (13, "SQA202")]


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
    return tmp_path


def _codes(path: Path) -> list[tuple[int, str]]:
    result = check_source(path.read_text(), path, project=ProjectIndex())
    assert result.problem is None
    return sorted((d.line, d.code) for d in result.diagnostics)


def test_fixture_from_a_conftest_in_the_same_directory(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_products.py": TESTS_USING_SESSION},
    )
    assert _codes(root / "tests/test_products.py") == EXPECTED


def test_fixture_from_a_conftest_further_up(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "conftest.py": CONFTEST_WITH_SESSION,
            "tests/unit/catalog/test_products.py": TESTS_USING_SESSION,
        },
    )
    assert _codes(root / "tests/unit/catalog/test_products.py") == EXPECTED


def test_fixture_in_the_test_module_itself(tmp_path: Path) -> None:
    fixture_and_tests = CONFTEST_WITH_SESSION + "\n\n" + TESTS_USING_SESSION
    root = _project(tmp_path, {"test_products.py": fixture_and_tests})
    # The tests' first line ("from shop.models import Product") is line `offset + 1`.
    offset = fixture_and_tests.lstrip("\n").split("\n").index("from shop.models import Product")
    assert _codes(root / "test_products.py") == [(line + offset, c) for line, c in EXPECTED]


def test_the_nearest_definition_wins(tmp_path: Path) -> None:
    # A deeper conftest redefines `session` as something that is not a session:
    # the tests below it receive that, so nothing is reported there.
    not_a_session = """
    import pytest


    @pytest.fixture
    def session():
        return FakeSession()
    """
    root = _project(
        tmp_path,
        {
            "conftest.py": CONFTEST_WITH_SESSION,
            "tests/fake/conftest.py": not_a_session,
            "tests/fake/test_products.py": TESTS_USING_SESSION,
            "tests/real/test_products.py": TESTS_USING_SESSION,
        },
    )
    assert _codes(root / "tests/fake/test_products.py") == []
    assert _codes(root / "tests/real/test_products.py") == EXPECTED


def test_a_module_fixture_overrides_conftest(tmp_path: Path) -> None:
    override = "import pytest\n\n\n@pytest.fixture\ndef session():\n    return FakeSession()\n"
    root = _project(
        tmp_path,
        {
            "tests/conftest.py": CONFTEST_WITH_SESSION,
            "tests/test_products.py": override + TESTS_USING_SESSION,
        },
    )
    assert _codes(root / "tests/test_products.py") == []


def test_an_override_that_requests_the_fixture_it_overrides(tmp_path: Path) -> None:
    # pytest gives `def session(session)` the conftest's `session`.
    nested = """
    import pytest


    @pytest.fixture
    def session(session):
        session.begin_nested()
        yield session


    def test_truncate(session):
        session.execute("DELETE FROM products")
    """
    root = _project(
        tmp_path, {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_nested.py": nested}
    )
    assert _codes(root / "tests/test_nested.py") == [(11, "SQA202")]


def test_fixture_named_with_the_name_argument(tmp_path: Path) -> None:
    conftest = """
    import pytest
    from sqlalchemy import create_engine


    @pytest.fixture(name="db")
    def database_connection():
        engine = create_engine("sqlite://")
        with engine.connect() as connection:
            yield connection
    """
    tests = """
    def test_truncate(db):
        db.execute("DELETE FROM products")


    def test_unrelated(database_connection):
        database_connection.execute("DELETE FROM products")
    """
    root = _project(tmp_path, {"tests/conftest.py": conftest, "tests/test_db.py": tests})
    assert _codes(root / "tests/test_db.py") == [(2, "SQA202")]


def test_test_methods_of_test_classes_receive_fixtures(tmp_path: Path) -> None:
    tests = """
    class TestProducts:
        def test_truncate(self, session):
            session.execute("DELETE FROM products")


    class Helper:
        def test_like_name(self, session):
            session.execute("DELETE FROM products")
    """
    root = _project(
        tmp_path, {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_classes.py": tests}
    )
    assert _codes(root / "tests/test_classes.py") == [(3, "SQA202")]


def test_only_pytest_fills_the_parameters(tmp_path: Path) -> None:
    # A helper in a test module and a function in an application module get their
    # `session` from their callers, which may pass anything: not resolved.
    helper = """
    def add_product(session, name):
        session.execute("DELETE FROM products")
    """
    root = _project(
        tmp_path,
        {
            "conftest.py": CONFTEST_WITH_SESSION,
            "tests/test_helpers.py": helper,
            "app/service.py": "def test_mode(session):\n    session.execute('DELETE FROM x')\n",
        },
    )
    assert _codes(root / "tests/test_helpers.py") == []
    assert _codes(root / "app/service.py") == []


def test_a_received_session_is_not_the_test_s_to_close(tmp_path: Path) -> None:
    tests = """
    def test_add(session):
        session.add(Product(name="a"))
        session.flush()


    def test_close_is_not_required(session):
        session.commit()
        session.close()
    """
    root = _project(
        tmp_path, {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_add.py": tests}
    )
    assert _codes(root / "tests/test_add.py") == []


def test_async_fixtures(tmp_path: Path) -> None:
    conftest = """
    import pytest_asyncio
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine


    @pytest_asyncio.fixture
    async def session():
        engine = create_async_engine("sqlite+aiosqlite://")
        async with AsyncSession(engine) as session:
            yield session
        await engine.dispose()
    """
    tests = """
    async def test_truncate(session):
        await session.execute("DELETE FROM products")
    """
    root = _project(tmp_path, {"tests/conftest.py": conftest, "tests/test_async.py": tests})
    assert _codes(root / "tests/test_async.py") == [(2, "SQA202")]


def test_fixture_values_are_not_outside_input(tmp_path: Path) -> None:
    # SQA301 reports values from outside the program. What pytest hands a test is
    # the suite's own data; the command line is outside input even in a test module.
    tests = """
    import sys
    from sqlalchemy import text


    def test_insert(session, flow):
        session.execute(text(f"INSERT INTO runs (flow_id) VALUES ('{flow.id}')"))


    def test_from_the_command_line(session):
        session.execute(text(f"DELETE FROM runs WHERE id = '{sys.argv[1]}'"))
    """
    root = _project(
        tmp_path, {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_runs.py": tests}
    )
    assert _codes(root / "tests/test_runs.py") == [(10, "SQA301")]


def test_fixture_values_passed_on_to_helpers_are_not_outside_input(tmp_path: Path) -> None:
    # A fixture passes an item of another fixture (a dict of table names) to a plain
    # helper of the conftest that formats it into SQL: still the suite's own data, as
    # is what any helper of the suite that only the suite calls is given. The same
    # helper in the application, which only the suite calls, is an API: its users
    # pass what they like.
    helper = """
def drop_table(engine, table_name):
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {table_name}"))
"""
    conftest = (
        CONFTEST_WITH_SESSION
        + """

def create_table(engine, table_name):
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {table_name} (id INTEGER)"))

"""
        + helper
        + """

@pytest.fixture
def tables(engine, table_names):
    create_table(engine, table_names["taxi"])
    yield


def clean(engine, names):
    drop_table(engine, names["taxi"])
"""
    )
    conftest = conftest.replace(
        "from sqlalchemy import create_engine", "from sqlalchemy import create_engine, text"
    )
    root = _project(tmp_path, {"tests/conftest.py": conftest})
    assert _codes(root / "tests/conftest.py") == []
    (root / "shop").mkdir()
    (root / "shop/__init__.py").write_text("")
    (root / "shop/tables.py").write_text("from sqlalchemy import text\n\n" + helper)
    in_the_app = conftest.replace(helper, "\nfrom shop.tables import drop_table\n")
    (root / "tests/conftest.py").write_text(textwrap.dedent(in_the_app).lstrip("\n"))
    assert _codes(root / "tests/conftest.py") == []
    assert _codes(root / "shop/tables.py") == [(6, "SQA301")]


def test_the_cli_checks_a_test_module_that_never_mentions_sqlalchemy(tmp_path: Path) -> None:
    tests = """
    def test_truncate(session):
        session.execute("DELETE FROM products")
    """
    root = _project(
        tmp_path, {"tests/conftest.py": CONFTEST_WITH_SESSION, "tests/test_plain.py": tests}
    )
    completed = subprocess.run(
        [sys.executable, "-m", "sqlalchemy_lint", "check", "--format", "json", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(completed.stdout)
    assert [(f["filename"].rsplit("/", 1)[-1], f["code"]) for f in findings] == [
        ("test_plain.py", "SQA202")
    ], completed.stderr


CONFTEST_WITH_A_BOUND_FACTORY = """
from collections.abc import Generator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture(scope="session")
def session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=create_engine("sqlite://"))


@pytest.fixture
def temp_db(session_factory: sessionmaker[Session]) -> Generator[sessionmaker[Session]]:
    connection = session_factory.kw["bind"].connect()
    transaction = connection.begin()
    yield sessionmaker(bind=connection)
    transaction.rollback()
    connection.close()
"""


def test_sessions_of_a_factory_bound_to_the_fixture_s_connection(tmp_path: Path) -> None:
    # The fixture owns the connection and closes it after the test: a session the
    # test makes from the bound factory holds no pool slot of its own
    # (test_a_session_of_a_bound_factory_holds_no_connection shows it at run time),
    # whether the test annotates the parameter or not.
    # (A session that only commits takes no connection: each test runs a query.)
    tests = """
    from sqlalchemy import text
    from sqlalchemy.orm import Session, sessionmaker

    def test_annotated(temp_db: sessionmaker[Session]) -> None:
        session = temp_db()
        session.execute(text("SELECT 1"))


    def test_plain(temp_db):
        session = temp_db()
        session.execute(text("SELECT 1"))
    """
    root = _project(
        tmp_path,
        {"tests/conftest.py": CONFTEST_WITH_A_BOUND_FACTORY, "tests/test_bound.py": tests},
    )
    assert _codes(root / "tests/test_bound.py") == []
    # A fixture whose factory is bound to the engine: each session takes its own
    # connection, and the test that never closes it leaks it.
    unbound = CONFTEST_WITH_A_BOUND_FACTORY.replace(
        "yield sessionmaker(bind=connection)", "yield session_factory"
    )
    (root / "tests/conftest.py").write_text(textwrap.dedent(unbound).lstrip("\n"))
    assert _codes(root / "tests/test_bound.py") == [(5, "SQA102"), (10, "SQA102")]


def test_a_session_of_a_bound_factory_holds_no_connection(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import sessionmaker

    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    connection = engine.connect()
    transaction = connection.begin()
    session = sessionmaker(bind=connection)()  # never closed, as in the test above
    session.execute(text("CREATE TABLE t (x INTEGER)"))
    session.commit()
    assert engine.pool.checkedout() == 1  # the fixture's connection, not a second one
    transaction.rollback()
    connection.close()
    assert engine.pool.checkedout() == 0
    engine.dispose()


def test_a_fixture_that_yields_a_sync_or_an_async_factory(tmp_path: Path) -> None:
    # Parametrised by a setting: the test's session is followed as a session either way.
    conftest = """
    import pytest
    from sqlalchemy import create_engine
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
    from sqlalchemy.orm import sessionmaker


    @pytest.fixture
    def session_factory(session_type):
        if session_type == "async":
            yield sessionmaker(bind=create_async_engine("sqlite+aiosqlite://"), class_=AsyncSession)
        else:
            yield sessionmaker(bind=create_engine("sqlite://"))
    """
    tests = """
    def test_query(session_factory):
        session = session_factory()
        session.connection()
    """
    root = _project(tmp_path, {"tests/conftest.py": conftest, "tests/test_either.py": tests})
    assert _codes(root / "tests/test_either.py") == [(2, "SQA102")]


# SQA103 in the suite: an engine made, used and dropped is one pool per run of the
# code that makes it. A test, a session fixture or a helper they call runs once per
# run of the suite; `setUp` and a fixture of the default scope run for every test.
ENGINE_HELPERS = """
from sqlalchemy import create_engine, text


def count_rows(path):
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM t")).scalar()


def truncate_all(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM t"))
"""


def test_an_engine_a_test_helper_drops_is_made_once_per_test_that_calls_it(
    tmp_path: Path,
) -> None:
    tests = """
    from tests.helpers import count_rows


    def test_empty(tmp_path):
        assert count_rows(tmp_path / "a.db") == 0


    def test_one(tmp_path):
        assert count_rows(tmp_path / "b.db") == 1
    """
    root = _project(tmp_path, {"tests/helpers.py": ENGINE_HELPERS, "tests/test_rows.py": tests})
    assert _codes(root / "tests/helpers.py") == []


def test_an_engine_made_around_every_test_is_reported(tmp_path: Path) -> None:
    per_test = """
    import pytest
    from tests.helpers import truncate_all


    @pytest.fixture
    def clean(database_url):
        yield
        truncate_all(database_url)
    """
    once = """
    import pytest
    from tests.helpers import truncate_all


    @pytest.fixture(scope="session")
    def clean(database_url):
        yield
        truncate_all(database_url)
    """
    for conftest, expected in ((per_test, [(11, "SQA103")]), (once, [])):
        root = _project(
            tmp_path, {"tests/helpers.py": ENGINE_HELPERS, "tests/conftest.py": conftest}
        )
        assert _codes(root / "tests/helpers.py") == expected


def test_an_engine_made_in_set_up_is_reported(tmp_path: Path) -> None:
    tests = """
    import unittest

    from sqlalchemy import create_engine, text


    class RowsTest(unittest.TestCase):
        def setUp(self):
            engine = create_engine("sqlite:///rows.db")
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM t"))

        def test_rows(self):
            pass
    """
    root = _project(tmp_path, {"tests/test_rows.py": tests})
    assert _codes(root / "tests/test_rows.py") == [(8, "SQA103")]
