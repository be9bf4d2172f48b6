"""Typer app for tenant database maintenance."""
from typing import Optional

import typer
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

app = typer.Typer(help="Tenant database maintenance")


@app.command()
def migrate(url: str = typer.Option(..., envvar="TENANT_URL"), target: Optional[str] = None):
    """Stamp or upgrade a tenant database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        typer.echo(f"current revision: {current}")
        if target and target != current:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": target})
            typer.echo(f"stamped {target}")


@app.command()
def stats(url: str = typer.Option(..., envvar="TENANT_URL")):
    """Show row counts of the busiest tables."""
    engine = create_engine(url, echo=False)
    session = Session(engine)  # expect: SQA102
    rows = session.execute(
        text("SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC LIMIT 10")
    ).all()
    for name, n in rows:
        typer.echo(f"{name:<40} {n:>12,}")
    total = session.scalar(select(func.sum(text("n_live_tup"))).select_from(text("pg_stat_user_tables")))
    typer.echo(f"total live rows: {total:,}")


@app.command()
def purge(url: str = typer.Option(..., envvar="TENANT_URL"), days: int = 365, yes: bool = False):
    """Delete api_log rows older than N days."""
    if not yes:
        typer.confirm(f"Delete api_log rows older than {days} days?", abort=True)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        deleted = session.execute(
            text("DELETE FROM api_log WHERE ts < now() - make_interval(days => :d)"), {"d": days}
        ).rowcount
    typer.echo(f"deleted {deleted} rows")
    engine.dispose()


if __name__ == "__main__":
    app()
