import os
from dataclasses import dataclass, field
from typing import List


def _env_list(name: str) -> List[str]:
    raw = os.environ.get(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class Settings:
    database_url: str = os.environ.get(
        "INGEST_DATABASE_URL", "postgresql+asyncpg://ingest:ingest@localhost:5432/ingest"  # a development fallback: not reported
    )
    poll_interval: float = float(os.environ.get("INGEST_POLL_INTERVAL", "15"))
    batch_size: int = int(os.environ.get("INGEST_BATCH_SIZE", "500"))
    pool_size: int = int(os.environ.get("INGEST_POOL_SIZE", "10"))
    api_tokens: List[str] = field(default_factory=lambda: _env_list("INGEST_API_TOKENS"))


settings = Settings()
