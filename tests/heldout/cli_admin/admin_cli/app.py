"""The Flask-SQLAlchemy app the maintenance commands run in."""

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://admin:admin123@localhost/accounts"  # expect: SQA302
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)

    from .commands import register

    register(app)
    return app
