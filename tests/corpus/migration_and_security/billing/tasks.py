"""Celery tasks sharing one connection opened at import time."""
from celery import Celery
from sqlalchemy import text

from .db import engine

celery_app = Celery("billing")
task_conn = engine.connect()  # expect: SQA105


@celery_app.task
def send_reminders():
    rows = task_conn.execute(text("SELECT id FROM invoices WHERE paid = false")).all()
    return len(rows)


@celery_app.task
def recompute_totals():
    with engine.begin() as conn:
        conn.execute(text("UPDATE invoices SET total = subtotal + tax"))
