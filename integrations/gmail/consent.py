"""Connecting Gmail in the browser: Google's authorization-code flow with PKCE.

`/crm connect gmail` gives an owner a consent link whose `state` is stored single-use for
ten minutes (`core.platform.oauth_states`), with the PKCE verifier the exchange needs;
`crm serve` answers Google's redirect at `CALLBACK_PATH` under CRM_PUBLIC_URL, where
`finish_consent` spends the state, exchanges the code at the token endpoint
(CRM_GOOGLE_TOKEN_URL, Google's by default) and asks Gmail (users.getProfile) which mailbox it
is. Without CRM_PUBLIC_URL (Socket Mode) there is no link: `crm gmail connect` runs the
installed-app flow on the owner's machine instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import httplib2
import requests
from google.auth.exceptions import GoogleAuthError
from google_auth_oauthlib.flow import Flow
from googleapiclient.errors import HttpError
from oauthlib.oauth2 import OAuth2Error  # type: ignore[import-untyped]
from sqlalchemy.orm import Session, sessionmaker

from core.errors import CRMError, InvalidInput
from core.mailbox.connection import MailboxSecrets
from core.models import Workspace
from core.platform.config import Settings
from core.platform.oauth_states import STATE_LIFETIME, issue_oauth_state, redeem_oauth_state
from core.ports import MailboxRefused
from core.workspaces.service import require_owner
from integrations.gmail.connect import GmailAdapters
from integrations.gmail.service import GMAIL_SCOPES, GOOGLE_TOKEN_URL, HTTP_TIMEOUT_SECONDS

__all__ = [
    "CALLBACK_PATH",
    "GOOGLE_AUTH_URL",
    "LINK_MINUTES",
    "GoogleGrant",
    "consent_link",
    "finish_consent",
]

CALLBACK_PATH = "/oauth/google/callback"
GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/auth"
PROVIDER = "google"
LINK_MINUTES = int(STATE_LIFETIME.total_seconds()) // 60
EXPIRED = (
    "This Gmail link has expired, was used already or was not made for you; ask for a new one "
    "with `/crm connect gmail`."
)


@dataclass(frozen=True)
class GoogleGrant:
    """What Google's answer proved: whose consent it was, the mailbox, and its credentials."""

    workspace_id: str
    owner: str
    email_address: str
    secrets: MailboxSecrets


def redirect_uri(settings: Settings) -> str | None:
    """`<CRM_PUBLIC_URL>/oauth/google/callback`, or None on a deployment with no public URL."""
    if not settings.crm_public_url:
        return None
    return settings.crm_public_url.rstrip("/") + CALLBACK_PATH


def _client(settings: Settings) -> tuple[str, str]:
    if not settings.google_client_id or settings.google_client_secret is None:
        raise CRMError(
            "This deployment has no Google OAuth client yet: set GOOGLE_CLIENT_ID and "
            "GOOGLE_CLIENT_SECRET (README, Connect Gmail)."
        )
    return settings.google_client_id, settings.google_client_secret.get_secret_value()


def _flow(settings: Settings, redirect: str, *, code_verifier: str | None) -> Flow:
    client_id, client_secret = _client(settings)
    config = {
        "web": {
            "client_id": client_id,
            "client_secret": client_secret,
            "auth_uri": GOOGLE_AUTH_URL,
            "token_uri": settings.crm_google_token_url or GOOGLE_TOKEN_URL,
            "redirect_uris": [redirect],
        }
    }
    return Flow.from_client_config(
        config,
        scopes=list(GMAIL_SCOPES),
        redirect_uri=redirect,
        code_verifier=code_verifier,
        autogenerate_code_verifier=False,
    )


def consent_link(
    settings: Settings, session: Session, *, workspace: Workspace, owner: str, now: datetime
) -> str | None:
    """An owner's own Google consent link; None where there is no public URL to come back to."""
    require_owner(workspace, owner, "connect Gmail")
    redirect = redirect_uri(settings)
    if redirect is None:
        return None
    if settings.crm_secret_key is None:
        raise CRMError(
            "Connecting Gmail needs CRM_SECRET_KEY, the key its tokens are stored sealed with "
            "(README, Connect Gmail)."
        )
    verifier = secrets.token_urlsafe(64)  # 86 characters of PKCE's alphabet
    flow = _flow(settings, redirect, code_verifier=verifier)
    state = issue_oauth_state(
        session,
        workspace=workspace,
        owner=owner,
        provider=PROVIDER,
        now=now,
        code_verifier=verifier,
    )
    # offline + consent: Google returns a refresh token every time, reconnects included.
    url, _ = flow.authorization_url(access_type="offline", prompt="consent", state=state)
    return str(url)


def finish_consent(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    gmail: GmailAdapters,
    state: str,
    code: str,
    now: datetime,
) -> GoogleGrant:
    """Google sent the owner back: spend the state, exchange the code, ask which mailbox.

    The state is spent (committed) before any call to Google: a second use of the link is
    refused even when this one fails. Nothing else is stored here; the caller connects.
    """
    if not code:
        raise InvalidInput("Google did not send back an authorization; try connecting again.")
    with sessions.begin() as session:
        consent = redeem_oauth_state(
            session, state=state, provider=PROVIDER, now=now, expired_text=EXPIRED
        )
    redirect = redirect_uri(settings)
    if redirect is None:
        raise CRMError("CRM_PUBLIC_URL is not set on this deployment any more.")
    flow = _flow(settings, redirect, code_verifier=consent.code_verifier)
    try:
        flow.fetch_token(code=code, timeout=HTTP_TIMEOUT_SECONDS)
    except Warning:  # oauthlib: the scopes granted are not the ones asked for
        raise CRMError(
            "Google granted less than Gmail needs (sending and reading mail); connect again "
            "and allow both."
        ) from None
    except (OAuth2Error, requests.RequestException, ValueError) as error:
        raise CRMError(
            f"Google did not accept the sign-in ({type(error).__name__}); connect again "
            "with a new link."
        ) from None
    client_id, client_secret = _client(settings)
    refresh_token = flow.credentials.refresh_token
    if not refresh_token:
        raise CRMError("Google sent no refresh token; connect again with a new link.")
    given = MailboxSecrets(
        refresh_token=str(refresh_token), client_id=client_id, client_secret=client_secret
    )
    try:
        address = gmail.mailbox(given, address="").profile_address()
    except MailboxRefused as refused:
        raise CRMError(f"Gmail did not accept the new credentials: {refused}") from None
    except (HttpError, GoogleAuthError, httplib2.HttpLib2Error, OSError) as error:
        raise CRMError(
            f"Gmail did not answer ({type(error).__name__}); connect again in a few minutes."
        ) from None
    return GoogleGrant(
        workspace_id=consent.workspace_id,
        owner=consent.owner,
        email_address=address,
        secrets=given,
    )
