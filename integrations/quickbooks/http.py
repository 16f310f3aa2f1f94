"""Intuit over HTTP: the OAuth 2.0 token endpoint and the two Accounting API calls we make.

Every answer is turned into a `TokenGrant`, a customer dict, or a typed
`core.errors.QuickBooksProblem`; an expired access token is `Unauthorized`, which the adapter
answers by refreshing once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from core.errors import (
    QuickBooksDisconnected,
    QuickBooksNameTaken,
    QuickBooksRejected,
    QuickBooksThrottled,
    QuickBooksUnavailable,
)
from core.platform.config import Settings
from core.quickbooks.connection import TokenGrant

logger = logging.getLogger(__name__)

API_URLS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
SCOPE = "com.intuit.quickbooks.accounting"
MINOR_VERSION = "75"
TIMEOUT = 20  # seconds
DUPLICATE_NAME = "6240"


class Unauthorized(Exception):
    """401 from the Accounting API: the access token expired or was revoked."""


@dataclass(frozen=True)
class IntuitApp:
    """The deployment's Intuit app and where its endpoints are (the settings of section 6)."""

    client_id: str
    client_secret: str
    environment: str
    api_url: str
    token_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> IntuitApp:
        secret = settings.quickbooks_client_secret
        if not settings.quickbooks_client_id or secret is None:
            raise QuickBooksDisconnected(
                "QuickBooks is not set up on this deployment: set QUICKBOOKS_CLIENT_ID and "
                "QUICKBOOKS_CLIENT_SECRET (README, Connect QuickBooks)."
            )
        environment = settings.quickbooks_environment
        return cls(
            client_id=settings.quickbooks_client_id,
            client_secret=secret.get_secret_value(),
            environment=environment,
            api_url=(settings.crm_quickbooks_api_url or API_URLS[environment]).rstrip("/"),
            token_url=settings.crm_intuit_token_url or TOKEN_URL,
        )

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        """Where the owner's browser goes to let the CRM into their QuickBooks company."""
        query = urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "scope": SCOPE,
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{AUTHORIZE_URL}?{query}"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class TokenEndpoint:
    """Intuit's OAuth 2.0 token endpoint: exchange a code, refresh a token."""

    def __init__(self, app: IntuitApp, http: requests.Session) -> None:
        self.app = app
        self.http = http

    def exchange_code(self, *, code: str, redirect_uri: str) -> TokenGrant:
        return self._grant(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    def refresh(self, refresh_token: str) -> TokenGrant:
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _grant(self, form: dict[str, str]) -> TokenGrant:
        try:
            response = self.http.post(
                self.app.token_url,
                data=form,
                auth=(self.app.client_id, self.app.client_secret),
                headers={"Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise QuickBooksUnavailable(
                f"Intuit could not be reached ({type(error).__name__}); try again in a moment."
            ) from None
        body = _json(response)
        if response.status_code in (400, 401) and body.get("error") in (
            "invalid_grant",
            "invalid_client",
            "unauthorized_client",
        ):
            raise QuickBooksDisconnected(
                "Intuit no longer accepts this QuickBooks connection (it expired or was "
                "revoked); an owner needs to reconnect QuickBooks."
            )
        if response.status_code != 200 or not body.get("access_token"):
            raise QuickBooksUnavailable(
                f"Intuit's sign-in service answered {response.status_code}; try again in a moment."
            )
        refresh_in = body.get("x_refresh_token_expires_in")
        return TokenGrant(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            expires_in=int(body.get("expires_in") or 3600),
            refresh_expires_in=int(refresh_in) if refresh_in is not None else None,
        )


def _fault(body: dict[str, Any]) -> tuple[str, str, str]:
    """(code, message, detail) of the first error in an Intuit Fault (either letter case)."""
    fault = body.get("Fault") or body.get("fault") or {}
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    return (
        str(first.get("code") or ""),
        str(first.get("Message") or first.get("message") or ""),
        str(first.get("Detail") or first.get("detail") or ""),
    )


def quote(value: str) -> str:
    """A string literal of Intuit's query language (backslash before quotes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class AccountingAPI:
    """The Accounting API of one company (realm)."""

    def __init__(self, app: IntuitApp, realm_id: str, http: requests.Session) -> None:
        self.base = f"{app.api_url}/v3/company/{realm_id}"
        self.http = http

    def query(self, access_token: str, statement: str) -> dict[str, Any]:
        response = self._send(
            "GET",
            "/query",
            access_token,
            params={"query": statement, "minorversion": MINOR_VERSION},
        )
        answer = response.get("QueryResponse")
        return answer if isinstance(answer, dict) else {}

    def create_customer(
        self, access_token: str, customer: dict[str, Any], request_id: str, *, name: str
    ) -> dict[str, Any]:
        response = self._send(
            "POST",
            "/customer",
            access_token,
            params={"requestid": request_id, "minorversion": MINOR_VERSION},
            json=customer,
            name=name,
        )
        created = response.get("Customer")
        if not isinstance(created, dict):
            raise QuickBooksUnavailable("QuickBooks answered without the customer; try again.")
        return created

    def _send(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        params: dict[str, str],
        json: dict[str, Any] | None = None,
        name: str = "",
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        try:
            response = self.http.request(
                method,
                self.base + path,
                params=params,
                json=json,
                headers=headers,
                timeout=TIMEOUT,
            )
        except requests.RequestException as error:
            raise QuickBooksUnavailable(
                f"QuickBooks could not be reached ({type(error).__name__}); try again in a moment."
            ) from None
        status, body = response.status_code, _json(response)
        if status == 200:
            return body
        code, message, detail = _fault(body)
        logger.info("QuickBooks answered %s (fault %s) to %s %s", status, code or "-", method, path)
        if status == 401:
            raise Unauthorized()
        if status == 429:
            wait = response.headers.get("Retry-After", "")
            seconds = int(wait) if wait.isdigit() else None
            later = f"in {seconds} seconds" if seconds is not None else "in a minute"
            raise QuickBooksThrottled(
                f"QuickBooks is busy (too many requests); try again {later}.",
                retry_after=seconds,
            )
        if code == DUPLICATE_NAME:
            raise QuickBooksNameTaken(
                f"QuickBooks already has another customer named {name}.", display_name=name
            )
        if status == 400:
            said = "; ".join(part for part in (message, detail) if part)[:300] or "invalid data"
            raise QuickBooksRejected(f"QuickBooks refused the customer: {said}")
        if status == 403:
            raise QuickBooksDisconnected(
                "QuickBooks refused access to this company; an owner needs to reconnect it."
            )
        raise QuickBooksUnavailable(f"QuickBooks answered {status}; try again in a moment.")
