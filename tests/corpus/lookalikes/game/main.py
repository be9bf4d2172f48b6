"""Game entry point and level runner."""
import sys
from typing import List

from flask import Flask, jsonify

from .engine import Engine, Scene, Session, create_engine

app = Flask(__name__)

LEVELS = ["intro", "forest", "castle", "boss"]


def play_levels(levels: List[str]) -> None:
    for level in levels:
        engine = create_engine(fps=30)
        engine.load(Scene(level))
        engine.run(frames=600)


def join(engine: Engine, servers: List[str]) -> List[Session]:
    sessions = []
    for address in servers:
        conn = engine.connect(address)
        sessions.append(conn)
    return sessions


def lobby(address: str) -> None:
    session = Session(address, Engine(headless=True))
    session.begin().send(b"hello")


@app.route("/preview/<level>")
def preview(level):
    engine = create_engine(fps=10)
    engine.load(Scene(level))
    engine.run(frames=1)
    connection = engine.connect("preview.local:7777")
    connection.send(level.encode())
    return jsonify(level=level, fps=engine.fps)


@app.before_request
def warm_up():
    Engine(headless=True).connect("warmup.local:7777")


if __name__ == "__main__":
    play_levels(sys.argv[1:] or LEVELS)
