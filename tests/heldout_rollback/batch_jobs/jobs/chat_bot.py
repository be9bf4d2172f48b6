"""Long-polling chat bot. One process, one connection, one session."""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from .models import ChatUser, Message, Reminder

log = logging.getLogger("bot")

API_URL = f"https://api.telegram.org/bot{os.environ.get('BOT_TOKEN', '')}"

engine = create_engine(os.environ.get("BOT_DATABASE_URL", "sqlite:///bot.db"), pool_pre_ping=True)
session = Session(engine)


def on_message(update: dict) -> None:
    msg = update["message"]
    record = Message(chat_id=msg["chat"]["id"], message_id=msg["message_id"], text=msg.get("text", ""))
    try:
        session.add(record)
        session.commit()
    except IntegrityError:  # expect: SQA110
        # updates are re-delivered after a restart
        log.debug("duplicate update %s", update.get("update_id"))


def register_user(chat_id: int, username: str | None) -> bool:
    try:
        session.add(ChatUser(chat_id=chat_id, username=username))
        session.commit()
    except IntegrityError:  # expect: SQA110
        return False
    return True


def set_language(chat_id: int, lang: str) -> None:
    user = session.get(ChatUser, chat_id)
    if user is None:
        return
    user.language = lang
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("could not set language for %s", chat_id)


def unsubscribe(chat_id: int) -> None:
    user = session.get(ChatUser, chat_id)
    if user is None:
        return
    try:
        session.delete(user)
        session.commit()
    except IntegrityError:  # bonus: SQA110
        log.error("chat %s still has reminders, cannot delete", chat_id)
        raise


def user_count() -> int:
    try:
        return session.execute(select(func.count()).select_from(ChatUser)).scalar_one()
    except OperationalError:
        log.warning("database unavailable")
        return -1


def handle_command(chat_id: int, text: str) -> str:
    cmd, _, arg = text.partition(" ")
    if cmd == "/users":
        return f"{user_count()} users"
    if cmd == "/remind":
        try:
            minutes = int(arg)
            session.add(Reminder(chat_id=chat_id, minutes=minutes))
            session.commit()
        except ValueError:
            return "usage: /remind <minutes>"
        return f"ok, reminding you in {minutes} minutes"
    if cmd.startswith("/lang"):
        set_language(chat_id, arg or "en")
        return "language updated"
    return "unknown command"


def _api(method: str, **params: object) -> dict:
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(f"{API_URL}/{method}", data=data, timeout=40) as resp:
        return json.load(resp)


def poll_forever() -> None:
    offset = 0
    while True:
        try:
            updates = _api("getUpdates", offset=offset, timeout=30)["result"]
        except (urllib.error.URLError, ValueError, KeyError):
            log.warning("polling failed, sleeping")
            time.sleep(5)
            continue
        for update in updates:
            offset = update["update_id"] + 1
            if "message" not in update:
                continue
            chat = update["message"]["chat"]
            register_user(chat["id"], chat.get("username"))
            on_message(update)
            text = update["message"].get("text", "")
            if text.startswith("/"):
                reply = handle_command(chat["id"], text)
                _api("sendMessage", chat_id=chat["id"], text=reply)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    poll_forever()
