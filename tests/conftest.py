"""Database fixtures: every database test runs on SQLite and, when one is given, Postgres.

The schema is made by Alembic once per backend and test worker; each test runs inside an
outer transaction that is rolled back at the end (`join_transaction_mode="create_savepoint"`),
so tests never see each other's rows. Postgres comes from `TEST_DATABASE_URL`; each xdist
worker gets its own database derived from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from core.platform.db import make_engine, make_sessions
from core.platform.migrate import upgrade
from core.workspaces.service import WorkspaceDefaults, ensure_workspace

TEAM = "T0TEST"
OWNER = "U0OWNER"
STAFF = "U0STAFF"

BACKENDS = ["sqlite", "postgres"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    return url.replace("postgres://", "postgresql://", 1)


def _fresh_postgres_database(base_url: str, suffix: str) -> str:
    """Create (anew) one database per test worker beside the one CI gave us."""
    import psycopg

    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{suffix}"
    admin = url.set(drivername="postgresql", database=url.database)
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    import psycopg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def migrated_database_url(backend: str, tmp_root: Path, suffix: str) -> str:
    """A database URL of the backend with the schema made by Alembic."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_root / f'crm-{suffix}.db'}"
    else:
        base = postgres_url()
        if base is None:
            pytest.skip("Postgres tests need TEST_DATABASE_URL (make test sets none; .ci/run does)")
        url = _fresh_postgres_database(base, suffix)
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    suffix = f"{_worker()}_{os.getpid()}"
    url = migrated_database_url(backend, tmp_path_factory.mktemp("db"), suffix)
    yield url
    if backend == "postgres":
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose every commit is undone when the test ends."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield make_sessions(connection, join_transaction_mode="create_savepoint")
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session for a test that calls core operations directly."""
    with sessions() as session:
        yield session


@pytest.fixture
def workspace_id(sessions: sessionmaker[Session]) -> str:
    """A workspace with one owner (OWNER) in New York, US holidays."""
    with sessions.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
    return TEAM


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say once, not once per test, why the Postgres half was skipped."""
    if postgres_url() is None:
        terminalreporter.write_line(
            "Postgres tests were skipped: set TEST_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run them too; .ci/run does.",
            yellow=True,
        )
