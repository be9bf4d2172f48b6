"""Where SQL text is run, and the project functions that run a parameter as SQL.

Real projects wrap the statement call in a helper of their own:

    def exec_sql(sql):
        with engine.connect() as conn:
            return conn.execute(text(sql))

and build the SQL where they call it: `exec_sql(f"... WHERE srnumber = '{srnumber}'")`.
The helper is where the text is run, but the call is where run-time values are
formatted in, so the call is the sink SQL injection is reported at. Whether a
function runs a parameter as SQL is read from its module's summary (the calls it
makes and what it passes them), so a helper in another module costs its summary,
not a parse; a helper that hands the parameter to another such helper is followed a
few calls down.
"""

from __future__ import annotations

from . import ir
from .evaluate import Evaluator, Frame
from .kinds import Kind
from .parameter_fates import handed_to, passes
from .summary import CallSite, FunctionInfo
from .values import ModuleKey, RefKind

# Statement receivers: what runs a statement passed to `execute()`.
STATEMENT_RECEIVERS = frozenset(
    {
        Kind.CONNECTION,
        Kind.ASYNC_CONNECTION,
        Kind.SESSION,
        Kind.ASYNC_SESSION,
        Kind.SCOPED_SESSION,
    }
)
TEXT_CONSTRUCTORS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
# Constructs whose string argument is rendered into the statement as it is.
LITERAL_CONSTRUCTORS = frozenset(
    {
        "sqlalchemy.literal_column",
        "sqlalchemy.sql.literal_column",
        "sqlalchemy.sql.expression.literal_column",
        "sqlmodel.literal_column",
    }
)
# Data-frame readers that run SQL text on the connection they are given.
FRAME_READERS = frozenset(
    {
        "pandas.read_sql",
        "pandas.read_sql_query",
        "pandas.io.sql.read_sql",
        "pandas.io.sql.read_sql_query",
        "geopandas.read_postgis",
        "geopandas.GeoDataFrame.from_postgis",
        "geopandas.io.sql.read_postgis",
    }
)
_STATEMENT_METHODS = frozenset({"execute", "exec_driver_sql", "scalar", "scalars"})
_STATEMENT_KEYWORDS = ("statement", "sql", "query")
_SQLALCHEMY_CONNECTABLES = frozenset({Kind.ENGINE, *STATEMENT_RECEIVERS})
# How many helpers down a parameter is followed (`exec_sql` calling `_run`).
_MAX_HELPERS = 3


class SqlRunners:
    """Answers "does this project function run its parameter as SQL text?"."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self._known: dict[tuple[ModuleKey, str, str], str | None] = {}

    def runs(self, key: ModuleKey, qualname: str, param: str, helpers: int = 0) -> str | None:
        """How function `qualname` of module `key` runs its parameter `param` as SQL
        text, in words for a message (`` `conn.execute(text(sql))` ``); None when it
        does not, or when that cannot be told."""
        memo = (key, qualname, param)
        if memo in self._known:
            return self._known[memo]
        self._known[memo] = None  # recursion: a helper calling itself runs nothing new
        found = None
        if helpers <= _MAX_HELPERS:
            frame = self.evaluator.function_frame(key, qualname)
            info = self.evaluator.function_info(key, qualname)
            if frame is not None and info is not None and _is_param(info, param):
                found = self._runs(info, frame, param, helpers)
        self._known[memo] = found
        return found

    def _runs(self, info: FunctionInfo, frame: Frame, param: str, helpers: int) -> str | None:
        for site in info.calls:
            if _statement(site) == param:
                how = self._library_sink(site, frame)
                if how is not None:
                    return how
            if passes(site, param):
                how = self._helper_sink(site, frame, param, helpers)
                if how is not None:
                    return how
        return None

    def _library_sink(self, site: CallSite, frame: Frame) -> str | None:
        """What runs the statement a site passes: `conn.execute(...)` on a SQLAlchemy
        connection, session or engine, `text()`, `literal_column()`, `read_sql()`."""
        callee = site.callee
        receiver, _, method = callee.rpartition(".")
        if receiver and method in _STATEMENT_METHODS:
            kind = self.evaluator.value(ir.from_dotted(receiver), frame).kind
            if method == "exec_driver_sql" or kind in _SQLALCHEMY_CONNECTABLES:
                return f"`{callee}()`"
        ref = self.evaluator.value(ir.from_dotted(callee), frame).ref
        if ref is None or ref.kind is not RefKind.LIBRARY:
            return None
        if ref.name in TEXT_CONSTRUCTORS:
            return "`text()`"
        if ref.name in LITERAL_CONSTRUCTORS:
            return "`literal_column()`"
        if ref.name in FRAME_READERS and self._sqlalchemy_con(site, frame):
            return f"`{ref.name.rsplit('.', 1)[-1]}()`"
        return None

    def _helper_sink(self, site: CallSite, frame: Frame, param: str, helpers: int) -> str | None:
        """A project function the site hands `param` to, which runs it as SQL."""
        found = handed_to(self.evaluator, site, frame, param)
        if found is not None and self.runs(*found, helpers + 1):
            return f"`{site.callee}()`"
        return None

    def _sqlalchemy_con(self, site: CallSite, frame: Frame) -> bool:
        """`read_sql(sql, con)`: whether `con` is SQLAlchemy's (a DBAPI connection's
        own use is not this rule's business)."""
        con = site.argument_for("con", 1)
        if not con or not all(part.isidentifier() for part in con.split(".")):
            return False
        return self.evaluator.value(ir.from_dotted(con), frame).kind in _SQLALCHEMY_CONNECTABLES


def _is_param(info: FunctionInfo, name: str) -> bool:
    return any(p.name == name for p in info.params)


def _statement(site: CallSite) -> str | None:
    """What a call site passes as its statement (first positional argument, or
    `statement=` / `sql=` / `query=`), when that is written as a plain name."""
    written = next(filter(None, (site.argument_for(k, 0) for k in _STATEMENT_KEYWORDS)), None)
    return written if written is not None and written.isidentifier() else None
