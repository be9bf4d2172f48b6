from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..db import SessionLocal
from ..models import DigestRun, PageView, User

logger = logging.getLogger(__name__)


class Mailer(Protocol):
    def send_digest(self, email: str) -> None: ...


def send_digests(user_ids: Iterable[int], mailer: Mailer) -> int:
    sent = 0
    for uid in user_ids:
        with SessionLocal() as session:
            try:
                session.add(DigestRun(user_id=uid, day=date.today()))
                session.commit()
            except IntegrityError:
                # already sent today
                continue
            user = session.get(User, uid)
            if user is None or not user.active:
                continue
            mailer.send_digest(user.email)
            sent += 1
    return sent


def record_page_view(product_id: int) -> None:
    with SessionLocal() as session:
        session.add(PageView(product_id=product_id))
        try:
            session.commit()
        except SQLAlchemyError:
            logger.debug("dropping page view for product %s", product_id)
