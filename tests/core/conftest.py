"""The workspace row most core tests act in (TEAM, owner OWNER; see tests/conftest.py), and a
database whose rows really commit, for the tests that race real threads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from secrets import token_hex

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.models import Workspace
from core.platform.db import make_engine, make_sessions
from core.workspaces.service import get_workspace
from tests.conftest import drop_postgres_database, migrated_database_url

RACE_CONNECTIONS = 12  # the most threads a race test runs at once, and two to spare


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


@pytest.fixture(scope="module")
def race_sessions(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database of its own (one per test module, dropped at the end) whose
    commits are real, as the app's are: a race needs transactions that see each other."""
    if backend == "sqlite":
        pytest.skip(
            "SQLite serializes writers on a database-wide lock, so nothing can race there; "
            "the race is proven on Postgres"
        )
    url = migrated_database_url(
        backend, tmp_path_factory.mktemp("races"), f"races_{os.getpid()}_{token_hex(3)}"
    )
    engine = make_engine(url, pool_size=RACE_CONNECTIONS, max_overflow=4)
    yield make_sessions(engine)
    engine.dispose()
    drop_postgres_database(url)
