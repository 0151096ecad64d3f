"""Every version kept, and a trash: message_revisions, with one imported revision per message, and trashed_messages.

Migration 0002, after 0001.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")
KEY = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def upgrade() -> None:
    """Create the revisions and the trash; give each message one revision, its text now ("import")."""
    op.create_table(
        "message_revisions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("message_id", Id, nullable=False),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("editor_name", sa.String(64), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.UniqueConstraint("message_id", "number", name="uq_message_revisions_message_id_number"),
    )
    op.create_table(
        "trashed_messages",
        sa.Column("id", Id, primary_key=True, autoincrement=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("deleted_at", sa.DateTime, nullable=False),
        sa.Column("deleted_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_trashed_messages_deleted_at", "trashed_messages", ["deleted_at"])
    # Who wrote the texts before is not known: the imported revisions name nobody.
    op.execute(
        "INSERT INTO message_revisions (message_id, number, text, created_at, editor_name, action) "
        "SELECT id, version, text, updated_at, NULL, 'import' FROM messages ORDER BY id"
    )
