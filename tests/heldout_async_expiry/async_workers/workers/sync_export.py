import csv
import os
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from .models import ExportRun, Invoice, Metric

sync_engine = create_engine(
    os.environ.get("WORKER_SYNC_DATABASE_URL", "sqlite:///./billing-export.db")
)
SyncSession = sessionmaker(sync_engine)


def export_open_invoices(path: Path) -> int:
    with SyncSession() as session:
        invoices = session.scalars(select(Invoice).where(Invoice.status == "open")).all()
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["number", "account_id", "amount_cents", "due_date"])
            for inv in invoices:
                writer.writerow([inv.number, inv.account_id, inv.amount_cents, inv.due_date])
        run = ExportRun(path=str(path), rows=len(invoices))
        session.add(run)
        session.commit()
        return run.id


async def export_latest_metric(name: str) -> float | None:
    with Session(sync_engine) as session:
        metric = session.scalars(
            select(Metric).where(Metric.name == name).order_by(Metric.recorded_at.desc())
        ).first()
        if metric is None:
            return None
        metric.exported = True
        session.commit()
        return metric.value
