"""A small shop: catalogue, orders and an admin area."""

from flask import Flask

from .db import shutdown_session


def create_app(config_object="shop.config"):
    app = Flask(__name__)
    app.config.from_object(config_object)
    app.teardown_appcontext(shutdown_session)

    from .views import admin, catalog, orders

    app.register_blueprint(catalog.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(admin.bp)
    return app
