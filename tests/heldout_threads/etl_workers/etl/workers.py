"""Queue consumers and streaming copy jobs built on plain threads."""
import csv
import json
import logging
import queue
import threading
import urllib.request
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.orm import Session, scoped_session

from .db import ScopedSession, SessionLocal, engine
from .models import Customer, JobRun, Order

log = logging.getLogger(__name__)

_STOP = object()
COPY_BATCH = 1000
INSERT_SNAPSHOT = text(
    "INSERT INTO order_total_snapshots (order_id, total) VALUES (:order_id, :total)"
)


# --- order status consumers ------------------------------------------------


def _apply_status(session: Session, event: dict) -> None:
    session.execute(
        update(Order).where(Order.id == event["order_id"]).values(status=event["status"])
    )


def _consume_events(session: Session, events: queue.Queue) -> None:
    while True:
        event = events.get()
        if event is _STOP:
            return
        _apply_status(session, event)


def run_status_consumers(events: queue.Queue, workers: int = 4) -> None:
    with SessionLocal() as session:
        threads = []
        for _ in range(workers):
            thread = threading.Thread(target=_consume_events, args=(session, events), daemon=True)  # expect: SQA109
            thread.start()
            threads.append(thread)
        for _ in threads:
            events.put(_STOP)
        for thread in threads:
            thread.join()
        session.commit()


def run_isolated_consumers(job_id: int, events: queue.Queue, workers: int = 4) -> None:
    with SessionLocal() as db:
        db.execute(update(JobRun).where(JobRun.id == job_id).values(status="running"))
        db.commit()

        def consume() -> None:
            with SessionLocal() as db:
                while (event := events.get()) is not _STOP:
                    _apply_status(db, event)
                    db.commit()

        threads = [threading.Thread(target=consume, name=f"consumer-{i}") for i in range(workers)]
        for thread in threads:
            thread.start()
        for _ in threads:
            events.put(_STOP)
        for thread in threads:
            thread.join()

        db.execute(
            update(JobRun)
            .where(JobRun.id == job_id)
            .values(status="done", finished_at=func.now())
        )
        db.commit()


def _consume_with_registry(registry: scoped_session, events: queue.Queue) -> None:
    session = registry()
    try:
        while (event := events.get()) is not _STOP:
            _apply_status(session, event)
            session.commit()
    finally:
        registry.remove()


def run_registry_consumers(events: queue.Queue, workers: int = 4) -> None:
    threads = []
    for i in range(workers):
        thread = threading.Thread(target=_consume_with_registry, args=(ScopedSession, events), name=f"registry-{i}")
        thread.start()
        threads.append(thread)
    for _ in threads:
        events.put(_STOP)
    for thread in threads:
        thread.join()


# --- streaming copy --------------------------------------------------------


def _stream_rows(conn: Connection, out: queue.Queue) -> None:
    rows = conn.execute(
        select(Order.id, Order.total).execution_options(yield_per=COPY_BATCH)
    )
    for row in rows:
        out.put({"order_id": row.id, "total": row.total})
    out.put(_STOP)


def _write_rows(conn: Connection, inbox: queue.Queue) -> None:
    batch: list[dict] = []
    while (item := inbox.get()) is not _STOP:
        batch.append(item)
        if len(batch) >= COPY_BATCH:
            conn.execute(INSERT_SNAPSHOT, batch)
            batch.clear()
    if batch:
        conn.execute(INSERT_SNAPSHOT, batch)


def copy_order_totals() -> None:
    buffer: queue.Queue = queue.Queue(maxsize=5 * COPY_BATCH)
    with engine.connect() as conn:
        reader = threading.Thread(target=_stream_rows, args=(conn, buffer), name="reader")  # expect: SQA109
        writer = threading.Thread(target=_write_rows, args=(conn, buffer), name="writer")  # expect: SQA109
        reader.start()
        writer.start()
        reader.join()
        writer.join()
        conn.commit()


def _stream_with_engine(bind: Engine, out: queue.Queue) -> None:
    with bind.connect() as conn:
        _stream_rows(conn, out)


def _write_with_engine(bind: Engine, inbox: queue.Queue) -> None:
    with bind.begin() as conn:
        _write_rows(conn, inbox)


def copy_order_totals_two_connections() -> None:
    buffer: queue.Queue = queue.Queue(maxsize=5 * COPY_BATCH)
    reader = threading.Thread(target=_stream_with_engine, args=(engine, buffer), name="reader")
    writer = threading.Thread(target=_write_with_engine, args=(engine, buffer), name="writer")
    reader.start()
    writer.start()
    reader.join()
    writer.join()


# --- health probes ---------------------------------------------------------


def run_health_probes(job_id: int, probes: dict[str, str], rounds: int = 10) -> None:
    session = Session(engine)
    stop = threading.Event()

    def probe(name: str, sql: str) -> None:
        for _ in range(rounds):
            if stop.wait(5):
                return
            ok = session.execute(text(sql)).scalar() is not None
            session.execute(
                text("INSERT INTO probe_results (job_id, probe, ok) VALUES (:job, :probe, :ok)"),
                {"job": job_id, "probe": name, "ok": ok},
            )

    threads = [threading.Thread(target=probe, args=(name, sql), name=f"probe-{name}") for name, sql in probes.items()]  # expect: SQA109
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        session.commit()
    finally:
        stop.set()
        session.close()


# --- customer reconciliation -----------------------------------------------


def _load_refs(session: Session, into: set[str]) -> None:
    into.update(session.scalars(select(Customer.external_ref).where(Customer.active)))


def deactivate_missing_customers(session: Session, export: Path) -> int:
    existing: set[str] = set()
    loader = threading.Thread(target=_load_refs, args=(session, existing), name="ref-loader")
    loader.start()
    with export.open(newline="", encoding="utf-8") as fh:
        incoming = {row["ref"] for row in csv.DictReader(fh)}
    loader.join()

    gone = existing - incoming
    if gone:
        session.execute(
            update(Customer).where(Customer.external_ref.in_(gone)).values(active=False)
        )
        session.commit()
    return len(gone)


def _fetch_page(url: str, out: queue.Queue) -> None:
    with urllib.request.urlopen(url, timeout=30) as resp:
        out.put(json.load(resp)["customers"])


def import_remote_customers(session: Session, urls: list[str]) -> int:
    pages: queue.Queue = queue.Queue()
    fetchers = [threading.Thread(target=_fetch_page, args=(url, pages)) for url in urls]
    for fetcher in fetchers:
        fetcher.start()
    for fetcher in fetchers:
        fetcher.join()

    imported = 0
    while not pages.empty():
        for item in pages.get():
            session.merge(
                Customer(
                    id=item["id"],
                    external_ref=item["ref"],
                    name=item["name"],
                    region=item["region"],
                )
            )
            imported += 1
    session.commit()
    return imported


# --- dead letters ----------------------------------------------------------


def _replay_batch(session: Session, batch: list[dict]) -> None:
    for event in batch:
        _apply_status(session, event)
    session.flush()


def replay_dead_letters(session: Session, batches: list[list[dict]]) -> None:
    for batch in batches:
        worker = threading.Thread(target=_replay_batch, args=(session, batch), daemon=True)  # bonus: SQA109
        worker.start()
        worker.join(timeout=120)
        if worker.is_alive():
            raise TimeoutError("dead letter replay stalled")
    session.commit()
