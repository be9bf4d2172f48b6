"""Admin endpoints: datasource checks and database housekeeping."""
from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import engine
from ..services.stock import StockLedger

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/datasources/test", methods=["POST"])
def test_datasource():
    url = request.form["url"]
    candidate = create_engine(  # expect: SQA103
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )
    try:
        with candidate.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar()
    except SQLAlchemyError as exc:
        return jsonify(ok=False, error=str(exc.__cause__ or exc)), 400
    finally:
        candidate.dispose()
    return jsonify(ok=True, version=version)


def _table_sizes():
    stats_engine = create_engine(current_app.config["STATS_DATABASE_URL"])  # expect: SQA103
    with stats_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, pg_total_relation_size(relid) FROM pg_catalog.pg_statio_user_tables "
                "ORDER BY 2 DESC LIMIT 20"
            )
        ).all()
    return [(name, size) for name, size in rows]


@bp.route("/tables")
def tables():
    return render_template("admin/tables.html", sizes=_table_sizes())


@bp.route("/sessions/kill-idle", methods=["POST"])
def kill_idle():
    minutes = int(request.form.get("minutes", 30))
    session = Session(engine)
    try:
        killed = session.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE state = 'idle' AND state_change < now() - make_interval(mins => :m) "
                "AND pid <> pg_backend_pid()"
            ),
            {"m": minutes},
        ).scalar()
        session.commit()
    finally:
        session.close()
    return jsonify(killed=killed)


@bp.route("/ledger/<int:product_id>")
def ledger(product_id):
    with StockLedger() as ledger:
        entries = ledger.history(product_id)
    return jsonify(entries)


@bp.route("/pool")
def pool_status():
    return jsonify(status=engine.pool.status())
