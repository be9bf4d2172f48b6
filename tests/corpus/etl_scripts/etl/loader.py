"""Batch loaders used by the ingestion jobs."""
import logging
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import Table, text
from sqlalchemy.engine import Connection, Engine, Transaction

log = logging.getLogger(__name__)


class WarehouseLoader:
    """Load rows in batches inside one transaction.

    with WarehouseLoader(engine, table) as loader:
        loader.load(rows)
    """

    def __init__(self, engine: Engine, table: Table, batch_size: int = 5000) -> None:
        self.engine = engine
        self.table = table
        self.batch_size = batch_size
        self.conn: Optional[Connection] = None
        self._tx: Optional[Transaction] = None
        self.loaded = 0

    def __enter__(self) -> "WarehouseLoader":
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.conn is not None and self._tx is not None
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self.conn.close()
            self.conn = None

    def load(self, rows: Iterable[Dict[str, Any]]) -> int:
        assert self.conn is not None, "use WarehouseLoader as a context manager"
        batch: List[Dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.loaded

    def _flush(self, batch: List[Dict[str, Any]]) -> None:
        self.conn.execute(self.table.insert(), batch)
        self.loaded += len(batch)
        log.debug("loaded %d rows into %s", self.loaded, self.table.fullname)


class StagingArea:
    """Keeps one connection per staging schema until close() is called."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conns: Dict[str, Connection] = {}

    def connection_for(self, schema: str) -> Connection:
        if schema not in self._conns:
            self._conns[schema] = self.engine.connect()
            self._conns[schema].execute(text(f"SET search_path TO {schema}"))  # expect: SQA301
        return self._conns[schema]

    def truncate(self, schema: str, table: str) -> None:
        conn = self.connection_for(schema)
        conn.execute(text(f"TRUNCATE {table}"))  # expect: SQA301
        conn.commit()

    def row_count(self, table: str) -> int:
        conn = self.engine.connect()  # expect: SQA101
        count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # expect: SQA301
        return count

    def close(self) -> None:
        for schema, conn in self._conns.items():
            log.debug("closing staging connection for %s", schema)
            conn.close()
        self._conns.clear()
