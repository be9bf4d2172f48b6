from . import items, reports, users

__all__ = ["items", "reports", "users"]
