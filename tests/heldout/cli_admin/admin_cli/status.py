"""A tiny status page: `flask --app admin_cli.status run`."""

import os

from flask import Flask, jsonify
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["ACCOUNTS_DB_URL"], pool_size=1)
conn = engine.connect()  # expect: SQA105

app = Flask(__name__)


@app.get("/status")
def status():
    users = conn.execute(text("SELECT count(*) FROM users")).scalar()
    return jsonify(users=users)


@app.get("/status/<table>")
def table_status(table):
    with engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM " + table)).scalar()  # expect: SQA301
    return jsonify({table: n})
