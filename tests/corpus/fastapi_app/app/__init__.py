"""Shop API – FastAPI + SQLAlchemy backend for the storefront."""

__version__ = "0.9.3"
