"""`crm quickbooks connect|status|disconnect` against the stand-in, and `crm secrets rotate`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.integrations.quickbooks_standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    REALM,
    QuickBooksStandIn,
)
from tests.test_cli_transfer import crm, database, migrated  # noqa: F401 (fixtures)

KEY = Fernet.generate_key().decode()
TEAM = "T0CLI"


@pytest.fixture
def deployment(
    migrated: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, QuickBooksStandIn]]:
    engine = make_engine(migrated)
    with make_sessions(engine).begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=["U0OWNER"]))
    engine.dispose()
    with QuickBooksStandIn() as qbo:
        for name, value in {
            "CRM_SECRET_KEY": KEY,
            "QUICKBOOKS_CLIENT_ID": CLIENT_ID,
            "QUICKBOOKS_CLIENT_SECRET": CLIENT_SECRET,
            "CRM_QUICKBOOKS_API_URL": qbo.url,
            "CRM_INTUIT_TOKEN_URL": qbo.token_url,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield migrated, qbo
    get_settings.cache_clear()


def _stored(url: str) -> tuple[str, str] | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT access_token, refresh_token FROM quickbooks_connections")
            ).first()
            return (str(row[0]), str(row[1])) if row is not None and row[0] else None
    finally:
        engine.dispose()


def test_connect_with_a_refresh_token_then_status_then_disconnect(
    deployment: tuple[str, QuickBooksStandIn], capsys: pytest.CaptureFixture[str]
) -> None:
    url, qbo = deployment
    given = qbo.issue_refresh_token()
    code, out, err = crm(
        capsys, "quickbooks", "connect", "--realm", REALM, "--refresh-token", given
    )
    assert (code, err) == (0, "")
    assert out.startswith(f"QuickBooks connected: company {REALM} (sandbox), connected")
    stored = _stored(url)
    assert stored is not None
    cipher = cipher_from_keys(KEY)
    rotated = cipher.open(stored[1])
    assert rotated != given and rotated in qbo.refresh_tokens and given not in qbo.refresh_tokens
    assert given not in stored[1] and rotated not in stored[1]

    code, out, _ = crm(capsys, "quickbooks", "status")
    assert code == 0 and out.startswith(f"QuickBooks: company {REALM} (sandbox), connected")

    assert crm(capsys, "quickbooks", "disconnect") == (0, "QuickBooks disconnected.\n", "")
    assert _stored(url) is None
    code, out, _ = crm(capsys, "quickbooks", "status")
    assert code == 1 and "disconnected" in out


def test_a_refused_refresh_token_connects_nothing_in_one_line(
    deployment: tuple[str, QuickBooksStandIn], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = deployment
    code, out, err = crm(
        capsys, "quickbooks", "connect", "--realm", REALM, "--refresh-token", "made-up"
    )
    assert code == 1 and out == ""
    assert err.startswith("crm: Intuit no longer accepts this QuickBooks connection")
    assert err.count("\n") == 1
    assert _stored(url) is None
    assert crm(capsys, "quickbooks", "status") == (1, "QuickBooks is not connected.\n", "")


def test_rotate_re_encrypts_the_quickbooks_tokens_too(
    deployment: tuple[str, QuickBooksStandIn],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, qbo = deployment
    given = qbo.issue_refresh_token()
    assert crm(capsys, "quickbooks", "connect", "--realm", REALM, "--refresh-token", given)[0] == 0
    before = _stored(url)
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("CRM_SECRET_KEY", f"{new},{KEY}")
    get_settings.cache_clear()
    assert crm(capsys, "secrets", "rotate") == (
        0,
        "Re-encrypted 1 stored token row(s) with the first key.\n",
        "",
    )
    after = _stored(url)
    assert before is not None and after is not None
    only_new = cipher_from_keys(new)
    assert [only_new.open(value) for value in after] == [
        cipher_from_keys(KEY).open(value) for value in before
    ]
