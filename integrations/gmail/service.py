"""The Gmail API client: built from the discovery document google-api-python-client ships.

No network call is made to fetch the document, and `CRM_GOOGLE_API_URL` /
`CRM_GOOGLE_TOKEN_URL` point every client at another server (a local stand-in in tests).
Scopes are the least that does the job: `gmail.send` to send approved drafts and
`gmail.readonly` to read new mail; processed mail is remembered in the database, so the bot
never needs to label or change anything in the mailbox.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document

__all__ = ["GMAIL_SCOPES", "GOOGLE_TOKEN_URL", "gmail_credentials", "gmail_service"]

GMAIL_SCOPES = (
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.readonly",
)
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
HTTP_TIMEOUT_SECONDS = 20


@cache
def _discovery_document() -> dict[str, Any]:
    document = resources.files("googleapiclient").joinpath(
        "discovery_cache/documents/gmail.v1.json"
    )
    loaded: dict[str, Any] = json.loads(document.read_text(encoding="utf-8"))
    return loaded


def gmail_credentials(
    *, refresh_token: str, client_id: str, client_secret: str, token_url: str | None
) -> Credentials:
    """Credentials that fetch (and refresh) an access token from the refresh token."""
    return Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        token_uri=token_url or GOOGLE_TOKEN_URL,
        scopes=list(GMAIL_SCOPES),
    )


def gmail_service(credentials: Credentials, *, api_url: str | None) -> Any:
    """A Gmail API `Resource` for these credentials, at `api_url` (Google's by default)."""
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=HTTP_TIMEOUT_SECONDS)
    )
    options = {"api_endpoint": api_url.rstrip("/") + "/"} if api_url else None
    return build_from_document(_discovery_document(), http=http, client_options=options)
