import logging

logger = logging.getLogger(__name__)


async def send_email(to: str, template: str, **context: object) -> None:
    logger.info("email %s -> %s %r", template, to, context)


async def record_event(event: str, subject_id: int) -> None:
    logger.info("audit %s subject=%s", event, subject_id)
