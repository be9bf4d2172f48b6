"""`flask --app admin_cli.app ...` maintenance commands."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select, text

from .app import db
from .models import AuditLog, User


@click.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email):
    user = db.session.query(User).filter_by(email=email).one()  # expect: SQA203
    user.active = False
    db.session.add(AuditLog(actor="cli", action=f"deactivate {email}"))
    db.session.commit()


@click.command("purge-audit")
@click.option("--days", type=int, default=90)
@with_appcontext
def purge_audit(days):
    db.engine.execute(  # expect: SQA201
        text("DELETE FROM audit_log WHERE created_at < now() - make_interval(days => :d)"),
        d=days,
    )


@click.command("grant")
@click.argument("email")
@click.argument("role")
@with_appcontext
def grant(email, role):
    db.session.execute(
        text(
            "INSERT INTO user_roles (user_id, role) "
            "SELECT id, :role FROM users WHERE email = :email"
        ),
        {"role": role, "email": email},
    )
    db.session.commit()


@click.command("whois")
@click.argument("email")
@with_appcontext
def whois(email):
    row = db.session.execute("SELECT id, name FROM users WHERE email = :e", {"e": email}).first()  # expect: SQA202
    click.echo(row)


@click.command("active-users")
@with_appcontext
def active_users():
    # Flask-SQLAlchemy's Model.query, not Session.query(...): allowed, not required.
    for user in User.query.filter_by(active=True):  # bonus: SQA203
        click.echo(user.email)


@click.command("recent")
@click.option("--limit", type=int, default=20)
@with_appcontext
def recent(limit):
    stmt = select(User).order_by(User.created_at.desc()).limit(limit)
    for user in db.session.scalars(stmt):
        click.echo(user.email)


@click.command("rename-domain")
@click.argument("old")
@click.argument("new")
@with_appcontext
def rename_domain(old, new):
    db.session.execute(
        text(  # expect: SQA301
            "UPDATE users SET email = replace(email, '@{0}', '@{1}')".format(old, new)
        )
    )
    db.session.commit()


def register(app):
    for command in (deactivate, purge_audit, grant, whois, active_users, recent, rename_domain):
        app.cli.add_command(command)
