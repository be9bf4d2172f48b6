import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from .models import Metric

log = logging.getLogger(__name__)


class MetricsRecorder:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def record(self, name: str, value: float) -> Metric:
        async with self._sessions() as s:
            metric = Metric(name=name, value=value, recorded_at=datetime.now(timezone.utc))
            s.add(metric)
            await s.commit()
            log.debug("metric %s=%s stored as #%s", metric.name, metric.value, metric.id)
            return metric

    async def mark_exported(self, names: list[str]) -> list[Metric]:
        async with self._sessions() as s:
            rows = (
                await s.scalars(
                    select(Metric).where(Metric.name.in_(names), Metric.exported.is_(False))
                )
            ).all()
            for row in rows:
                row.exported = True
            await s.commit()
            return rows
