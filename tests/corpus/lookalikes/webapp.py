"""Flask app whose handlers use non-SQLAlchemy "engines", "sessions" and connections."""
import sqlite3

import requests
from flask import Flask, g, jsonify, request

from mylib import create_engine, sessionmaker
from storage import local_cache

app = Flask(__name__)

SessionLocal = sessionmaker(user="anonymous")

DB_PATH = "webapp.db"


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(DB_PATH)
    return g.db


@app.teardown_appcontext
def close_db(exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.before_request
def load_rules():
    g.rules = create_engine("request-rules", strict=True)
    g.rules.connect("evaluated", lambda name, ok: app.logger.debug("%s -> %s", name, ok))


@app.route("/notes")
def notes():
    conn = sqlite3.connect(DB_PATH)
    rows = conn.execute("SELECT id, body FROM notes ORDER BY id DESC").fetchall()
    return jsonify([{"id": r[0], "body": r[1]} for r in rows])


@app.route("/notes/<int:note_id>")
def note(note_id):
    row = get_db().execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()
    return jsonify(body=row[0] if row else None)


@app.route("/check", methods=["POST"])
def check():
    rules = create_engine("adhoc")
    rules.add_rule(lambda facts: facts.get("age", 0) >= 18)
    session = SessionLocal(user=request.headers.get("X-User"))
    session.set("last_check", request.json)
    return jsonify(ok=rules.evaluate(request.json or {}))


@app.route("/proxy/<path:path>")
def proxy(path):
    s = requests.Session()
    upstream = s.get(f"https://upstream.example.com/{path}", timeout=5)
    return upstream.content, upstream.status_code


@app.route("/cache/<key>")
def cached(key):
    return jsonify(value=local_cache.get(key))


@app.route("/bulk-check", methods=["POST"])
def bulk_check():
    results = []
    for name in request.json.get("profiles", []):
        engine = create_engine(name)
        results.append(engine.evaluate({"name": name}))
    return jsonify(results=results)
