"""Monthly report generation."""
import csv
import logging
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update

from .database import SessionLocal
from .models import Customer, Invoice, Report

log = logging.getLogger(__name__)


class MonthlyRevenueReport:
    name = "monthly_revenue"

    def __init__(self, period: str, out_dir: Path) -> None:
        self.period = period
        self.out_dir = out_dir

    def _claim(self) -> Report:
        with SessionLocal() as s:
            report = s.scalar(
                select(Report).where(Report.name == self.name, Report.period == self.period)
            )
            if report is None:
                report = Report(name=self.name, period=self.period, title=f"Revenue {self.period}")
                s.add(report)
            report.status = "running"
            s.commit()
            s.refresh(report)
        return report

    def _rows(self) -> list[tuple[str, int]]:
        with SessionLocal() as s:
            rows = s.execute(
                select(Customer.name, func.sum(Invoice.amount_cents))
                .join(Invoice, Invoice.customer_id == Customer.id)
                .where(Invoice.status == "paid")
                .group_by(Customer.name)
                .order_by(Customer.name)
            ).all()
        return [(name, total or 0) for name, total in rows]

    def generate(self) -> Path:
        report = self._claim()
        rows = self._rows()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"revenue-{self.period}.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["customer", "revenue_cents"])
            writer.writerows(rows)
        with SessionLocal() as s:
            report = s.merge(report)
            report.status = "done"
            report.path = str(path)
            report.generated_at = datetime.utcnow()
            s.commit()
        log.info("%s written to %s", report.title, path)  # expect: SQA107
        return path


def export_unpaid_invoices(path: Path) -> list[Invoice]:
    with SessionLocal() as s:
        invoices = s.execute(
            select(Invoice).where(Invoice.status == "open").order_by(Invoice.due_date)
        ).scalars().all()
        with path.open("w") as fh:
            for inv in invoices:
                fh.write(f"{inv.number},{inv.amount_cents},{inv.due_date.isoformat()}\n")
                inv.exported_at = datetime.utcnow()
        s.commit()
    return invoices  # expect: SQA107


def latest_report(name: str) -> Report | None:
    with SessionLocal() as s:
        return s.execute(
            select(Report).where(Report.name == name).order_by(Report.id.desc())
        ).scalars().first()


def mark_report_failed(report_id: int, error: str) -> Report:
    with SessionLocal() as s:
        report = s.execute(select(Report).where(Report.id == report_id)).scalar_one()
        report.status = "failed"
        s.commit()
        log.error("report %s (%s) failed: %s", report.name, report.period, error)
    return report


def reopen_report(report_id: int) -> bool:
    with SessionLocal() as s:
        report = s.execute(select(Report).where(Report.id == report_id)).scalar_one_or_none()
        if report is None:
            return False
        report.status = "pending"
        report.generated_at = None
        s.commit()
    log.info("reopened report %s for %s", report_id, report.period)  # expect: SQA107
    return True


def invoice_totals_by_status(today: date | None = None) -> dict[str, int]:
    today = today or date.today()
    with SessionLocal() as s:
        s.execute(
            update(Invoice)
            .where(Invoice.status == "open", Invoice.due_date < today)
            .values(status="overdue")
        )
        s.commit()
        rows = s.execute(
            select(Invoice.status, func.sum(Invoice.amount_cents).label("total"))
            .group_by(Invoice.status)
        ).all()
    return {row.status: row.total for row in rows}


def print_summary(period: str) -> None:
    report = latest_report(MonthlyRevenueReport.name)
    if report is None or report.period != period:
        print(f"no revenue report for {period}")
        return
    print(f"{report.title}: {report.status} ({report.path})")
