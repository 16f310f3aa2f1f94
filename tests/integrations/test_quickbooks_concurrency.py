"""Real threads on Postgres: one refresh for many callers, one customer for many taps.

Each thread has its own database connection (one engine, a pool) as separate web processes
would. Without the lock on the connection row, two threads would both spend the one refresh
token and the second would be refused (Intuit rotates it), revoking a healthy connection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import QuickBooksConnectionStatus
from core.models import AuditEntry, Contact, QuickBooksConnection
from core.platform.config import Settings
from core.platform.db import make_engine, make_sessions
from core.platform.token_cipher import cipher_from_keys
from core.quickbooks.connection import TokenGrant, connect_quickbooks
from core.quickbooks.flow import PushResult, push_to_quickbooks
from core.quickbooks.pushes import PushChoice
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from integrations.quickbooks.adapter import QuickBooksOnline
from integrations.quickbooks.http import IntuitApp
from tests.bot.harness import SECRET_KEY
from tests.conftest import OWNER, drop_postgres_database, migrated_database_url
from tests.core.factories import make_contact
from tests.integrations.quickbooks_standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    REALM,
    QuickBooksStandIn,
)

THREADS = 6
TEAM = "T0RACE"
Result = TypeVar("Result")


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if backend != "postgres":
        pytest.skip("row locks under real threads are a Postgres matter")
    url = migrated_database_url(backend, tmp_path, f"qbo_{uuid.uuid4().hex[:10]}")
    engine = make_engine(url)
    try:
        yield make_sessions(engine)
    finally:
        engine.dispose()
        drop_postgres_database(url)


def _connected(sessions: sessionmaker[Session], qbo: QuickBooksStandIn) -> None:
    """A connection whose access token has expired; the stored refresh token is good once."""
    with sessions.begin() as session:
        workspace = ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
        connect_quickbooks(
            session=session,
            workspace=workspace,
            actor=OWNER,
            realm_id=REALM,
            environment="sandbox",
            grant=TokenGrant("expired-access", qbo.issue_refresh_token(), expires_in=-60),
            cipher=cipher_from_keys(SECRET_KEY),
            now=datetime.now(UTC),
        )


def _adapter(sessions: sessionmaker[Session], qbo: QuickBooksStandIn) -> QuickBooksOnline:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        quickbooks_client_id=CLIENT_ID,
        quickbooks_client_secret=CLIENT_SECRET,
        crm_quickbooks_api_url=qbo.url,
        crm_intuit_token_url=qbo.token_url,
    )
    return QuickBooksOnline(
        sessions=sessions,
        workspace_id=TEAM,
        app=IntuitApp.from_settings(settings),
        cipher=cipher_from_keys(SECRET_KEY),
    )


def _all_at_once(work: Callable[[], Result]) -> list[Result]:
    start = Barrier(THREADS)

    def run() -> Result:
        start.wait()
        return work()

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(run) for _ in range(THREADS)]
        return [future.result(timeout=60) for future in futures]


def test_many_callers_with_an_expired_token_refresh_once(
    database: sessionmaker[Session],
) -> None:
    with QuickBooksStandIn() as qbo:
        _connected(database, qbo)
        adapter = _adapter(database, qbo)
        found = _all_at_once(lambda: adapter.find_customer(email=None, display_name="Nobody"))
        assert found == [None] * THREADS
        assert len(qbo.calls_to("/tokens/bearer")) == 1
    with database() as session:
        connection = session.get(QuickBooksConnection, TEAM)
        assert connection is not None and connection.status is QuickBooksConnectionStatus.connected
        assert connection.refresh_token is not None
        stored = cipher_from_keys(SECRET_KEY).open(connection.refresh_token)
        assert stored in qbo.refresh_tokens  # the rotated one, still good at Intuit


def test_many_owner_taps_at_once_make_one_customer(database: sessionmaker[Session]) -> None:
    with QuickBooksStandIn() as qbo:
        _connected(database, qbo)
        with database.begin() as session:
            contact_id = make_contact(session, TEAM, emails=["dana@example.com"]).contact_id
        adapter = _adapter(database, qbo)

        def tap() -> Any:
            return push_to_quickbooks(
                sessions=database,
                workspace_id=TEAM,
                actor=OWNER,
                contact_id=contact_id,
                choice=PushChoice.create_new,
                quickbooks=adapter,
                clock=lambda: datetime.now(UTC) + timedelta(seconds=0),
            )

        def outcome_or_refusal() -> str:
            try:
                return str(tap().result)
            except Exception as error:  # noqa: BLE001 - a refusal is a fine answer to a late tap
                return type(error).__name__

        results = _all_at_once(outcome_or_refusal)
        assert set(results) <= {PushResult.created.value, "InvalidTransition"}
        assert PushResult.created.value in results
        assert len(qbo.customers) == 1
    with database() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None and contact.quickbooks_customer_id == "58"
        created = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "create_quickbooks_customer",
                AuditEntry.entity_type == "contacts",
            )
        )
        assert created == 1
