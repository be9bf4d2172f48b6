#!/usr/bin/env python3
"""Synchronise customers between the CRM (MySQL), the warehouse and analytics."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Mapping, Sequence

import requests
from sqlalchemy import create_engine, text, update
from sqlalchemy.dialects.postgresql import insert

from schema import customers, get_engine

log = logging.getLogger("sync_customers")

crm_engine = create_engine(os.environ.get("CRM_DATABASE_URL", "mysql+pymysql://crm@localhost/crm"))
warehouse_engine = get_engine()
analytics_engine = create_engine(
    os.environ.get("ANALYTICS_DATABASE_URL", "cockroachdb://analytics@localhost:26257/analytics")
)


def upsert_customers(rows: Sequence[Mapping]) -> None:
    with warehouse_engine.connect() as conn:
        stmt = insert(customers).values(
            [
                {"crm_id": r["id"], "email": r["email"], "phone": r["phone"], "name": r["name"]}
                for r in rows
            ]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[customers.c.crm_id],
            set_={
                "email": stmt.excluded.email,
                "phone": stmt.excluded.phone,
                "name": stmt.excluded.name,
            },
        )
        conn.execute(stmt)
        conn.commit()


def sync_once(since: datetime) -> int:
    with crm_engine.connect() as src, warehouse_engine.connect() as dst:
        rows = src.execute(
            text("SELECT id, email, name FROM crm_customers WHERE updated_at > :since"),
            {"since": since},
        ).all()
        if not rows:
            return 0
        dst.execute(  # expect: SQA106
            insert(customers)
            .values([{"crm_id": r.id, "email": r.email, "name": r.name} for r in rows])
            .on_conflict_do_nothing(index_elements=[customers.c.crm_id])
        )
        src.execute(
            text("UPDATE crm_customers SET synced_at = NOW() WHERE updated_at > :since"),
            {"since": since},
        )
        src.commit()
        return len(rows)


def mirror_vip_flags(flags: Sequence[Mapping]) -> None:
    with crm_engine.connect() as src:
        src.execute(  # expect: SQA106
            text("REPLACE INTO crm_customer_flags (customer_id, vip) VALUES (:customer_id, :vip)"),
            [dict(f) for f in flags],
        )


def merge_segments() -> None:
    with warehouse_engine.connect() as conn:
        conn.execute(
            text(
                """
                MERGE INTO customer_segments AS t
                USING staging_segments AS s ON t.customer_id = s.customer_id
                WHEN MATCHED THEN UPDATE SET segment = s.segment
                WHEN NOT MATCHED THEN INSERT (customer_id, segment) VALUES (s.customer_id, s.segment)
                """
            )
        )
        conn.commit()


def apply_segment_overrides() -> None:
    with warehouse_engine.connect() as conn:
        conn.execute(  # expect: SQA106
            text(
                "merge into customer_segments t using segment_overrides o "
                "on t.customer_id = o.customer_id "
                "when matched then update set segment = o.segment"
            )
        )
        log.info("segment overrides applied")


def _rebuild_segments(conn) -> None:
    conn.execute(
        text(
            "INSERT INTO customer_segments (customer_id, segment) "
            "SELECT id, CASE WHEN last_order_at > now() - interval '90 days' "
            "THEN 'active' ELSE 'lapsed' END FROM customers "
            "ON CONFLICT (customer_id) DO UPDATE SET segment = EXCLUDED.segment"
        )
    )
    conn.commit()


def full_resegment() -> None:
    with warehouse_engine.connect() as conn:
        conn.execute(text("DELETE FROM customer_segments WHERE segment = 'stale'"))
        _rebuild_segments(conn)


def push_to_analytics(rows: Sequence[Mapping]) -> None:
    with analytics_engine.connect() as conn:
        conn.execute(  # expect: SQA106
            text("UPSERT INTO customer_dim (crm_id, email, name) VALUES (:id, :email, :name)"),
            [dict(r) for r in rows],
        )


def touch_synced(crm_ids: Sequence[int]) -> None:
    stmt = (
        update(customers)
        .where(customers.c.crm_id.in_(crm_ids))
        .values(updated_at=datetime.now(timezone.utc))
    )
    with warehouse_engine.connect() as conn:
        conn.execute(stmt)  # bonus: SQA106


def notify_deleted(webhook_url: str, crm_ids: Sequence[int]) -> None:
    with requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {os.environ['WEBHOOK_TOKEN']}"})
        for crm_id in crm_ids:
            response = session.delete(f"{webhook_url}/customers/{crm_id}", timeout=10)
            response.raise_for_status()
