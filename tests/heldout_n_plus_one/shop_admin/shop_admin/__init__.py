"""Back-office admin for the shop."""

from __future__ import annotations

import os

from flask import Flask

from .extensions import db


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "SHOP_DATABASE_URL", "postgresql+psycopg://shop:shop@localhost/shop"
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if config:
        app.config.update(config)
    db.init_app(app)

    from .views import bp

    app.register_blueprint(bp)
    return app
