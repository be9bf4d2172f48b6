"""One-off fix for ACC-1432, run once by hand: `python -m admin_cli.oneoff_dedupe`.

A plain script: nothing here serves requests or threads.
"""

import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

engine = create_engine(os.environ["ACCOUNTS_DB_URL"])
session = Session(engine)

dupes = (
    session.execute(text("SELECT email FROM users GROUP BY email HAVING count(*) > 1"))
    .scalars()
    .all()
)
for email in dupes:
    ids = (
        session.execute(text("SELECT id FROM users WHERE email = :e ORDER BY id"), {"e": email})
        .scalars()
        .all()
    )
    session.execute(text("DELETE FROM users WHERE id = ANY(:ids)"), {"ids": ids[1:]})
session.commit()
session.close()
