"""Audit trail helpers.

Most functions run as FastAPI background tasks, after the response was sent,
so they cannot reuse the request session and open their own.
"""
import logging
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..config import settings
from ..database import SessionLocal
from ..models import AuditLog

logger = logging.getLogger(__name__)


class AuditService:
    def __init__(self, session: Session) -> None:
        self.session = session

    @classmethod
    def standalone(cls) -> "AuditService":
        """Service with its own session; the caller must call close()."""
        return cls(SessionLocal())

    def log(self, action: str, user_id: Optional[int] = None, detail: Optional[str] = None) -> None:
        self.session.add(AuditLog(action=action, user_id=user_id, detail=detail))

    def recent(self, limit: int = 100) -> List[AuditLog]:
        stmt = select(AuditLog).order_by(AuditLog.created_at.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def commit(self) -> None:
        self.session.commit()

    def close(self) -> None:
        self.session.close()


def record_login(user_id: int, ip_address: Optional[str]) -> None:
    session = SessionLocal()
    try:
        session.add(AuditLog(user_id=user_id, action="login", ip_address=ip_address))
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        logger.exception("could not write login audit entry for user %s", user_id)
    finally:
        session.close()


def record_many(entries: List[Dict[str, object]]) -> int:
    with SessionLocal.begin() as session:
        session.add_all([AuditLog(**e) for e in entries])
    return len(entries)


def purge_old_entries(days: Optional[int] = None) -> int:
    days = days or settings.audit_retention_days
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    session = SessionLocal()  # expect: SQA104
    result = session.execute(delete(AuditLog).where(AuditLog.created_at < cutoff))
    session.commit()
    session.close()
    logger.info("purged %s audit rows older than %s", result.rowcount, cutoff)
    return result.rowcount


def export_user_trail(user_id: int) -> List[Dict[str, object]]:
    service = AuditService.standalone()
    try:
        return [
            {"action": e.action, "at": e.created_at.isoformat(), "detail": e.detail}
            for e in service.recent(limit=1000)
            if e.user_id == user_id
        ]
    finally:
        service.close()
