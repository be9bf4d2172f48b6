'''Snippets rendered into the "Database tips" page of the internal handbook.

Nothing in this module runs SQLAlchemy; the code lives in strings and comments.

Bad::

    >>> engine = create_engine("postgresql://localhost/app")
    >>> conn = engine.connect()
    >>> conn.execute(text("SELECT 1"))

Good::

    >>> with engine.connect() as conn:
    ...     conn.execute(text("SELECT 1"))
'''
import textwrap
from typing import Dict, List

LEAKY_ENDPOINT = '''
@app.get("/users")
def users():
    db = SessionLocal()
    engine = create_engine(DATABASE_URL)
    return db.query(User).all()
'''

FIXED_ENDPOINT = """
@app.get("/users")
def users(db: Session = Depends(get_db)):
    return db.query(User).all()
"""

RAW_CONNECTION = "raw = engine.raw_connection(); cur = raw.cursor()"

ASYNC_SNIPPET = textwrap.dedent(
    """
    async def handler():
        conn = await engine.connect()
        session = AsyncSession(engine)
        return await conn.execute(text("SELECT 1"))
    """
)


def render(title: str, code: str) -> str:
    """Render a snippet as markdown.

    Example: render("leak", "Session(engine)") gives a fenced block; nothing here
    calls engine.connect() or sessionmaker() for real.
    """
    return f"### {title}\n\n```python\n{code.strip()}\n```\n"


def all_tips() -> List[str]:
    # for url in urls:
    #     engine = create_engine(url)      <- a new pool per iteration
    #     conn = engine.connect()          <- never closed
    tips: Dict[str, str] = {
        "Close what you open": LEAKY_ENDPOINT,
        "Use a dependency": FIXED_ENDPOINT,
        "Raw DBAPI access": RAW_CONNECTION,
        "Async": ASYNC_SNIPPET,
        "Loops": f"for url in urls:\n    engine = create_engine(url)\n    engine.dispose()",
    }
    return [render(title, code) for title, code in tips.items()]


def lint_message(kind: str) -> str:
    messages = {
        "connection": "engine.connect() result is never closed",
        "session": "SessionLocal() is never closed",
        "engine": "create_engine() is called on every request",
    }
    return messages[kind]


if __name__ == "__main__":
    print("\n".join(all_tips()))
