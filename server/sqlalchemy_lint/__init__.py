"""sqlalchemy-lint: find SQLAlchemy resource misuse while you type."""

__version__ = "0.1.0"
