"""Where the pipeline reads from and writes to."""

import os

from sqlalchemy import URL, create_engine

WAREHOUSE_URL = "postgresql+psycopg2://etl:etl_pw_2024@warehouse:5432/dw"  # expect: SQA302


def warehouse_engine():
    return create_engine(WAREHOUSE_URL, pool_size=2)


def erp_engine():
    url = URL.create(
        "mysql+pymysql",
        username="readonly",
        password="r3ad0nly",  # expect: SQA302
        host=os.environ.get("ERP_HOST", "legacy-db"),
        database="erp",
    )
    return create_engine(url)


def crm_engine():
    url = URL.create(
        "postgresql+psycopg2",
        username=os.environ["CRM_USER"],
        password=os.environ["CRM_PASSWORD"],
        host="crm-db",
        database="crm",
    )
    return create_engine(url)


def finance_engine():
    return create_engine(
        "mssql+pyodbc://sa:YourStrong!Passw0rd@finance-db:1433/ledger"  # expect: SQA302
        "?driver=ODBC+Driver+18+for+SQL+Server"
    )


def replica_engine():
    # Kerberos: neither the URL nor connect_args carry a literal password.
    return create_engine(
        "postgresql+psycopg2://etl@replica:5432/dw",
        connect_args={"password": os.environ.get("REPLICA_PASSWORD"), "gssencmode": "prefer"},
    )


def local_engine(path="staging.db"):
    return create_engine(f"sqlite:///{path}")


def warehouse_dsn():
    """libpq DSN for the psycopg2 steps; the password is in the environment."""
    return "host=warehouse dbname=dw user=etl password=%s" % os.environ["ETL_PASSWORD"]
