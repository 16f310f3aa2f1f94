"""`QuickBooksOnline`: core's `QuickBooksCustomers` for one workspace's connected company.

Before each call the access token is checked and, within five minutes of its expiry,
refreshed; a 401 refreshes once more and retries. A refresh locks the connection row, uses
the stored refresh token and stores the rotated one in that same transaction. When Intuit
refuses the refresh token the connection is marked revoked (once, by a conditional update)
and `on_revoked` tells the owners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import requests
from sqlalchemy.orm import Session, sessionmaker

from core.errors import QuickBooksDisconnected
from core.platform.token_cipher import TokenCipher
from core.ports import CustomerRecord, QuickBooksCustomer
from core.quickbooks.connection import REFRESH_MARGIN, lock_connection, mark_revoked, store_grant
from integrations.quickbooks.http import (
    AccountingAPI,
    IntuitApp,
    TokenEndpoint,
    Unauthorized,
    quote,
)

Answer = TypeVar("Answer")
OnRevoked = Callable[[str], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Access:
    realm_id: str
    token: str


def _customer(found: dict[str, Any]) -> QuickBooksCustomer:
    email = (found.get("PrimaryEmailAddr") or {}).get("Address")
    phone = (found.get("PrimaryPhone") or {}).get("FreeFormNumber")
    return QuickBooksCustomer(
        customer_id=str(found.get("Id") or ""),
        display_name=str(found.get("DisplayName") or ""),
        email=str(email) if email else None,
        phone=str(phone) if phone else None,
    )


def _query(statement: str, api: AccountingAPI, token: str) -> dict[str, Any]:
    return api.query(token, statement + " maxresults 1")


def customer_body(record: CustomerRecord) -> dict[str, Any]:
    """The Customer object QuickBooks creates (empty fields left out)."""
    body: dict[str, Any] = {"DisplayName": record.display_name}
    if record.given_name:
        body["GivenName"] = record.given_name[:100]
    if record.family_name:
        body["FamilyName"] = record.family_name[:100]
    if record.company_name:
        body["CompanyName"] = record.company_name[:100]
    if record.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": record.phone[:30]}
    if record.email:
        body["PrimaryEmailAddr"] = {"Address": record.email[:100]}
    if record.address:
        body["BillAddr"] = {"Line1": record.address[:500]}
        body["ShipAddr"] = {"Line1": record.address[:500]}
    return body


class QuickBooksOnline:
    """The workspace's QuickBooks company over Intuit's Accounting API."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        workspace_id: str,
        app: IntuitApp,
        cipher: TokenCipher,
        http: requests.Session | None = None,
        on_revoked: OnRevoked | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions = sessions
        self.workspace_id = workspace_id
        self.app = app
        self.cipher = cipher
        self.http = http or requests.Session()
        self.on_revoked = on_revoked
        self.clock = clock
        self.tokens = TokenEndpoint(app, self.http)

    # -- core.ports.QuickBooksCustomers --------------------------------------------------------
    def find_customer(self, *, email: str | None, display_name: str) -> QuickBooksCustomer | None:
        wheres = []
        if email:
            wheres.append(f"PrimaryEmailAddr = {quote(email)}")
        wheres.append(f"DisplayName = {quote(display_name)}")
        for where in wheres:
            answer = self._authorized(partial(_query, f"select * from Customer where {where}"))
            found = answer.get("Customer")
            if isinstance(found, list) and found and isinstance(found[0], dict):
                return _customer(found[0])
        return None

    def create_customer(self, customer: CustomerRecord, *, request_id: str) -> QuickBooksCustomer:
        body = customer_body(customer)
        created = self._authorized(
            lambda api, token: api.create_customer(
                token, body, request_id, name=customer.display_name
            )
        )
        return _customer(created)

    # -- tokens ---------------------------------------------------------------------------------
    def _authorized(self, call: Callable[[AccountingAPI, str], Answer]) -> Answer:
        access = self._access(force_refresh=False)
        api = AccountingAPI(self.app, access.realm_id, self.http)
        try:
            return call(api, access.token)
        except Unauthorized:
            access = self._access(force_refresh=True)
        try:
            return call(AccountingAPI(self.app, access.realm_id, self.http), access.token)
        except Unauthorized:
            raise self._revoked() from None

    def _access(self, *, force_refresh: bool) -> _Access:
        """A usable access token: the stored one, or a fresh one (rotation stored with it)."""
        refused = False
        with self.sessions.begin() as session:
            connection = lock_connection(session, self.workspace_id)
            now = self.clock()
            expires = connection.access_token_expires_at
            fresh = (
                connection.access_token is not None
                and expires is not None
                and expires - now > REFRESH_MARGIN
            )
            if fresh and not force_refresh:
                assert connection.access_token is not None
                return _Access(connection.realm_id, self.cipher.open(connection.access_token))
            if not connection.refresh_token:
                refused = True
            else:
                try:
                    grant = self.tokens.refresh(self.cipher.open(connection.refresh_token))
                except QuickBooksDisconnected:
                    refused = True
                else:
                    if not grant.refresh_token:  # Intuit always rotates; keep the old if not
                        grant = type(grant)(
                            grant.access_token,
                            self.cipher.open(connection.refresh_token),
                            grant.expires_in,
                            grant.refresh_expires_in,
                        )
                    store_grant(connection, grant, cipher=self.cipher, now=now)
                    return _Access(connection.realm_id, grant.access_token)
        assert refused
        raise self._revoked()

    def _revoked(self) -> QuickBooksDisconnected:
        """Mark the connection revoked; the process that does so tells the owners, once."""
        with self.sessions.begin() as session:
            first = mark_revoked(session=session, workspace_id=self.workspace_id, now=self.clock())
        if first and self.on_revoked is not None:
            self.on_revoked(self.workspace_id)
        return QuickBooksDisconnected(
            "The QuickBooks connection has expired or was revoked; an owner needs to "
            "reconnect QuickBooks. Nothing was changed."
        )
