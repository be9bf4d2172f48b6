"""RQ worker entry point: `python -m jobs.rq_worker`."""

import os

from redis import Redis
from rq import Queue, Worker
from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import engine

redis_conn = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/1"))
queues = [Queue("images", connection=redis_conn)]

session = Session(bind=engine)  # expect: SQA105


def resize_image(image_id, width):
    row = session.execute(text("SELECT path FROM images WHERE id = :id"), {"id": image_id}).one()
    # ... resize row.path ...
    session.execute(
        text("UPDATE images SET width = %d WHERE id = :id" % width),  # expect: SQA301
        {"id": image_id},
    )
    session.commit()
    return row.path


def thumbnail_count():
    return session.execute(text("SELECT count(*) FROM thumbnails")).scalar()


if __name__ == "__main__":
    Worker(queues, connection=redis_conn).work()
