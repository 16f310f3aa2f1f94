"""Alembic environment: migrations run on SQLite (batch mode) and Postgres alike."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.exc import SAWarning

from core.models import Base
from core.platform.config import get_settings
from core.platform.db import make_engine

target_metadata = Base.metadata
EXPRESSION_INDEXES = {"ix_contacts_name_trgm", "ix_contacts_full_name", "ix_contacts_first_name"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate compares only our models: the Slack SDK's OAuth tables are not in them, nor
    are the expression indexes on contact names (made by 0005 and 0016, which autogenerate
    cannot compare)."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table" and (name or "").startswith("slack_"):
        return False
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        # SQLite's reflection skips the expression indexes, which autogenerate leaves out anyway.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    # `crm db upgrade` passes the URL; the root alembic.ini leaves it to DATABASE_URL.
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()


run_online()
