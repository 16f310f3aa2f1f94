"""Every column that holds a third-party token, and re-encrypting them all with the first key.

A new place that stores a token adds its table here, so `crm secrets rotate` covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, column, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from core.platform.token_cipher import TokenCipher

__all__ = ["STORED_TOKENS", "StoredTokens", "rotate_stored_tokens"]


@dataclass(frozen=True)
class StoredTokens:
    """A table, its key column, and its columns that hold sealed tokens."""

    table: str
    key: str
    columns: tuple[str, ...]


STORED_TOKENS = (
    StoredTokens(
        "slack_installations",
        "id",
        ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    ),
    StoredTokens("slack_bots", "id", ("bot_token", "bot_refresh_token")),
    StoredTokens("mailbox_connections", "workspace_id", ("refresh_token", "client_secret")),
    StoredTokens("quickbooks_connections", "workspace_id", ("access_token", "refresh_token")),
)


def rotate_stored_tokens(*, session: Session, cipher: TokenCipher) -> int:
    """Re-encrypt every stored token with the cipher's first key; returns how many changed.

    Rows are locked while they are rewritten (Postgres), so a token refreshed at the same
    moment is not overwritten with its older value. Plaintext left from before encryption
    is sealed too.
    """
    changed = 0
    for stored in STORED_TOKENS:
        key: ColumnClause[Any] = column(stored.key)
        columns: list[ColumnClause[Any]] = [column(name) for name in stored.columns]
        source = table(stored.table, key, *columns)
        rows = session.execute(select(source).with_for_update()).mappings().all()
        updates = []
        for row in rows:
            new = {
                f"new_{name}": cipher.rotate(row[name]) if row[name] else row[name]
                for name in stored.columns
            }
            if any(new[f"new_{name}"] != row[name] for name in stored.columns):
                updates.append({"row_key": row[stored.key], **new})
        if updates:
            statement = (
                source.update()
                .where(key == bindparam("row_key"))
                .values({name: bindparam(f"new_{name}") for name in stored.columns})
            )
            session.execute(statement, updates)
            changed += len(updates)
    return changed
