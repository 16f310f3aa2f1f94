"""Installing the bot into many workspaces (SLACK_CLIENT_ID set) with Slack's OAuth flow.

Installations and OAuth states live in the CRM's own database, in the tables migration 0002
makes (never `create_tables()`), through slack_sdk's SQLAlchemy stores. The person who
installs becomes the workspace's first owner.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.context import BotContext
from core.models import Workspace
from core.platform.audit import record_audit, snapshot
from core.platform.token_cipher import TokenCipher, cipher_from_keys
from core.workspaces.service import ensure_workspace

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_SECONDS = 600

# The bot scopes of manifest.yml (tests/bot/test_oauth.py keeps the two in step).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
)

logger = logging.getLogger(__name__)


class _SavepointBind:
    """Give slack_sdk's stores (which call `engine.begin()` / `engine.connect()`) a Connection.

    Tests bind the CRM to one connection inside a transaction that is rolled back at the end;
    the stores then work in SAVEPOINTs on that connection, so what they write is seen by the
    CRM's sessions and undone with the rest.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._connection.begin_nested():
            yield self._connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self._connection


def database_bind(sessions: sessionmaker[Session]) -> Any:
    """The engine the CRM's sessions use, for the stores to share the CRM's database."""
    bind = sessions.kw.get("bind")
    if isinstance(bind, Engine):
        return bind
    if isinstance(bind, Connection):
        return _SavepointBind(bind)
    raise TypeError("The CRM's sessionmaker must be bound to an Engine or a Connection")


# The token fields of slack_sdk's Installation and Bot that are stored encrypted.
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store with every token encrypted at rest (CRM_SECRET_KEY).

    Tokens are sealed on the way in (`save`, `save_bot`) and opened on the way out (the two
    entity builders every `find_*` goes through), so Bolt sees plain tokens and the tables
    never hold one.
    """

    def __init__(self, *, client_id: str, engine: Any, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def _sealed(self, record: Any) -> Any:
        copy = copy_record(record)
        for name in TOKEN_FIELDS:
            value = getattr(copy, name, None)
            if value:
                setattr(copy, name, self.cipher.seal(value))
        return copy

    def _opened(self, record: Any) -> Any:
        for name in TOKEN_FIELDS:
            value = getattr(record, name, None)
            if value:
                setattr(record, name, self.cipher.open(value))
        return record

    def save(self, installation: Installation) -> None:
        super().save(self._sealed(installation))  # its save_bot(...) gets sealed tokens

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(self._sealed(bot))

    def build_installation_entity(self, row: Any) -> Installation:  # type: ignore[override]
        opened: Installation = self._opened(super().build_installation_entity(row))
        return opened

    def build_bot_entity(self, row: Any) -> Bot:  # type: ignore[override]
        opened: Bot = self._opened(super().build_bot_entity(row))
        return opened


def copy_record(record: Any) -> Any:
    """A shallow copy of an Installation or Bot, so sealing never changes the caller's object."""
    return copy.copy(record)


def installation_store(
    client_id: str, sessions: sessionmaker[Session], *, secret_key: str | None
) -> EncryptedInstallationStore:
    """Where each workspace's bot token is kept, encrypted (slack_installations, slack_bots)."""
    return EncryptedInstallationStore(
        client_id=client_id, engine=database_bind(sessions), cipher=cipher_from_keys(secret_key)
    )


def seat_installer(session: Session, ctx: BotContext, *, team_id: str, installer: str) -> Workspace:
    """Make the installer the workspace's first owner; a workspace with owners keeps them."""
    existing = session.get(Workspace, team_id)
    if existing is not None and existing.owner_ids:
        return existing
    before = snapshot(existing) if existing is not None else None
    workspace = ensure_workspace(session, team_id, ctx.workspace_defaults(owner_ids=[installer]))
    if not workspace.owner_ids:
        workspace.owner_ids = [installer]
    record_audit(
        session,
        workspace_id=team_id,
        actor=installer,
        action="install_app",
        entity=workspace,
        before=before,
    )
    return workspace


def _success(ctx: BotContext) -> Any:
    def on_success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        try:
            with ctx.sessions.begin() as session:
                seat_installer(
                    session, ctx, team_id=str(installation.team_id), installer=installation.user_id
                )
        except SQLAlchemyError as error:
            logger.exception("Installed in %s; could not record its owner", installation.team_id)
            return args.default.failure(
                FailureArgs(
                    request=args.request,
                    reason="storage_error",
                    error=error,
                    suggested_status_code=500,
                    settings=args.settings,
                    default=args.default,
                )
            )
        logger.info("Installed into %s by %s", installation.team_id, installation.user_id)
        return args.default.success(args)

    return on_success


def _failure(args: FailureArgs) -> BoltResponse:
    logger.warning("Slack install failed: %s", args.reason)
    return args.default.failure(args)


def _secret_key(settings: Any) -> str | None:
    key = settings.crm_secret_key
    return key.get_secret_value() if key is not None else None


def oauth_settings(ctx: BotContext) -> OAuthSettings:
    """Bolt's OAuth settings: our paths and scopes, the CRM database, the installer as owner."""
    settings = ctx.settings
    if not settings.slack_client_id or settings.slack_client_secret is None:
        raise ValueError("OAuth needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    client_id = settings.slack_client_id
    return OAuthSettings(
        client_id=client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installation_store(
            client_id, ctx.sessions, secret_key=_secret_key(settings)
        ),
        state_store=SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=database_bind(ctx.sessions)
        ),
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        callback_options=CallbackOptions(success=_success(ctx), failure=_failure),
    )
