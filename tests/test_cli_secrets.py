"""`crm secrets rotate`: every stored token re-encrypted with the first key, plaintext sealed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.oauth import installation_store
from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from tests.test_cli_transfer import crm, database, migrated  # noqa: F401 (fixtures)

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
CLIENT_ID = "1111.2222"


@pytest.fixture
def db(migrated: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    engine = make_engine(migrated)
    yield make_sessions(engine)
    engine.dispose()


def _install(team: str, token: str) -> Installation:
    return Installation(
        app_id="A0LOCAL",
        team_id=team,
        user_id="U0INSTALLER",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes=["chat:write"],
    )


def _stored(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(
            session.execute(
                text(
                    "SELECT bot_token FROM slack_bots UNION ALL "
                    "SELECT bot_token FROM slack_installations"
                )
            ).scalars()
        )


def test_rotate_moves_every_token_to_the_first_key(
    db: sessionmaker[Session], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    installation_store(CLIENT_ID, db, secret_key=OLD).save(_install("T1", "xoxb-one"))
    # A row written before tokens were encrypted (plain slack_sdk store).
    SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.kw["bind"]).save(
        _install("T2", "xoxb-two")
    )
    assert "xoxb-two" in _stored(db) and "xoxb-one" not in _stored(db)

    monkeypatch.setenv("CRM_SECRET_KEY", f"{NEW},{OLD}")
    get_settings.cache_clear()
    code, out, err = crm(capsys, "secrets", "rotate")
    assert (code, err) == (0, "")
    assert out == "Re-encrypted 4 stored token row(s) with the first key.\n"

    stored = _stored(db)
    assert len(stored) == 4 and not any(value.startswith("xoxb-") for value in stored)
    only_new = installation_store(CLIENT_ID, db, secret_key=NEW)
    for team, token in (("T1", "xoxb-one"), ("T2", "xoxb-two")):
        bot = only_new.find_bot(enterprise_id=None, team_id=team)
        assert bot is not None and bot.bot_token == token


def test_rotate_without_a_key_says_how_to_make_one(
    migrated: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    code, out, err = crm(capsys, "secrets", "rotate")
    assert code == 1 and out == ""
    assert err.startswith("crm: No key to encrypt stored tokens: set CRM_SECRET_KEY")
    assert "Fernet.generate_key()" in err and err.count("\n") == 1
