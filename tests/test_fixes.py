"""Before/after examples for every quick fix, and the properties all fixes share."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent

import libcst
import pytest

from sqlalchemy_lint.diagnostics import Applicability, Position, Span, TextEdit
from sqlalchemy_lint.fixes import apply_edits, module_level_engine_fix, noqa_fix, with_block_fix
from sqlalchemy_lint.fixes.edits import span_from_offsets


def span_of(source: str, text: str, occurrence: int = 0) -> Span:
    """The span of the `occurrence`-th appearance of `text` in `source`."""
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(text, start + 1)
    return span_from_offsets(source, start, start + len(text))


def code(text: str) -> str:
    return dedent(text).lstrip("\n")


@dataclass(frozen=True)
class WithCase:
    id: str
    before: str
    call: str  # the text of the resource-creating call, located in `before`
    after: str | None  # None: no safe fix exists
    is_async: bool = False
    noun: str = "connection"
    occurrence: int = 0

    def fix(self, source: str | None = None) -> tuple[str, list[TextEdit]] | None:
        source = self.before if source is None else source
        found = with_block_fix(
            source,
            span_of(source, self.call, self.occurrence),
            is_async=self.is_async,
            noun=self.noun,
        )
        if found is None:
            return None
        assert found.applicability is Applicability.SAFE
        return apply_edits(source, found.edits), list(found.edits)


FIXED = [
    WithCase(
        "explicit-close-removed-comments-kept",
        code("""
            def report(engine, query):
                # Read everything first.
                conn = engine.connect()  # one connection
                result = conn.execute(query)
                print("read")  # progress
                rows = result.fetchall()
                conn.close()
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                # Read everything first.
                with engine.connect() as conn:  # one connection
                    result = conn.execute(query)
                    print("read")  # progress
                    rows = result.fetchall()
                return rows
            """),
    ),
    WithCase(
        "block-extends-over-lazy-result",
        code("""
            def report(engine, query):
                conn = engine.connect()
                result = conn.execute(query)
                log("executed")
                rows = result.fetchall()
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    result = conn.execute(query)
                    log("executed")
                    rows = result.fetchall()
                return rows
            """),
    ),
    WithCase(
        "bare-call-whose-result-is-unused",
        code("""
            def ping(engine):
                engine.connect()  # can we connect?
                log("connected")
            """),
        "engine.connect()",
        code("""
            def ping(engine):
                with engine.connect():  # can we connect?
                    pass
                log("connected")
            """),
    ),
    WithCase(
        "bare-awaited-call-whose-result-is-unused",
        code("""
            async def ping(engine):
                await engine.connect()
            """),
        "engine.connect()",
        code("""
            async def ping(engine):
                async with engine.connect():
                    pass
            """),
        is_async=True,
    ),
    WithCase(
        "block-extends-over-derived-of-derived",
        code("""
            def report(engine, query):
                conn = engine.connect()
                result = conn.execute(query)
                mappings = result.mappings()
                first = mappings.first()
                return first
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    result = conn.execute(query)
                    mappings = result.mappings()
                    first = mappings.first()
                return first
            """),
    ),
    WithCase(
        "last-use-in-nested-block",
        code("""
            def report(engine, query, verbose):
                conn = engine.connect()
                result = conn.execute(query)
                if verbose:
                    for row in result:
                        print(row)
                return 1
            """),
        "engine.connect()",
        code("""
            def report(engine, query, verbose):
                with engine.connect() as conn:
                    result = conn.execute(query)
                    if verbose:
                        for row in result:
                            print(row)
                return 1
            """),
    ),
    WithCase(
        "try-finally-close-collapses",
        code("""
            def report(engine, query):
                conn = engine.connect()
                # Always release it.
                try:
                    return conn.execute(query).fetchall()
                finally:
                    conn.close()
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    # Always release it.
                    return conn.execute(query).fetchall()
            """),
    ),
    WithCase(
        "try-finally-keeps-handlers-and-other-cleanup",
        code("""
            def report(engine, query):
                conn = engine.connect()
                try:
                    rows = conn.execute(query).all()
                except ValueError:
                    rows = []
                finally:
                    log("done")
                    conn.close()
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    try:
                        rows = conn.execute(query).all()
                    except ValueError:
                        rows = []
                    finally:
                        log("done")
                return rows
            """),
    ),
    WithCase(
        "try-except-finally-close-only",
        code("""
            def report(engine, query):
                conn = engine.connect()
                try:
                    rows = conn.execute(query).all()
                except ValueError:
                    rows = []
                finally:
                    conn.close()
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    try:
                        rows = conn.execute(query).all()
                    except ValueError:
                        rows = []
                return rows
            """),
    ),
    WithCase(
        "try-finally-comments-kept",
        code("""
            def report(engine, q):
                conn = engine.connect()
                try:  # header
                    rows = conn.execute(q).all()
                    # after body
                # before finally
                finally:  # why
                    # release
                    conn.close()  # bye
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, q):
                with engine.connect() as conn:
                    # header
                    rows = conn.execute(q).all()
                    # after body
                    # before finally
                    # why
                    # release
                    # bye
                return rows
            """),
    ),
    WithCase(
        "async-chained",
        code("""
            async def report(engine, q):
                rows = (await (await engine.connect()).execute(q)).all()
                return rows
            """),
        "engine.connect()",
        code("""
            async def report(engine, q):
                async with engine.connect() as conn:
                    rows = (await conn.execute(q)).all()
                return rows
            """),
        is_async=True,
    ),
    WithCase(
        "if-test",
        code("""
            def report(engine, q):
                if engine.connect().execute(q).scalar():
                    x = 1
                else:
                    x = 2
                return x
            """),
        "engine.connect()",
        code("""
            def report(engine, q):
                with engine.connect() as conn:
                    if conn.execute(q).scalar():
                        x = 1
                    else:
                        x = 2
                return x
            """),
    ),
    WithCase(
        "async-connection-awaited",
        code("""
            async def report(engine, query):
                conn = await engine.connect()
                result = await conn.execute(query)
                rows = result.all()
                await conn.close()
                return rows
            """),
        "engine.connect()",
        code("""
            async def report(engine, query):
                async with engine.connect() as conn:
                    result = await conn.execute(query)
                    rows = result.all()
                return rows
            """),
        is_async=True,
    ),
    WithCase(
        "async-session",
        code("""
            async def load(user_id):
                session = AsyncSessionLocal()
                user = await session.get(User, user_id)
                await session.close()
                return user
            """),
        "AsyncSessionLocal()",
        code("""
            async def load(user_id):
                async with AsyncSessionLocal() as session:
                    user = await session.get(User, user_id)
                return user
            """),
        is_async=True,
        noun="session",
    ),
    WithCase(
        "chained-expression-statement",
        code("""
            def touch(engine, query):
                engine.connect().execute(query)
                return True
            """),
        "engine.connect()",
        code("""
            def touch(engine, query):
                with engine.connect() as conn:
                    conn.execute(query)
                return True
            """),
    ),
    WithCase(
        "chained-consumed-assignment",
        code("""
            def report(engine, query):
                rows = engine.connect().execute(query).fetchall()
                return rows
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    rows = conn.execute(query).fetchall()
                return rows
            """),
    ),
    WithCase(
        "chained-lazy-result-used-later",
        code("""
            def report(engine, query):
                result = engine.connect().execute(query)
                log("executed")
                return result.scalars().all()
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    result = conn.execute(query)
                    log("executed")
                    return result.scalars().all()
            """),
    ),
    WithCase(
        "passed-straight-into-a-call",
        code("""
            def frame(query):
                df = pd.read_sql(query, engine.connect())
                return df
            """),
        "engine.connect()",
        code("""
            def frame(query):
                with engine.connect() as conn:
                    df = pd.read_sql(query, conn)
                return df
            """),
    ),
    WithCase(
        "return-consumed-chain",
        code("""
            def report(engine, query):
                return engine.connect().execute(query).fetchall()
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    return conn.execute(query).fetchall()
            """),
    ),
    WithCase(
        "lazy-result-consumed-before-return",
        code("""
            def report(engine, query):
                conn = engine.connect()
                result = conn.execute(query)
                return list(result)
            """),
        "engine.connect()",
        code("""
            def report(engine, query):
                with engine.connect() as conn:
                    result = conn.execute(query)
                    return list(result)
            """),
    ),
    WithCase(
        "generator-dependency",
        code("""
            def get_db():
                db = SessionLocal()
                yield db
                db.close()
            """),
        "SessionLocal()",
        code("""
            def get_db():
                with SessionLocal() as db:
                    yield db
            """),
        noun="session",
    ),
    WithCase(
        "generator-dependency-try-finally",
        code("""
            def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()
            """),
        "SessionLocal()",
        code("""
            def get_db():
                with SessionLocal() as db:
                    yield db
            """),
        noun="session",
    ),
    WithCase(
        "for-loop-header",
        code("""
            def show(engine, query):
                for row in engine.connect().execute(query):
                    print(row)
                print("done")
            """),
        "engine.connect()",
        code("""
            def show(engine, query):
                with engine.connect() as conn:
                    for row in conn.execute(query):
                        print(row)
                print("done")
            """),
    ),
    WithCase(
        "fresh-name-avoids-collision",
        code("""
            def report(engine, query, conn, session):
                rows = Session(engine).execute(query).all()
                return rows, conn, session
            """),
        "Session(engine)",
        code("""
            def report(engine, query, conn, session):
                with Session(engine) as session_1:
                    rows = session_1.execute(query).all()
                    return rows, conn, session
            """),
        noun="session",
    ),
    WithCase(
        "session-objects-keep-the-session-open",
        code("""
            def names(engine, user_id):
                session: Session = Session(engine)
                user = session.get(User, user_id)
                print(user.addresses)
                return user
            """),
        "Session(engine)",
        code("""
            def names(engine, user_id):
                with Session(engine) as session:
                    user = session.get(User, user_id)
                    print(user.addresses)
                    return user
            """),
        noun="session",
    ),
    WithCase(
        "sessionmaker-begin",
        code("""
            def add(factory, user):
                session = factory.begin()
                session.add(user)
            """),
        "factory.begin()",
        code("""
            def add(factory, user):
                with factory.begin() as session:
                    session.add(user)
            """),
        noun="session",
    ),
    WithCase(
        "crlf-line-endings",
        "def f(engine, q):\r\n    conn = engine.connect()\r\n    x = conn.execute(q).scalar()\r\n"
        "    conn.close()\r\n    return x\r\n",
        "engine.connect()",
        "def f(engine, q):\r\n    with engine.connect() as conn:\r\n"
        "        x = conn.execute(q).scalar()\r\n    return x\r\n",
    ),
    WithCase(
        "tab-indentation",
        "def f(engine, q):\n\tconn = engine.connect()\n\tif q:\n\t\tconn.execute(q)\n\treturn 2\n",
        "engine.connect()",
        "def f(engine, q):\n\twith engine.connect() as conn:\n\t\tif q:\n\t\t\tconn.execute(q)\n"
        "\treturn 2\n",
    ),
    WithCase(
        "two-space-block-in-four-space-module",
        code("""
            def g():
                pass
            def f(engine, q):
              conn = engine.connect()
              conn.execute(q)
            """),
        "engine.connect()",
        code("""
            def g():
                pass
            def f(engine, q):
              with engine.connect() as conn:
                conn.execute(q)
            """),
    ),
    WithCase(
        "module-level-script",
        code("""
            conn = engine.connect()
            rows = conn.execute(query).all()
            print(rows)
            """),
        "engine.connect()",
        code("""
            with engine.connect() as conn:
                rows = conn.execute(query).all()
            print(rows)
            """),
    ),
    WithCase(
        "inside-a-loop-body",
        code("""
            def each(engine, queries):
                for query in queries:
                    conn = engine.connect()
                    conn.execute(query)
            """),
        "engine.connect()",
        code("""
            def each(engine, queries):
                for query in queries:
                    with engine.connect() as conn:
                        conn.execute(query)
            """),
    ),
    WithCase(
        "no-use-gives-pass",
        code("""
            def ping(engine):
                conn = engine.connect()
                conn.close()
            """),
        "engine.connect()",
        code("""
            def ping(engine):
                with engine.connect() as conn:
                    pass
            """),
    ),
    WithCase(
        "multi-line-call-and-string-untouched",
        code('''
            def report(engine, q):
                conn = engine.connect()
                data = conn.execute(
                    q,  # the query
                    {"a": 1},
                ).all()
                text = """multi
            line"""
                return data, text
            '''),
        "engine.connect()",
        code('''
            def report(engine, q):
                with engine.connect() as conn:
                    data = conn.execute(
                        q,  # the query
                        {"a": 1},
                    ).all()
                text = """multi
            line"""
                return data, text
            '''),
    ),
    WithCase(
        "parenthesised-call-and-multi-line-string-in-block",
        code('''
            def report(engine):
                conn = (engine.connect())
                rows = conn.execute(text("""
            SELECT 1
            """)).all()
                return rows
            '''),
        "engine.connect()",
        code('''
            def report(engine):
                with engine.connect() as conn:
                    rows = conn.execute(text("""
            SELECT 1
            """)).all()
                return rows
            '''),
    ),
    WithCase(
        "second-connection-reusing-the-name",
        code("""
            def report(engine, q1, q2):
                conn = engine.connect()
                a = conn.execute(q1).all()
                conn.close()
                conn = engine.connect()
                b = conn.execute(q2).all()
                return a, b
            """),
        "engine.connect()",
        code("""
            def report(engine, q1, q2):
                conn = engine.connect()
                a = conn.execute(q1).all()
                conn.close()
                with engine.connect() as conn:
                    b = conn.execute(q2).all()
                return a, b
            """),
        occurrence=1,
    ),
]

NOT_FIXED = [
    WithCase(
        "returns-lazy-result",
        code("""
            def rows(engine, q):
                conn = engine.connect()
                result = conn.execute(q)
                return result
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "returns-chained-lazy-result",
        code("""
            def rows(engine, q):
                return engine.connect().execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "returns-the-connection",
        code("""
            def open_it(engine):
                conn = engine.connect()
                conn.execute(q)
                return conn
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "used-after-close",
        code("""
            def f(engine, q):
                conn = engine.connect()
                conn.execute(q)
                conn.close()
                conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "finally-uses-it-after-close",
        code("""
            def f(engine, q):
                conn = engine.connect()
                try:
                    result = conn.execute(q)
                finally:
                    conn.close()
                    log(result.closed)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "lazy-result-used-after-close",
        code("""
            def f(engine, q):
                conn = engine.connect()
                result = conn.execute(q)
                conn.close()
                return result.all()
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "uses-escape-the-if",
        code("""
            def f(engine, q):
                if q:
                    conn = engine.connect()
                    result = conn.execute(q)
                return result.all()
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "stored-on-self",
        code("""
            def f(self, engine):
                conn = engine.connect()
                self.conn = conn
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "appended-to-a-list",
        code("""
            def f(engine, pool):
                conn = engine.connect()
                pool.append(conn)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "captured-by-lambda",
        code("""
            def f(engine, q):
                conn = engine.connect()
                run = lambda: conn.execute(q)
                return run
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "captured-by-earlier-function",
        code("""
            def f(engine, q):
                def run():
                    return conn.execute(q).all()
                conn = engine.connect()
                return run()
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "reassigned",
        code("""
            def f(engine, other, q):
                conn = engine.connect()
                conn.execute(q)
                conn = other
                conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "loop-uses-previous-iteration-result",
        code("""
            def f(engine, queries):
                previous = None
                for q in queries:
                    if previous is not None:
                        print(previous.all())
                    conn = engine.connect()
                    previous = conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "in-a-comprehension",
        code("""
            def f(engine, queries):
                return [engine.connect().execute(q).all() for q in queries]
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "in-a-conditional-expression",
        code("""
            def f(engine, q):
                rows = engine.connect().execute(q).all() if q else []
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "right-of-or",
        code("""
            def f(engine, q, cached):
                rows = cached or engine.connect().execute(q).all()
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "while-test",
        code("""
            def f(engine, q):
                while engine.connect().execute(q).scalar():
                    pass
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "elif-test",
        code("""
            def f(engine, q, a):
                if a:
                    pass
                elif engine.connect().execute(q).scalar():
                    pass
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "already-a-with-item",
        code("""
            def f(engine, q):
                with engine.connect() as conn:
                    conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "entered-later-by-with",
        code("""
            def f(engine, q):
                conn = engine.connect()
                with conn:
                    conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "async-call-in-sync-function",
        code("""
            def f():
                session = AsyncSessionLocal()
                session.add(x)
            """),
        "AsyncSessionLocal()",
        None,
        is_async=True,
        noun="session",
    ),
    WithCase(
        "awaited-but-said-sync",
        code("""
            async def f(engine):
                conn = await engine.connect()
                await conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "class-attribute",
        code("""
            class Repo:
                conn = engine.connect()
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "declared-global",
        code("""
            def f(engine):
                global conn
                conn = engine.connect()
                conn.execute(q)
            """),
        "engine.connect()",
        None,
    ),
    WithCase(
        "span-is-not-the-call",
        code("""
            def f(engine):
                conn = engine.connect()
            """),
        "engine.connect",
        None,
    ),
    WithCase(
        "source-does-not-parse",
        "def f(engine:\n    conn = engine.connect()\n",
        "engine.connect()",
        None,
    ),
]


@pytest.mark.parametrize("case", FIXED, ids=lambda case: case.id)
def test_with_block_fix(case: WithCase) -> None:
    fixed = case.fix()
    assert fixed is not None
    assert fixed[0] == case.after


@pytest.mark.parametrize("case", NOT_FIXED, ids=lambda case: case.id)
def test_no_with_block_fix(case: WithCase) -> None:
    assert case.fix() is None


@pytest.mark.parametrize("case", FIXED, ids=lambda case: case.id)
def test_with_block_fix_is_one_whole_line_edit(case: WithCase) -> None:
    fixed = case.fix()
    assert fixed is not None
    (edit,) = fixed[1]
    assert edit.span.start.column == 0
    assert edit.span.end.column == 0


@pytest.mark.parametrize("case", FIXED, ids=lambda case: case.id)
def test_fixed_code_parses_and_compiles(case: WithCase) -> None:
    fixed = case.fix()
    assert fixed is not None
    libcst.parse_module(fixed[0])
    compile(fixed[0], case.id, "exec")


@pytest.mark.parametrize("case", FIXED, ids=lambda case: case.id)
def test_fix_is_idempotent(case: WithCase) -> None:
    fixed = case.fix()
    assert fixed is not None
    source = fixed[0]
    # In the fixed code the call is the `with` item: nothing is left to fix there.
    start = source.index(f"with {case.call}") + len("with ")
    call = span_from_offsets(source, start, start + len(case.call))
    assert with_block_fix(source, call, is_async=case.is_async, noun=case.noun) is None


def test_titles() -> None:
    source = "def f(engine):\n    conn = engine.connect()\n"
    sync = with_block_fix(
        source, span_of(source, "engine.connect()"), is_async=False, noun="connection"
    )
    assert sync is not None
    assert sync.title == "Wrap the connection in a `with` block"
    source = "async def f(factory):\n    session = factory()\n"
    asynchronous = with_block_fix(
        source, span_of(source, "factory()"), is_async=True, noun="session"
    )
    assert asynchronous is not None
    assert asynchronous.title == "Wrap the session in an `async with` block"


# --- module_level_engine_fix -------------------------------------------------


@dataclass(frozen=True)
class EngineCase:
    id: str
    before: str
    call: str
    after: str | None
    applicability: Applicability | None = None
    title: str = "Move the engine to module level"


ENGINE_CASES = [
    EngineCase(
        "constant-arguments-move-safely",
        code('''
            """Reports."""
            from sqlalchemy import create_engine

            URL = "sqlite://"


            def handler(q):
                engine = create_engine(URL, pool_pre_ping=True)
                with engine.connect() as conn:
                    return conn.execute(q).all()
            '''),
        "create_engine(URL, pool_pre_ping=True)",
        code('''
            """Reports."""
            from sqlalchemy import create_engine

            URL = "sqlite://"

            engine = create_engine(URL, pool_pre_ping=True)


            def handler(q):
                with engine.connect() as conn:
                    return conn.execute(q).all()
            '''),
        Applicability.SAFE,
    ),
    EngineCase(
        "name-taken-at-module-level",
        code("""
            import sqlalchemy as sa

            engine = None

            def handler(q):
                db = sa.create_engine("sqlite://")
                return db.connect()
            """),
        'sa.create_engine("sqlite://")',
        code("""
            import sqlalchemy as sa

            handler_engine = sa.create_engine("sqlite://")

            engine = None

            def handler(q):
                db = handler_engine
                return db.connect()
            """),
        Applicability.UNSAFE,  # the engine's connection is handed out
    ),
    EngineCase(
        "inline-use",
        code("""
            from sqlalchemy import create_engine

            def handler(q):
                with create_engine("sqlite://").connect() as conn:
                    return conn.execute(q).all()
            """),
        'create_engine("sqlite://")',
        code("""
            from sqlalchemy import create_engine

            engine = create_engine("sqlite://")

            def handler(q):
                with engine.connect() as conn:
                    return conn.execute(q).all()
            """),
        Applicability.SAFE,
    ),
    EngineCase(
        "disposed-is-unsafe",
        code("""
            from sqlalchemy import create_engine

            def handler():
                engine = create_engine("sqlite://")
                engine.dispose()
            """),
        'create_engine("sqlite://")',
        code("""
            from sqlalchemy import create_engine

            engine = create_engine("sqlite://")

            def handler():
                engine.dispose()
            """),
        Applicability.UNSAFE,
    ),
    EngineCase(
        "reassigned-is-unsafe",
        code("""
            from sqlalchemy import create_engine

            def handler(other):
                engine = create_engine("sqlite://")
                if other:
                    engine = other
                return 1
            """),
        'create_engine("sqlite://")',
        code("""
            from sqlalchemy import create_engine

            handler_engine = create_engine("sqlite://")

            def handler(other):
                engine = handler_engine
                if other:
                    engine = other
                return 1
            """),
        Applicability.UNSAFE,
    ),
    EngineCase(
        "environment-read-is-unsafe",
        code("""
            import os
            from sqlalchemy import create_engine

            def handler():
                engine = create_engine(os.environ["DATABASE_URL"])
                return engine.connect().execute(q).all()
            """),
        'create_engine(os.environ["DATABASE_URL"])',
        code("""
            import os
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"])

            def handler():
                return engine.connect().execute(q).all()
            """),
        Applicability.UNSAFE,
    ),
    EngineCase(
        "name-defined-after-the-function-is-unsafe",
        code("""
            from sqlalchemy import create_engine

            def handler():
                engine = create_engine(URL)

            URL = "sqlite://"
            """),
        "create_engine(URL)",
        code("""
            from sqlalchemy import create_engine

            def handler():
                pass

            URL = "sqlite://"

            engine = create_engine(URL)
            """),
        Applicability.UNSAFE,
    ),
    EngineCase(
        "local-arguments-use-a-cached-factory",
        code("""
            from __future__ import annotations
            # Third party.
            from sqlalchemy import create_engine
            engine = 1

            def handler(url, size):
                # Per tenant.
                eng = create_engine(
                    url,
                    pool_size=size,
                    echo=True,
                )
                return eng
            """),
        "create_engine(\n        url,\n        pool_size=size,\n        echo=True,\n    )",
        code("""
            from __future__ import annotations
            # Third party.
            import functools
            from sqlalchemy import create_engine


            @functools.lru_cache(maxsize=None)
            def get_engine(url, size):
                return create_engine(
                    url,
                    pool_size=size,
                    echo=True,
                )


            engine = 1

            def handler(url, size):
                # Per tenant.
                eng = get_engine(url, size)
                return eng
            """),
        Applicability.UNSAFE,
        "Cache the engine in a module-level factory",
    ),
    EngineCase(
        "existing-lru-cache-import",
        code("""
            from functools import lru_cache
            from sqlalchemy.ext.asyncio import create_async_engine

            async def handler(settings):
                url = settings.url
                engine = create_async_engine(url)
                async with engine.connect() as conn:
                    return 1
            """),
        "create_async_engine(url)",
        code("""
            from functools import lru_cache
            from sqlalchemy.ext.asyncio import create_async_engine


            @lru_cache(maxsize=None)
            def get_engine(url):
                return create_async_engine(url)


            async def handler(settings):
                url = settings.url
                engine = get_engine(url)
                async with engine.connect() as conn:
                    return 1
            """),
        Applicability.UNSAFE,
        "Cache the engine in a module-level factory",
    ),
    EngineCase(
        "already-module-level",
        'from sqlalchemy import create_engine\nengine = create_engine("sqlite://")\n',
        'create_engine("sqlite://")',
        None,
    ),
    EngineCase(
        "default-argument",
        'def f(engine=create_engine("sqlite://")):\n    pass\n',
        'create_engine("sqlite://")',
        None,
    ),
    EngineCase(
        "not-an-engine",
        'def f():\n    conn = make_engine("sqlite://")\n',
        'make_engine("sqlite://")',
        None,
    ),
]


@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda case: case.id)
def test_module_level_engine_fix(case: EngineCase) -> None:
    fix = module_level_engine_fix(case.before, span_of(case.before, case.call))
    if case.after is None:
        assert fix is None
        return
    assert fix is not None
    fixed = apply_edits(case.before, fix.edits)
    assert fixed == case.after
    assert fix.applicability is case.applicability
    assert fix.title == case.title
    compile(fixed, case.id, "exec")


def test_module_level_engine_fix_keeps_crlf() -> None:
    before = (
        "from sqlalchemy import create_engine\r\n\r\ndef handler():\r\n"
        '    engine = create_engine("sqlite://")\r\n    return engine.connect()\r\n'
    )
    fix = module_level_engine_fix(before, span_of(before, 'create_engine("sqlite://")'))
    assert fix is not None
    assert apply_edits(before, fix.edits) == (
        'from sqlalchemy import create_engine\r\n\r\nengine = create_engine("sqlite://")\r\n'
        "\r\ndef handler():\r\n    return engine.connect()\r\n"
    )


# --- noqa_fix ----------------------------------------------------------------

NOQA_CASES = [
    ("plain", "conn = engine.connect()\n", 1, "conn = engine.connect()  # noqa: SQA101\n"),
    ("trailing-spaces", "x = f()   \n", 1, "x = f()  # noqa: SQA101\n"),
    ("crlf", "x = f()\r\ny = 2\r\n", 1, "x = f()  # noqa: SQA101\r\ny = 2\r\n"),
    ("no-final-newline", "x = 1\ny = f()", 2, "x = 1\ny = f()  # noqa: SQA101"),
    (
        "other-comment-kept",
        "x = f()  # explain\n",
        1,
        "x = f()  # explain  # noqa: SQA101\n",
    ),
    ("merge-codes", "x = f()  # noqa: E501\n", 1, "x = f()  # noqa: E501, SQA101\n"),
    (
        "merge-several",
        "x = f()  # noqa:E501,F401 why\n",
        1,
        "x = f()  # noqa:E501,F401, SQA101 why\n",
    ),
    ("already-named", "x = f()  # noqa: SQA101\n", 1, "x = f()  # noqa: SQA101\n"),
    ("bare-noqa-covers-all", "x = f()  # NOQA\n", 1, "x = f()  # NOQA\n"),
    (
        "multi-line-string",
        'x = f("""a\nb""", g())\ny = 2\n',
        1,
        'x = f("""a\nb""", g())  # noqa: SQA101\ny = 2\n',
    ),
    (
        "hash-inside-multi-line-string",
        'x = f("""a # noqa: E1\nb""")\n',
        1,
        'x = f("""a # noqa: E1\nb""")  # noqa: SQA101\n',
    ),
    (
        "backslash-continuation",
        "x = engine.connect() + \\\n    y\n",
        1,
        "x = engine.connect() + \\\n    y  # noqa: SQA101\n",
    ),
    (
        "parenthesised-continuation-stays-on-line",
        "x = f(\n    engine.connect(),\n)\n",
        2,
        "x = f(\n    engine.connect(),  # noqa: SQA101\n)\n",
    ),
]


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [case[1:] for case in NOQA_CASES],
    ids=[case[0] for case in NOQA_CASES],
)
def test_noqa_fix(source: str, line: int, expected: str) -> None:
    fix = noqa_fix(source, line, "SQA101")
    assert fix.title == "Disable SQA101 for this line"
    assert apply_edits(source, fix.edits) == expected
    libcst.parse_module(apply_edits(source, fix.edits))


def test_noqa_fix_on_already_disabled_line_has_no_edits() -> None:
    assert noqa_fix("x = f()  # noqa\n", 1, "SQA101").edits == ()


def test_noqa_fix_clamps_the_line() -> None:
    fix = noqa_fix("x = f()\n", 7, "SQA101")
    assert apply_edits("x = f()\n", fix.edits) == "x = f()  # noqa: SQA101\n"


# --- apply_edits -------------------------------------------------------------


def _edit(start: tuple[int, int], end: tuple[int, int], content: str) -> TextEdit:
    return TextEdit(Span(Position(*start), Position(*end)), content)


def test_apply_edits_in_any_order() -> None:
    source = "abc\ndef\n"
    edits = [_edit((2, 0), (2, 1), "D"), _edit((1, 1), (1, 2), "B")]
    assert apply_edits(source, edits) == "aBc\nDef\n"


def test_apply_edits_counts_crlf_as_one_line_break() -> None:
    source = "ab\r\ncd\r\n"
    assert apply_edits(source, [_edit((2, 0), (3, 0), "x\r\n")]) == "ab\r\nx\r\n"
    assert apply_edits(source, [_edit((1, 2), (1, 2), "!")]) == "ab!\r\ncd\r\n"


def test_apply_edits_counts_code_points() -> None:
    source = "s = 'é€𝄞'; x\n"
    assert apply_edits(source, [_edit((1, 11), (1, 12), "y")]) == "s = 'é€𝄞'; y\n"


def test_apply_edits_inserts_at_end() -> None:
    assert apply_edits("a\n", [_edit((2, 0), (2, 0), "b\n")]) == "a\nb\n"
    assert apply_edits("a", [_edit((1, 1), (1, 1), "b")]) == "ab"


def test_apply_edits_rejects_overlaps_and_bad_positions() -> None:
    with pytest.raises(ValueError, match="overlaps"):
        apply_edits("abcdef\n", [_edit((1, 0), (1, 3), "x"), _edit((1, 2), (1, 4), "y")])
    with pytest.raises(ValueError, match="column"):
        apply_edits("ab\r\n", [_edit((1, 3), (1, 3), "x")])
    with pytest.raises(ValueError, match="line"):
        apply_edits("ab\n", [_edit((5, 0), (5, 0), "x")])


# -- fixes added to an analysis after the fact (the language server's second publish) --

LATER_FIXES = code(
    """
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://")

    def one():
        conn = engine.connect()
        return conn.execute(text("select 1")).scalar()

    def two():
        conn = engine.connect()
        return conn.execute(text("select 2")).scalar()
    """
)


def test_add_fixes_gives_what_checking_with_fixes_gives() -> None:
    from sqlalchemy_lint.checker import add_fixes, check_source

    without = check_source(LATER_FIXES, with_fixes=False)
    assert [d.fix for d in without.diagnostics] == [None, None]
    later = add_fixes(without, LATER_FIXES)
    assert later is not None
    assert later.diagnostics == check_source(LATER_FIXES, with_fixes=True).diagnostics
    assert all(d.fix is not None for d in later.diagnostics)


def test_add_fixes_stops_when_cancelled() -> None:
    from sqlalchemy_lint.checker import add_fixes, check_source

    without = check_source(LATER_FIXES, with_fixes=False)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # the editor moved on after the first fix

    assert add_fixes(without, LATER_FIXES, cancelled=cancelled) is None
    assert len(asked) == 2


@pytest.mark.parametrize("later", [False, True], ids=["while-checking", "added-later"])
def test_fixes_start_from_the_analysis_parse(later: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fixes of a checked module reuse the checker's parse of it: parsing the text
    # again for them cost as much as the analysis itself on long files. (The checker
    # parses through `sources`, which the patch leaves alone.)
    from sqlalchemy_lint.checker import add_fixes, check_source
    from sqlalchemy_lint.fixes import syntax

    def no_second_parse(text: str) -> libcst.Module:
        raise AssertionError("the fixes parsed the module again")

    monkeypatch.setattr(syntax, "parse_module_safely", no_second_parse)
    syntax._parse_cached.cache_clear()
    if later:
        result = add_fixes(check_source(LATER_FIXES, with_fixes=False), LATER_FIXES)
        assert result is not None
    else:
        result = check_source(LATER_FIXES, with_fixes=True)
    assert len(result.diagnostics) == 2
    assert all(d.fix is not None for d in result.diagnostics)
    assert not syntax._handed_over, "the analysis' tree outlives the fixes"
