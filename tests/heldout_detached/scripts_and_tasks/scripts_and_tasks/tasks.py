"""Celery tasks for billing and housekeeping."""
import json
import logging
import os
from datetime import datetime, timedelta

from celery import Celery, shared_task
from sqlalchemy import select, update

from .database import SessionLocal, TaskSession
from .models import Invoice, Job, Subscription

log = logging.getLogger(__name__)

app = Celery("scripts_and_tasks", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))


def _send_email(to: str, template: str, **context) -> None:
    log.info("email %s -> %s %s", template, to, context)


def _handle_welcome(payload: dict) -> None:
    _send_email(payload.get("email", ""), "welcome", **payload)


def _handle_noop(payload: dict) -> None:
    return None


HANDLERS = {"welcome_email": _handle_welcome, "noop": _handle_noop}


@app.task(bind=True, max_retries=3)
def run_job(self, job_id: int) -> None:
    with SessionLocal() as session:
        job = session.execute(select(Job).where(Job.id == job_id).with_for_update()).scalar_one()
        kind = job.kind
        payload = json.loads(job.payload or "{}")
        job.status = "running"
        job.attempts += 1
        job.started_at = datetime.utcnow()
        session.commit()
    log.info("job %s started (attempt %s)", job_id, job.attempts)  # expect: SQA107
    try:
        HANDLERS[kind](payload)
    except Exception as exc:
        finish_job(job_id, error=repr(exc))
        raise self.retry(exc=exc, countdown=30)
    finish_job(job_id)


@shared_task
def finish_job(job_id: int, error: str | None = None) -> None:
    with SessionLocal() as s:
        job = s.get_one(Job, job_id)
        job.status = "failed" if error else "done"
        job.error = error
        job.finished_at = datetime.utcnow()
        s.commit()
        duration = (job.finished_at - job.started_at) if job.started_at else None
    log.info("job %s finished in %s", job_id, duration)


@shared_task
def retry_job(job_id: int) -> None:
    with TaskSession() as session:
        job = session.get_one(Job, job_id)
        job.status = "queued"
        session.commit()
    run_job.delay(job.id)


@shared_task
def claim_next_job(worker: str) -> int | None:
    with SessionLocal() as s:
        job = s.execute(
            select(Job).where(Job.status == "queued").order_by(Job.id).limit(1)
        ).scalars().first()
        if job is None:
            return None
        job.status = "claimed"
        s.commit()
    log.debug("worker %s claimed a job", worker)
    return job.id  # expect: SQA107


@shared_task
def send_invoice_reminders() -> int:
    now = datetime.utcnow()
    with SessionLocal() as db:
        overdue = db.execute(
            select(Invoice).where(
                Invoice.status == "open",
                Invoice.due_date < now.date(),
                Invoice.reminded_at.is_(None),
            )
        ).scalars().all()
        for inv in overdue:
            inv.reminded_at = now
        db.commit()
    for inv in overdue:
        _send_email("billing@example.com", "invoice_overdue", number=inv.number)  # expect: SQA107
    return len(overdue)


@shared_task
def send_receipts(invoice_ids: list[int]) -> None:
    with SessionLocal() as db:
        invoices = db.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids))).all()
        for inv in invoices:
            inv.status = "receipt_sent"
        db.commit()
        messages = [(inv.number, inv.amount_cents) for inv in invoices]
    for number, amount in messages:
        _send_email("billing@example.com", "receipt", number=number, amount=amount)


@shared_task
def settle_invoice(invoice_id: int) -> None:
    db = SessionLocal()
    try:
        invoice = db.query(Invoice).filter(Invoice.id == invoice_id).one()
        invoice.status = "paid"
        db.commit()
    finally:
        db.close()
    log.info("invoice %s settled", invoice.number)  # expect: SQA107


@shared_task
def void_stale_drafts(days: int = 90) -> int:
    cutoff = (datetime.utcnow() - timedelta(days=days)).date()
    with SessionLocal() as s:
        rows = s.execute(
            select(Invoice.id, Invoice.number).where(
                Invoice.status == "draft", Invoice.due_date < cutoff
            )
        ).all()
        s.execute(
            update(Invoice)
            .where(Invoice.id.in_([row.id for row in rows]))
            .values(status="void")
        )
        s.commit()
    for row in rows:
        log.info("voided draft invoice %s", row.number)
    return len(rows)


@shared_task
def start_trial(customer_id: int, plan: str) -> None:
    with SessionLocal() as s:
        sub = Subscription(
            customer_id=customer_id,
            plan=plan,
            status="trial",
            renews_at=datetime.utcnow() + timedelta(days=14),
        )
        welcome = Job(
            kind="welcome_email",
            payload=json.dumps({"customer_id": customer_id}),
            status="queued",
        )
        s.add_all([sub, welcome])
        s.commit()
        log.info("trial subscription %s started", sub.id)
    run_job.delay(welcome.id)  # expect: SQA107


@shared_task
def rerun_report_job(kind: str) -> str:
    with SessionLocal() as s:
        run = Job(kind=kind, status="queued")
        s.add(run)
        s.commit()
        run_id = run.id
    run_job.apply(args=[run_id])
    with SessionLocal() as s:
        run = s.get(Job, run_id)
    return run.status


class NightlyCleanup:
    def __init__(self, retention_days: int = 30) -> None:
        self.retention_days = retention_days

    def archive_old_jobs(self) -> list[Job]:
        cutoff = datetime.utcnow() - timedelta(days=self.retention_days)
        with SessionLocal() as session:
            jobs = session.query(Job).filter(Job.finished_at < cutoff).all()
            for job in jobs:
                job.status = "archived"
            session.commit()
            return jobs  # expect: SQA107

    def last_run(self) -> Job | None:
        with SessionLocal() as session:
            return session.query(Job).filter_by(kind="cleanup").order_by(Job.id.desc()).first()


@shared_task
def nightly_cleanup() -> int:
    cleanup = NightlyCleanup()
    previous = cleanup.last_run()
    if previous is not None:
        log.info("previous cleanup run %s ended %s", previous.id, previous.status)
    return len(cleanup.archive_old_jobs())
