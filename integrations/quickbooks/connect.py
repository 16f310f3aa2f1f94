"""Connecting a workspace to QuickBooks: Intuit's authorization-code flow, or a refresh token.

The `state` sent to Intuit is the one consent-link mechanism Gmail's link uses too
(`core.platform.oauth_states`): stored hashed with the workspace and the owner who asked,
good once and for ten minutes, so a link cannot be replayed, used late or used for another
workspace. The callback path is served by `crm serve` under CRM_PUBLIC_URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import requests
from sqlalchemy.orm import Session, sessionmaker

from core.errors import CRMError, InvalidInput
from core.models import QuickBooksConnection, Workspace
from core.platform.config import Settings
from core.platform.oauth_states import STATE_LIFETIME, issue_oauth_state, redeem_oauth_state
from core.platform.token_cipher import TokenCipher, cipher_from_keys
from core.quickbooks.connection import CLI_ACTOR, connect_quickbooks
from integrations.quickbooks.http import IntuitApp, TokenEndpoint

CALLBACK_PATH = "/oauth/quickbooks/callback"
PROVIDER = "quickbooks"
EXPIRED = (
    "This QuickBooks link has expired, was used already or was not made for you; ask for a "
    "new one with `/crm connect quickbooks`."
)


class NoPublicURL(CRMError):
    """Connecting through the browser needs CRM_PUBLIC_URL (Intuit's redirect URI)."""


@dataclass(frozen=True)
class ConnectLink:
    url: str
    expires_in_minutes: int


def cipher_for(settings: Settings) -> TokenCipher:
    key = settings.crm_secret_key
    return cipher_from_keys(key.get_secret_value() if key is not None else None)


def redirect_uri(settings: Settings) -> str:
    if not settings.crm_public_url:
        raise NoPublicURL(
            "Connecting QuickBooks in the browser needs CRM_PUBLIC_URL (this app's public "
            "address); on a Socket Mode install use `crm quickbooks connect --realm R "
            "--refresh-token T` instead."
        )
    return settings.crm_public_url.rstrip("/") + CALLBACK_PATH


def connect_link(
    settings: Settings, session: Session, *, workspace: Workspace, owner: str, now: datetime
) -> ConnectLink:
    """The Intuit authorization URL for this owner of this workspace (checked by the caller)."""
    app = IntuitApp.from_settings(settings)
    redirect = redirect_uri(settings)
    state = issue_oauth_state(session, workspace=workspace, owner=owner, provider=PROVIDER, now=now)
    url = app.authorize_url(redirect_uri=redirect, state=state)
    return ConnectLink(url=url, expires_in_minutes=int(STATE_LIFETIME.total_seconds()) // 60)


def finish_connection(
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    state: str,
    code: str,
    realm_id: str,
    now: Callable[[], datetime],
    http: requests.Session | None = None,
) -> QuickBooksConnection:
    """Intuit sent the owner back: spend the state, exchange the code, store the connection.

    The state is spent (committed) before Intuit is called, so a second use of the link is
    refused even when this one fails.
    """
    if not code or not realm_id:
        raise InvalidInput("Intuit did not send back an authorization; try connecting again.")
    with sessions.begin() as session:
        consent = redeem_oauth_state(
            session, state=state, provider=PROVIDER, now=now(), expired_text=EXPIRED
        )
    workspace_id, owner = consent.workspace_id, consent.owner
    app = IntuitApp.from_settings(settings)
    grant = TokenEndpoint(app, http or requests.Session()).exchange_code(
        code=code, redirect_uri=redirect_uri(settings)
    )
    with sessions.begin() as session:
        workspace = _workspace(session, workspace_id)
        return connect_quickbooks(
            session=session,
            workspace=workspace,
            actor=owner,
            realm_id=realm_id,
            environment=app.environment,
            grant=grant,
            cipher=cipher_for(settings),
            now=now(),
        )


def connect_with_refresh_token(
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    workspace_id: str,
    realm_id: str,
    refresh_token: str,
    now: Callable[[], datetime],
    http: requests.Session | None = None,
) -> QuickBooksConnection:
    """`crm quickbooks connect --realm R --refresh-token T`: no browser, no public URL.

    The refresh token is used at once (which also proves it), and the rotated one Intuit
    returns is what is stored.
    """
    app = IntuitApp.from_settings(settings)
    cipher = cipher_for(settings)
    grant = TokenEndpoint(app, http or requests.Session()).refresh(refresh_token.strip())
    with sessions.begin() as session:
        return connect_quickbooks(
            session=session,
            workspace=_workspace(session, workspace_id),
            actor=CLI_ACTOR,
            realm_id=realm_id,
            environment=app.environment,
            grant=grant,
            cipher=cipher,
            now=now(),
        )


def _workspace(session: Session, workspace_id: str) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise InvalidInput("That workspace is not known here.")
    return workspace
