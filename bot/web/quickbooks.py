"""`GET /oauth/quickbooks/callback`: Intuit sends the owner back here after they said yes.

The state names the workspace and the owner (stored hashed, single use, ten minutes:
`core.platform.oauth_states`); the code is exchanged for tokens and the connection stored
(integrations/quickbooks/connect.py). The owner's browser gets a small page saying what
happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.quickbooks import callback_page
from core.errors import CRMError
from core.platform.config import Settings
from integrations.quickbooks.connect import CALLBACK_PATH, finish_connection

logger = logging.getLogger(__name__)


def _page(status: int, title: str, detail: str) -> Response:
    return Response(callback_page(title, detail), status=status, mimetype="text/html")


def blueprint(
    settings: Settings, sessions: sessionmaker[Session], *, clock: Callable[[], datetime]
) -> Blueprint:
    routes = Blueprint("quickbooks", __name__)

    @routes.get(CALLBACK_PATH)
    def callback() -> Response:
        params = request.args
        if params.get("error"):
            return _page(
                400,
                "QuickBooks was not connected",
                "Intuit said the connection was not allowed.",
            )
        try:
            connection = finish_connection(
                settings=settings,
                sessions=sessions,
                state=params.get("state", ""),
                code=params.get("code", ""),
                realm_id=params.get("realmId", ""),
                now=clock,
            )
        except CRMError as error:
            logger.info("QuickBooks connection refused: %s", type(error).__name__)
            return _page(400, "QuickBooks was not connected", error.message)
        logger.info("QuickBooks connected for workspace %s", connection.workspace_id)
        return _page(
            200,
            "QuickBooks is connected",
            f"Company {connection.realm_id} ({connection.environment}). You can close this "
            "tab and go back to Slack.",
        )

    return routes
