from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="SHOP_", extra="ignore")

    database_url: str = "postgresql+psycopg://shop:shop@localhost:5432/shop"  # expect: SQA302
    analytics_database_url: str = "postgresql+psycopg://analytics:analytics@localhost:5432/analytics"  # expect: SQA302
    reporting_database_url: str = "postgresql+psycopg://report_ro:report@replica.local:5432/shop"  # expect: SQA302
    legacy_database_url: str = "mssql+pyodbc://erp:erp@erp-sql/erp?driver=ODBC+Driver+18+for+SQL+Server"  # expect: SQA302
    tenant_database_template: str = "postgresql+psycopg://shop:shop@localhost:5432/tenant_{tenant}"  # expect: SQA302

    pool_size: int = 10
    max_overflow: int = 20
    echo_sql: bool = False

    secret_key: str = "change-me"
    access_token_minutes: int = 60
    audit_retention_days: int = 90


@lru_cache
def get_settings() -> Settings:
    return Settings()


settings = get_settings()
