"""Blog and forum API: models, services and reports."""

__version__ = "0.1.0"
