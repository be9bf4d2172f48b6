import json
import os
from typing import Any, Optional

import redis
from fastapi import APIRouter, Depends

router = APIRouter()

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")


def get_redis():
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


def get(key: str) -> Optional[Any]:
    r = redis.Redis(host="localhost", port=6379, db=0)
    raw = r.get(key)
    return json.loads(raw) if raw else None


@router.get("/cache/{key}")
def read_key(key: str, client: redis.Redis = Depends(get_redis)):
    raw = client.get(key)
    return {"key": key, "value": json.loads(raw) if raw else None}


@router.post("/cache/flush")
def flush():
    conn = redis.StrictRedis.from_url(REDIS_URL)
    conn.flushdb()
    pool = redis.ConnectionPool.from_url(REDIS_URL)
    other = redis.Redis(connection_pool=pool)
    other.connection_pool.disconnect()
    return {"flushed": True}
