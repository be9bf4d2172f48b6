"""add ticket priority

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

PRIORITIES = ("low", "normal", "high")


def upgrade():
    op.add_column("tickets", sa.Column("priority", sa.Integer(), nullable=True))
    # op.execute() takes plain strings: that is its documented use.
    op.execute("UPDATE tickets SET priority = 1 WHERE priority IS NULL")
    for level, name in enumerate(PRIORITIES):
        op.execute(f"INSERT INTO priorities (level, name) VALUES ({level}, '{name}')")
    conn = op.get_bind()
    conn.execute("UPDATE tickets SET status = 'open' WHERE status IS NULL")  # expect: SQA202
    conn.execute(sa.text("UPDATE tickets SET title = trim(title)"))


def downgrade():
    op.execute("DELETE FROM priorities")
    op.drop_column("tickets", "priority")
