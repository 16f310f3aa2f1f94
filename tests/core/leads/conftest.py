"""A Postgres database whose rows really commit, for tests that race real threads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from secrets import token_hex

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.platform.db import make_engine, make_sessions
from tests.conftest import drop_postgres_database, migrated_database_url

RACE_CONNECTIONS = 10


@pytest.fixture(scope="module")
def race_sessions(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """A database of its own whose rows are really committed (dropped at the end)."""
    if backend == "sqlite":
        pytest.skip("SQLite runs one writer at a time: the race is proven on Postgres")
    url = migrated_database_url(
        backend, tmp_path_factory.mktemp("lock_order"), f"locks_{os.getpid()}_{token_hex(3)}"
    )
    engine: Engine = make_engine(url, pool_size=RACE_CONNECTIONS)
    yield make_sessions(engine)
    engine.dispose()
    drop_postgres_database(url)
