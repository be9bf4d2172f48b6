"""Settings, read from the environment; the defaults suit a developer's laptop."""

import os

SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "change-me")

# Production sets SHOP_DATABASE_URL; the fallback is the docker-compose database.
DATABASE_URL = os.environ.get(
    "SHOP_DATABASE_URL",
    "postgresql+psycopg2://shop:shop_dev_pw@localhost:5432/shop",  # expect: SQA302
)

# The read replica authenticates with a client certificate: no password in the URL.
REPLICA_URL = os.environ.get("SHOP_REPLICA_URL", "postgresql+psycopg2://shop_ro@replica:5432/shop")

# Not databases that SQLAlchemy connects to.
REDIS_URL = os.environ.get("SHOP_REDIS_URL", "redis://:cachepw@localhost:6379/0")
ELASTIC_URL = "http://elastic:changeme@localhost:9200"

PAGE_SIZE = 25
