"""Stores spoken transcripts in Postgres and reads them back aloud."""
import os
from datetime import datetime, timezone

import pyttsx3
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, create_engine, insert, select

DB_URL = os.environ.get("TRANSCRIPTS_URL", "postgresql+psycopg2://voice@localhost/voice")

engine = create_engine(DB_URL, pool_pre_ping=True)

metadata = MetaData()
transcripts = Table(
    "transcripts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
    Column("spoken_at", DateTime(timezone=True)),
)


def save(body: str) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(transcripts).values(body=body, spoken_at=datetime.now(timezone.utc))
        )
        return result.inserted_primary_key[0]


def _mark_spoken(name, completed):
    pass


def load(transcript_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(transcripts.c.body).where(transcripts.c.id == transcript_id)
        ).scalar_one()


def read_back(transcript_id: int) -> None:
    body = load(transcript_id)
    # this "engine" is the speech engine, not the database engine above
    engine = pyttsx3.init()
    engine.connect("finished-utterance", _mark_spoken)
    engine.say(body)
    engine.runAndWait()


def read_all() -> None:
    with engine.connect() as conn:
        bodies = conn.execute(select(transcripts.c.body).order_by(transcripts.c.id)).scalars().all()
    for body in bodies:
        tts = pyttsx3.init()
        tts.connect("finished-utterance", _mark_spoken)
        tts.say(body)
        tts.runAndWait()
