"""Run the Alembic migrations: the only way tables are made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine

from core.platform.config import normalize_database_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def database_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database with no tables made yet. The one
    place health, `crm doctor`, start-up and `crm db upgrade` read it."""
    return MigrationContext.configure(connection).get_current_revision()


def revision_of(url: str) -> str | None:
    """`database_revision` of the database at `url`, on a connection of its own."""
    engine = create_engine(normalize_database_url(url))
    try:
        with engine.connect() as connection:
            return database_revision(connection)
    finally:
        engine.dispose()


def upgrade_words(before: str | None, after: str | None) -> str:
    """What `crm db upgrade` says it did: made the tables, migrated them, or nothing to do."""
    if before is None:
        return f"Created the database tables (schema {after})."
    if before == after:
        return f"Database is up to date (schema {after})."
    return f"Migrated the database from schema {before} to {after}."


def current_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
