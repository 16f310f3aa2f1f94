"""The HTTP face of `crm serve`: a Flask app whose routes live one group per module.

`create_web_app` is the one place route groups are registered: Slack's events and install
paths (`bot.web.slack`), the health checks (`bot.web.health`), the web form
(`bot.web.forms`) and the OAuth callbacks of QuickBooks and Google (`bot.web.quickbooks`,
`bot.web.google`). A new group is a module with a `blueprint(...)` function added to
`create_web_app`; docs/architecture.md, "Web routes", lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask
from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from bot.web import forms, google, health, quickbooks, slack
from bot.web.request_log import log_requests
from bot.web.verification import MAX_BODY_BYTES
from core.models import utcnow
from core.platform.config import Settings


def create_web_app(
    bolt: App,
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    slack_events: bool = True,
    clock: Callable[[], datetime] = utcnow,
) -> Flask:
    """The WSGI app: health checks and the web form always; Slack's paths unless Socket Mode."""
    web = Flask("crm")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    log_requests(web)
    web.register_blueprint(health.blueprint(sessions))
    web.register_blueprint(forms.blueprint(sessions, clock=clock))
    web.register_blueprint(quickbooks.blueprint(settings, sessions, clock=clock))
    web.register_blueprint(google.blueprint(settings, sessions, clock=clock))
    if slack_events:
        signing_secret = settings.slack_signing_secret
        if signing_secret is None:
            raise ValueError("Serving Slack over HTTP needs SLACK_SIGNING_SECRET")
        web.register_blueprint(
            slack.blueprint(
                bolt,
                sessions=sessions,
                signing_secret=signing_secret.get_secret_value(),
            )
        )
    return web
