"""ETL and maintenance jobs for the warehouse database."""

__all__ = ["db", "models", "imports", "maintenance", "workers", "reports"]
