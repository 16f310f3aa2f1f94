"""Alembic environment: migrations run on SQLite (batch mode) and Postgres alike."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from core.models import Base
from core.platform.config import get_settings
from core.platform.db import make_engine

target_metadata = Base.metadata
POSTGRES_ONLY_INDEXES = {"ix_contacts_name_trgm"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate compares only our models: the Slack SDK's OAuth tables are not in them, nor
    is the Postgres-only trigram index on contact names (an expression index, made by 0005)."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table" and (name or "").startswith("slack_"):
        return False
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
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
