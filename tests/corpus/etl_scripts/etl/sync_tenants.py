#!/usr/bin/env python
"""Pull per-tenant usage numbers into the warehouse.

Every tenant has its own database; their URLs are listed in tenants.json.
"""
import json
import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List

from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from etl.common import usage, warehouse

log = logging.getLogger("sync_tenants")


def load_tenant_urls(path: Path) -> Dict[str, str]:
    with path.open() as fh:
        return {t["name"]: t["url"] for t in json.load(fh)["tenants"]}


def schema_versions(tenant_urls: Dict[str, str]) -> Dict[str, str]:
    versions = {}
    for tenant, url in tenant_urls.items():
        tenant_engine = create_engine(url)  # one per tenant database, in a function main() runs once
        with tenant_engine.connect() as conn:
            versions[tenant] = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    return versions


def copy_usage(tenant_urls: Dict[str, str], day: date) -> int:
    copied = 0
    for tenant, url in tenant_urls.items():
        src = create_engine(url, poolclass=NullPool)
        try:
            with src.connect() as conn, warehouse.begin() as dst:
                rows = conn.execute(
                    text("SELECT count(*) AS api_calls FROM api_log WHERE ts::date = :day"), {"day": day}
                ).mappings().all()
                if rows:
                    dst.execute(insert(usage), [dict(r, tenant=tenant, day=day) for r in rows])
                    copied += len(rows)
        finally:
            src.dispose()
    return copied


def ping_all(urls: List[str]) -> List[bool]:
    engines = [create_engine(u, pool_pre_ping=True) for u in urls]  # expect: SQA103
    ok = []
    for eng in engines:
        try:
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
            ok.append(True)
        except OperationalError:
            ok.append(False)
    return ok


def wait_for_warehouse(url: str, attempts: int = 30, delay: float = 2.0) -> bool:
    for attempt in range(1, attempts + 1):
        probe = create_engine(url, poolclass=NullPool)
        try:
            with probe.connect():
                return True
        except OperationalError:
            log.info("warehouse not ready (attempt %d/%d)", attempt, attempts)
            time.sleep(delay)
        finally:
            probe.dispose()
    return False


def main(argv: List[str]) -> int:
    config = Path(argv[1]) if len(argv) > 1 else Path("tenants.json")
    tenant_urls = load_tenant_urls(config)
    if not wait_for_warehouse(str(warehouse.url)):
        return 2
    unreachable = [t for t, ok in zip(tenant_urls, ping_all(list(tenant_urls.values()))) if not ok]
    if unreachable:
        log.warning("skipping unreachable tenants: %s", ", ".join(unreachable))
        tenant_urls = {t: u for t, u in tenant_urls.items() if t not in unreachable}
    for tenant, version in sorted(schema_versions(tenant_urls).items()):
        log.info("%-20s %s", tenant, version)
    copied = copy_usage(tenant_urls, date.today() - timedelta(days=1))
    log.info("copied %d usage rows", copied)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main(sys.argv))
