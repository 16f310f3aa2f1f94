"""`GET /oauth/google/callback`: Google sends the owner back here after the consent screen.

The state is spent once (integrations/gmail/consent.py), the code exchanged and the mailbox
asked its address; then the sealed tokens are stored and the owner told in Slack, both in
one transaction (the DM is an outbox item). Anything wrong (Google's `error=access_denied`, no
code, an expired, reused or unknown state, a refusal at the token endpoint) answers a small
page saying so, with a 4xx status, and stores nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.gmail import connected_text
from bot.blocks.quickbooks import callback_page
from bot.notify import queue_owner_message
from core.errors import CRMError
from core.mailbox.connection import connect_mailbox
from core.platform.config import Settings
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import get_workspace

logger = logging.getLogger(__name__)

NOT_CONNECTED = "Gmail was not connected"


def _page(status: int, title: str, detail: str) -> Response:
    return Response(callback_page(title, detail), status=status, mimetype="text/html")


def blueprint(
    settings: Settings, sessions: sessionmaker[Session], *, clock: Callable[[], datetime]
) -> Blueprint:
    routes = Blueprint("google", __name__)

    @routes.get("/oauth/google/callback")
    def callback() -> Response:
        params = request.args
        if params.get("error"):
            return _page(
                400, NOT_CONNECTED, "Google said access was not allowed; nothing was stored."
            )
        # Google's client library loads here, on the first connection, not with the app.
        from integrations.gmail.connect import GmailAdapters
        from integrations.gmail.consent import finish_consent

        try:
            key = settings.crm_secret_key
            cipher = cipher_from_keys(key.get_secret_value() if key is not None else None)
            gmail = GmailAdapters(settings, sessions=sessions, cipher=cipher)
            grant = finish_consent(
                settings,
                sessions,
                gmail=gmail,
                state=params.get("state", ""),
                code=params.get("code", ""),
                now=clock(),
            )
            with sessions.begin() as session:
                workspace = get_workspace(session, grant.workspace_id)
                connection = connect_mailbox(
                    session=session,
                    workspace=workspace,
                    actor=grant.owner,
                    email_address=grant.email_address,
                    display_name=None,
                    secrets=grant.secrets,
                    cipher=cipher,
                    now=clock(),
                )
                address = connection.email_address
                queue_owner_message(
                    session,
                    workspace=workspace,
                    user=grant.owner,
                    message=connected_text(address),
                    now=clock(),
                )
        except CRMError as error:
            logger.info("Gmail connection refused: %s", type(error).__name__)
            return _page(400, NOT_CONNECTED, error.message)
        logger.info("Gmail connected for workspace %s", grant.workspace_id)
        return _page(
            200,
            "Gmail is connected",
            f"{address}. You can close this tab and go back to Slack.",
        )

    return routes
