import asyncio
import csv
import os
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

sync_engine = create_engine(os.environ.get("EXPORT_DSN", "postgresql+psycopg://export@localhost/warehouse"))
SyncSession = sessionmaker(sync_engine)


def export_table(session: Session, table: str, out_dir: Path) -> int:
    rows = session.execute(text(f"SELECT * FROM {table}")).mappings().all()
    path = out_dir / f"{table}.csv"
    with path.open("w", newline="") as fh:
        if rows:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)


async def export_all(tables: list[str], out_dir: Path) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with SyncSession() as session:
        counts = await asyncio.gather(*(asyncio.to_thread(export_table, session, t, out_dir) for t in tables))
    return dict(zip(tables, counts))


async def export_pair(session: Session, out_dir: Path) -> None:
    await asyncio.gather(
        asyncio.to_thread(export_table, session, "customers", out_dir),
        asyncio.to_thread(export_table, session, "invoices", out_dir),
    )


if __name__ == "__main__":
    asyncio.run(export_all(["customers", "invoices", "payments"], Path("/tmp/export")))
