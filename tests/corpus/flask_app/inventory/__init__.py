import logging

from flask import Flask, jsonify

from .db import close_conn, shutdown_session


def create_app(config_object="inventory.config.ProductionConfig"):
    app = Flask(__name__)
    app.config.from_object(config_object)
    app.config.from_prefixed_env("INVENTORY")

    logging.basicConfig(level=logging.DEBUG if app.debug else logging.INFO)

    from .blueprints import admin, products, warehouses
    from .cli import copy_products_command, init_db_command, snapshot_command

    app.register_blueprint(products.bp)
    app.register_blueprint(warehouses.bp)
    app.register_blueprint(admin.bp)

    app.teardown_appcontext(shutdown_session)
    app.teardown_appcontext(close_conn)

    app.cli.add_command(init_db_command)
    app.cli.add_command(copy_products_command)
    app.cli.add_command(snapshot_command)

    @app.errorhandler(404)
    def not_found(err):
        return jsonify(error="not found"), 404

    @app.errorhandler(400)
    def bad_request(err):
        return jsonify(error=getattr(err, "description", "bad request")), 400

    return app
