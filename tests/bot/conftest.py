"""Fixtures of the bot tests: the real app over HTTP against the local Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.bot.harness import SlackHarness


@pytest.fixture
def slack(sessions: sessionmaker[Session], workspace_id: str) -> Iterator[SlackHarness]:
    """The one-workspace bot (team TEAM, owner OWNER), on SQLite and on Postgres."""
    with SlackHarness(sessions) as harness:
        yield harness


@pytest.fixture
def slack_installable(sessions: sessionmaker[Session]) -> Iterator[SlackHarness]:
    """The multi-workspace bot (SLACK_CLIENT_ID set), not yet installed anywhere."""
    with SlackHarness(sessions, oauth=True) as harness:
        yield harness
