import os


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
    DATABASE_URL = os.environ.get(
        "INVENTORY_DATABASE_URL", "postgresql+psycopg2://inventory:inventory@localhost/inventory"  # a development fallback: not reported
    )
    STATS_DATABASE_URL = os.environ.get(
        "INVENTORY_STATS_URL", "postgresql+psycopg2://stats_ro:stats@localhost/postgres"  # a development fallback: not reported
    )
    REGION_DATABASES = {
        "eu": os.environ.get("REGION_EU_URL", "postgresql+psycopg2://wh@eu-db/warehouse"),
        "us": os.environ.get("REGION_US_URL", "postgresql+psycopg2://wh@us-db/warehouse"),
        "apac": os.environ.get("REGION_APAC_URL", "postgresql+psycopg2://wh@apac-db/warehouse"),
    }
    LOW_STOCK_THRESHOLD = int(os.environ.get("LOW_STOCK_THRESHOLD", "10"))


class ProductionConfig(Config):
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    DATABASE_URL = "sqlite://"
