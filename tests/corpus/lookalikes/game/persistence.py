"""Save games go to SQLAlchemy; network sessions come from the game engine.

Both libraries define a ``Session``; this module imports the ORM one under an
alias and keeps the bare name for the game session.
"""
import json
import os
from typing import Dict, List

from sqlalchemy import JSON, Column, Integer, String, create_engine as create_db_engine, select
from sqlalchemy.orm import Session as OrmSession, declarative_base

from .engine import Engine, Session, create_engine

Base = declarative_base()

db = create_db_engine(os.environ.get("SAVES_URL", "sqlite:///saves.db"))


class SaveGame(Base):
    __tablename__ = "saves"

    id = Column(Integer, primary_key=True)
    player = Column(String(50), index=True)
    state = Column(JSON)


def save(player: str, state: Dict) -> int:
    with OrmSession(db) as s:
        record = SaveGame(player=player, state=state)
        s.add(record)
        s.commit()
        return record.id


def load_all(player: str) -> List[Dict]:
    with OrmSession(db) as s:
        return [r.state for r in s.scalars(select(SaveGame).where(SaveGame.player == player))]


def broadcast(players: List[str], address: str) -> None:
    engine = create_engine(fps=1)
    for player in players:
        session = Session(address, engine)
        session.send(json.dumps({"player": player, "saves": load_all(player)}).encode())


def reconnect(engine: Engine, address: str) -> Session:
    conn = engine.connect(address)
    conn.send(b"resume")
    return conn
