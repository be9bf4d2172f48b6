"""Helpers of the reliability suite (fuzzing, fix properties, protocol stress, safety).

Nothing here is collected as a test; the `test_*.py` files in `tests/` use it.
"""
