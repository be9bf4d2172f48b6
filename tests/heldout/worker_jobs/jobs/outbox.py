"""Polls the outbox table from a few threads."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.orm import scoped_session

from .db import SessionFactory
from .models import Outbox

# A thread-local registry: every thread gets its own session.
ThreadSession = scoped_session(SessionFactory)
stop = threading.Event()


def publish(topic, payload):
    print(topic, payload)


class OutboxPoller(threading.Thread):
    session = SessionFactory()  # expect: SQA105

    def __init__(self, topic):
        super().__init__(daemon=True)
        self.topic = topic

    def run(self):
        while not stop.is_set():
            rows = self.session.query(Outbox).filter_by(topic=self.topic).all()  # expect: SQA203
            for row in rows:
                publish(row.topic, row.payload)
            time.sleep(1)


def drain(topic):
    session = ThreadSession()
    try:
        rows = session.execute(
            text("SELECT id, payload FROM outbox WHERE topic = :topic"), {"topic": topic}
        ).all()
        for row in rows:
            publish(topic, row.payload)
        session.execute(
            text("DELETE FROM outbox WHERE id IN :ids").bindparams(ids=[r.id for r in rows])
        )
        session.commit()
    finally:
        ThreadSession.remove()


def drain_all(topics):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(drain, topics))
