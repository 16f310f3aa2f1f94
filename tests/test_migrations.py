"""The migrations are the only way tables are made: they must match the models exactly."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command

from core.platform.migrate import alembic_config
from tests.conftest import drop_postgres_database, migrated_database_url


def test_models_and_migrations_agree(database_url: str) -> None:
    """`alembic check` finds nothing to generate: every model change has its migration."""
    command.check(alembic_config(database_url))


def test_downgrade_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    """Every revision downgrades cleanly and upgrades back to head, on SQLite and Postgres."""
    url = migrated_database_url(backend, tmp_path, f"downgrade_{os.getpid()}")
    try:
        command.downgrade(alembic_config(url), "base")
        command.upgrade(alembic_config(url), "head")
        command.check(alembic_config(url))
    finally:
        if backend == "postgres":
            drop_postgres_database(url)
