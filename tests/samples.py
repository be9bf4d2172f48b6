"""Small modules several test files check."""

from __future__ import annotations

# A connection that is never closed: SQA101 at line 4, column 12.
LEAK = (
    "from sqlalchemy import create_engine\n"
    "engine = create_engine('sqlite://')\n"
    "def f():\n"
    "    conn = engine.connect()\n"
    "    return conn.exec_driver_sql('select 1').scalar()\n"
)
