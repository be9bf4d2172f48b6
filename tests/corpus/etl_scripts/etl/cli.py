"""Small click CLI for one-off warehouse chores."""
import click
import pandas as pd
from sqlalchemy import create_engine, inspect, text


@click.group()
def cli():
    """Warehouse chores."""


@cli.command()
@click.option("--url", envvar="WAREHOUSE_URL", required=True)
def check(url):
    """Print server version and table count."""
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version()")).scalar()
    tables = inspect(engine).get_table_names(schema="analytics")
    click.echo(version)
    click.echo(f"{len(tables)} tables in analytics")


@cli.command("dump-table")
@click.argument("table")
@click.option("--url", envvar="WAREHOUSE_URL", required=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None)
def dump_table(table, url, out):
    """Dump one table to CSV."""
    engine = create_engine(url)
    df = pd.read_sql_table(table, engine, schema="analytics")
    out = out or f"{table}.csv"
    df.to_csv(out, index=False)
    click.echo(f"{len(df)} rows -> {out}")


@cli.command()
@click.argument("sql_file", type=click.File())
@click.option("--url", envvar="WAREHOUSE_URL", required=True)
@click.option("--dry-run", is_flag=True)
def run_sql(sql_file, url, dry_run):
    """Run a SQL file inside one transaction."""
    engine = create_engine(url, echo=True)
    statements = [s.strip() for s in sql_file.read().split(";") if s.strip()]
    with engine.connect() as conn:
        trans = conn.begin()
        for stmt in statements:
            conn.execute(text(stmt))
        if dry_run:
            trans.rollback()
            click.echo("rolled back (dry run)")
        else:
            trans.commit()
    engine.dispose()


if __name__ == "__main__":
    cli()
