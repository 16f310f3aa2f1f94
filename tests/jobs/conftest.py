"""Fixtures for the scheduled jobs: a local Slack, real WebClients, fixed clocks, and (for the
tests where several workers share a database) a freshly migrated, committed database per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.models import Workspace
from core.platform.db import make_engine, make_sessions
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from integrations.slack import make_client
from tests.conftest import OWNER, drop_postgres_database, migrated_database_url

PIPELINE = "C0PIPELINE"


@pytest.fixture
def ws(sessions: sessionmaker[Session], workspace_id: str) -> str:
    """The test workspace (owner OWNER, New York, US holidays) posting to PIPELINE."""
    with sessions.begin() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        workspace.pipeline_channel = PIPELINE
    return workspace_id


@pytest.fixture
def slack_api() -> Iterator[LocalSlackAPI]:
    api = LocalSlackAPI().start()
    yield api
    api.stop()


@pytest.fixture
def slack(slack_api: LocalSlackAPI) -> WebClient:
    """The worker's real client (rate-limit handler and all), pointed at the local Slack."""
    return make_client("xoxb-test", base_url=slack_api.url)


class Sleeps(list[float]):
    """A stand-in for time.sleep that records the backoff instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@dataclass
class FixedClock:
    """The worker's clock, moved by hand: tests travel in time and never sleep."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        assert when.tzinfo is not None
        self.now = when.astimezone(UTC)


@dataclass
class CommittedDatabase:
    """A database of its own, committed for real, as separate worker processes would share."""

    url: str
    workspace_id: str
    engines: list[Engine]

    def sessions(self) -> sessionmaker[Session]:
        """A new engine (own connection pool) and session factory: one per simulated worker."""
        engine = make_engine(self.url)
        self.engines.append(engine)
        return make_sessions(engine)


@pytest.fixture
def committed_db(backend: str, tmp_path: Path) -> Iterator[CommittedDatabase]:
    suffix = f"jobs_{uuid.uuid4().hex[:10]}"
    url = migrated_database_url(backend, tmp_path, suffix)
    db = CommittedDatabase(url=url, workspace_id=f"T{suffix.upper()}", engines=[])
    with db.sessions().begin() as session:
        workspace = ensure_workspace(
            session,
            db.workspace_id,
            WorkspaceDefaults(owner_ids=[OWNER], pipeline_channel=PIPELINE),
        )
        workspace.name = "Jobs test"
    try:
        yield db
    finally:
        for engine in db.engines:
            engine.dispose()
        if backend == "postgres":
            drop_postgres_database(url)


MakeClient = Callable[[str], WebClient]


def section_texts(message: dict[str, Any]) -> list[str]:
    """The text of each section block of a posted message: what the channel reads."""
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
