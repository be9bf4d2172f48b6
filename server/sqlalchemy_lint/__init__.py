"""sqlalchemy-lint: find SQLAlchemy resource misuse while you type."""

__version__ = "0.1.0"
HOMEPAGE = "https://github.com/sqlalchemy-lint/sqlalchemy-lint"
