"""A small database-backed job queue worker."""

from __future__ import annotations

import logging
import signal
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .db import SessionLocal
from .models import Job, WorkerHeartbeat

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], dict]] = {}


def handler(kind: str) -> Callable[[Callable[[dict], dict]], Callable[[dict], dict]]:
    def register(fn: Callable[[dict], dict]) -> Callable[[dict], dict]:
        HANDLERS[kind] = fn
        return fn

    return register


@handler("echo")
def _echo(payload: dict) -> dict:
    return dict(payload)


class JobWorker:
    def __init__(self, session_factory: sessionmaker[Session] = SessionLocal) -> None:
        self.session = session_factory()
        self.name = f"{socket.gethostname()}-{id(self):x}"
        self._stop = False
        self._last_beat = 0.0

    def stop(self, *_: object) -> None:
        self._stop = True

    def claim_next(self) -> Job | None:
        stmt = (
            select(Job)
            .where(Job.status == "queued")
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = self.session.scalars(stmt).first()
        if job is None:
            self.session.rollback()
            return None
        job.status = "running"
        job.started_at = datetime.now(timezone.utc)
        try:
            self.session.commit()
        except OperationalError:  # bonus: SQA110
            log.warning("could not claim job %s", job.id)
            return None
        return job

    def heartbeat(self) -> None:
        now = datetime.now(timezone.utc)
        try:
            self.session.add(WorkerHeartbeat(worker=self.name, at=now))
            self.session.commit()
        except SQLAlchemyError:  # expect: SQA110
            log.warning("heartbeat failed for %s", self.name)
        self.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.at < now - timedelta(hours=1)))
        self.session.commit()

    def finish(self, job: Job, ok: bool) -> None:
        job.status = "done" if ok else "failed"
        try:
            self.session.commit()
        except SQLAlchemyError:
            self.session.rollback()
            raise

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        while not self._stop:
            if time.monotonic() - self._last_beat > 30:
                self.heartbeat()
                self._last_beat = time.monotonic()
            job = self.claim_next()
            if job is None:
                time.sleep(1)
                continue
            ok = True
            try:
                job.result = HANDLERS[job.kind](job.payload)
            except KeyError:
                job.error = f"unknown job kind {job.kind!r}"
                ok = False
            except Exception as exc:
                log.exception("job %s crashed", job.id)
                job.error = repr(exc)
                ok = False
            self.finish(job, ok)
        self.session.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    JobWorker().run_forever()
