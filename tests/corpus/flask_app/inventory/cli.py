from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text

from .db import engine, init_db
from .services.stock import nightly_snapshot


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create all tables."""
    init_db()
    click.echo("Initialized the database.")


@click.command("copy-products")
@click.argument("source_url")
@click.option("--batch-size", default=1000, show_default=True)
@with_appcontext
def copy_products_command(source_url, batch_size):
    """Copy the product catalogue from another inventory database."""
    source = create_engine(source_url)
    copied = 0
    with source.connect() as src, engine.begin() as dst:
        result = src.execution_options(stream_results=True).execute(
            text("SELECT sku, name, quantity, unit_cost FROM products")
        )
        for batch in result.mappings().partitions(batch_size):
            dst.execute(
                text(
                    "INSERT INTO products (sku, name, quantity, unit_cost) "
                    "VALUES (:sku, :name, :quantity, :unit_cost) ON CONFLICT (sku) DO NOTHING"
                ),
                [dict(row) for row in batch],
            )
            copied += len(batch)
    source.dispose()
    click.echo(f"copied {copied} products")


@click.command("snapshot")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def snapshot_command(day):
    n = nightly_snapshot(day.date() if day else date.today())
    click.echo(f"snapshot of {n} products written")
