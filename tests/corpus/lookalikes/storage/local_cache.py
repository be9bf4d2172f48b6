"""On-disk cache backed by sqlite3 (standard library, not SQLAlchemy)."""
import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Optional

CACHE_PATH = Path.home() / ".cache" / "lookalikes" / "cache.db"


def _connect(path: Path = CACHE_PATH) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS cache (k TEXT PRIMARY KEY, v TEXT, expires REAL)")
    return conn


def get(key: str) -> Optional[Any]:
    conn = sqlite3.connect(CACHE_PATH)
    row = conn.execute("SELECT v, expires FROM cache WHERE k = ?", (key,)).fetchone()
    if row is None or row[1] < time.time():
        return None
    return json.loads(row[0])


def put(key: str, value: Any, ttl: float = 3600) -> None:
    conn = _connect()
    conn.execute(
        "INSERT OR REPLACE INTO cache (k, v, expires) VALUES (?, ?, ?)",
        (key, json.dumps(value), time.time() + ttl),
    )
    conn.commit()


def purge_expired() -> int:
    engine = sqlite3.connect(CACHE_PATH)
    cur = engine.execute("DELETE FROM cache WHERE expires < ?", (time.time(),))
    engine.commit()
    engine.close()
    return cur.rowcount


def stats_for(paths):
    out = {}
    for p in paths:
        connection = sqlite3.connect(p)
        out[str(p)] = connection.execute("SELECT count(*) FROM cache").fetchone()[0]
    return out
