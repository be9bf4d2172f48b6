"""Legacy Flask admin panel (shares the models with the API)."""

from flask import Flask

from .extensions import db


def create_admin_app(database_url: str = "sqlite:///shop.db") -> Flask:
    from .views import bp

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    app.config["SECRET_KEY"] = "change-me"
    db.init_app(app)
    app.register_blueprint(bp, url_prefix="/admin")
    return app
