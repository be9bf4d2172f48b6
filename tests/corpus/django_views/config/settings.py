import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-dev-key")
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "config.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("APP_DB_NAME", "portal"),
        "USER": os.environ.get("APP_DB_USER", "portal"),
        "HOST": os.environ.get("APP_DB_HOST", "localhost"),
    }
}

# The reporting warehouse is queried through SQLAlchemy, not the Django ORM.
WAREHOUSE_URL = os.environ.get("WAREHOUSE_URL", "postgresql+psycopg2://portal_ro@warehouse/dw")
PARTNER_DATABASES = {
    "acme": os.environ.get("PARTNER_ACME_URL", "postgresql+psycopg2://acme@partners/acme"),
    "globex": os.environ.get("PARTNER_GLOBEX_URL", "mysql+pymysql://globex@partners/globex"),
}

USE_TZ = True
TIME_ZONE = "Europe/Berlin"
