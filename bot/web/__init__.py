"""The HTTP face of `crm serve`: a Flask app whose routes live one group per module.

`create_web_app` is the one place route groups are registered: Slack's events and install
paths (`bot.web.slack`) and the health checks (`bot.web.health`). A new group (the web form,
the Google and QuickBooks OAuth callbacks) is a module with a `blueprint(...)` function added
to `create_web_app`; docs/architecture.md, "Web routes", lists them.
"""

from __future__ import annotations

from flask import Flask
from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker

from bot.web import health, slack
from bot.web.verification import MAX_BODY_BYTES
from core.platform.config import Settings


def create_web_app(
    bolt: App,
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    slack_events: bool = True,
) -> Flask:
    """The WSGI app: health checks always; Slack's paths unless Slack talks over Socket Mode."""
    web = Flask("crm")
    web.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    web.register_blueprint(health.blueprint(sessions))
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
