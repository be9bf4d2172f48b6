"""Thin psycopg2 helpers used by legacy scripts."""
import os

import asyncpg
import psycopg2
import psycopg2.extras

DSN = os.environ.get("LEGACY_DSN", "dbname=legacy user=legacy host=localhost")


def fetch_users(limit=100):
    conn = psycopg2.connect(DSN)
    cur = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    cur.execute("SELECT id, email FROM users ORDER BY id LIMIT %s", (limit,))
    return cur.fetchall()


def touch(user_id):
    connection = psycopg2.connect(DSN)
    with connection.cursor() as cur:
        cur.execute("UPDATE users SET seen_at = now() WHERE id = %s", (user_id,))
    connection.commit()
    connection.close()


async def count_async(table: str) -> int:
    conn = await asyncpg.connect(dsn=os.environ.get("LEGACY_ASYNC_DSN"))
    return await conn.fetchval(f"SELECT count(*) FROM {table}")


async def listen(channel: str, callback) -> None:
    conn = await asyncpg.connect(dsn=os.environ.get("LEGACY_ASYNC_DSN"))
    await conn.add_listener(channel, callback)
