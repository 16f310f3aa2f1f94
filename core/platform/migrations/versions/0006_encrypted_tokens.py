"""encrypted tokens

Sealed tokens (Fernet, CRM_SECRET_KEY) are longer than the plain ones: the Slack token
columns grow to 1000 characters. Postgres enforces VARCHAR lengths; SQLite does not, so it
is left alone.

Revision ID: 0006_encrypted_tokens
Revises: 0004_outbox
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_encrypted_tokens"
down_revision: str | None = "0004_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_TOKEN_COLUMNS = {
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    "slack_bots": ("bot_token", "bot_refresh_token"),
}


def _resize_slack_tokens(length: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SLACK_TOKEN_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.String(length))


def upgrade() -> None:
    _resize_slack_tokens(1000)


def downgrade() -> None:
    _resize_slack_tokens(200)
