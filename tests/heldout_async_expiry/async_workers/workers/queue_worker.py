import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .models import Job

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

Handler = Callable[[dict], Awaitable[dict]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


@handler("noop")
async def noop(payload: dict) -> dict:
    return {"echo": payload}


class JobRunner:
    def __init__(self, engine: AsyncEngine, worker_id: str) -> None:
        self.worker_id = worker_id
        self.Session = async_sessionmaker(engine)

    async def enqueue(self, kind: str, payload: dict) -> int:
        async with self.Session() as session:
            job = Job(kind=kind, payload=payload, status="queued", attempts=0)
            session.add(job)
            await session.flush()
            job_id = job.id
            await session.commit()
        return job_id

    def _next_queued(self):
        return (
            select(Job)
            .where(Job.status == "queued")
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )

    async def claim_next(self) -> Job | None:
        async with self.Session() as session:
            job = (await session.scalars(self._next_queued())).first()
            if job is None:
                return None
            job.status = "running"
            job.worker_id = self.worker_id
            await session.commit()
            return job  # expect: SQA108

    async def claim_next_id(self) -> int | None:
        async with self.Session() as session:
            job = (await session.scalars(self._next_queued())).first()
            if job is None:
                return None
            job.status = "running"
            job.worker_id = self.worker_id
            job_id = job.id
            await session.commit()
            return job_id

    async def run(self, job_id: int) -> None:
        async with self.Session() as session:
            job = await session.get(Job, job_id)
            if job is None:
                return
            kind, payload = job.kind, dict(job.payload)
            job.attempts += 1
            await session.commit()

            try:
                result = await HANDLERS[kind](payload)
            except Exception as exc:
                await self.fail(job_id, exc)
                return

            job = await session.get(Job, job_id)
            job.status = "done"
            job.result = result
            job.finished_at = datetime.now(timezone.utc)
            await session.commit()
            await session.refresh(job)
            log.info("worker %s finished job %s at %s", self.worker_id, job_id, job.finished_at)

    async def fail(self, job_id: int, exc: BaseException) -> None:
        async with self.Session() as session:
            job = await session.get(Job, job_id)
            if job is None:
                return
            job.status = "failed"
            job.error = repr(exc)
            await session.commit()
            if job.attempts < MAX_ATTEMPTS:  # expect: SQA108
                await self.requeue(job_id)

    async def requeue(self, job_id: int) -> None:
        async with self.Session() as session:
            await session.execute(update(Job).where(Job.id == job_id).values(status="queued"))
            await session.commit()

    async def heartbeat(self, job_id: int) -> None:
        async with self.Session() as session:
            async with session.begin():
                job = await session.get(Job, job_id)
                if job is None:
                    return
                job.heartbeat_at = datetime.now(timezone.utc)
            log.debug("heartbeat for job %s from %s", job_id, job.worker_id)  # bonus: SQA108


async def worker_loop(runner: JobRunner, stop: asyncio.Event, idle: float = 1.0) -> None:
    while not stop.is_set():
        job_id = await runner.claim_next_id()
        if job_id is None:
            await asyncio.sleep(idle)
            continue
        await runner.run(job_id)
