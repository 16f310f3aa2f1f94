"""The one wiring place: what `crm serve`, `crm worker`, the console and the tests are built from.

`build_dependencies` makes the application's pieces once (settings, database sessions, the
clock, the adapters from `integrations.registry`, the Slack clients with the one retry
policy of `integrations.slack`); `create_bot` and `create_web` build the Bolt app and the
HTTP app from them. Only `cli`, `console` and `tests` import this package; it may import
everything, and nothing under `core`, `bot`, `jobs` or `integrations` imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.context import utc_now
from bot.oauth import installation_store
from bot.web import create_web_app
from core.activity.summaries import ExtractiveSummarizer, use_summarizer
from core.platform.config import Settings
from core.platform.db import make_engine, make_sessions
from core.ports import Summarizer
from integrations.registry import Integrations, build_integrations
from integrations.slack import SlackClients


@dataclass(frozen=True)
class Dependencies:
    """Everything a process needs besides its own loop; `close()` releases what it opened."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    integrations: Integrations
    slack: SlackClients  # the worker's client per workspace, and the bot's client
    engine: Engine | None = None  # set when build_dependencies opened it

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def build_dependencies(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Callable[[], datetime] | None = None,
    integrations: Integrations | None = None,
    slack: SlackClients | None = None,
    summarizer: Summarizer | None = None,
) -> Dependencies:
    """The pieces for `settings`; tests pass their own sessions, clock, adapters or clients.

    `summarizer` writes the summaries of long interaction bodies (extractive unless given).
    """
    engine = None
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_sessions(engine)
    use_summarizer(sessions, summarizer or ExtractiveSummarizer())
    if slack is None:
        store = None
        if settings.slack_client_id:  # OAuth: each workspace's token is in the install store
            key = settings.crm_secret_key
            store = installation_store(
                settings.slack_client_id,
                sessions,
                secret_key=key.get_secret_value() if key is not None else None,
            )
        slack = SlackClients(settings, installation_store=store)
    return Dependencies(
        settings=settings,
        sessions=sessions,
        clock=clock or utc_now,
        integrations=integrations or build_integrations(settings, sessions),
        slack=slack,
        engine=engine,
    )


def create_bot(
    deps: Dependencies,
    *,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app on these dependencies (its Web API client from `deps.slack` unless given)."""
    if client is None:
        settings = deps.settings
        token = None if settings.slack_client_id else settings.slack_bot_token
        client = deps.slack.client(token.get_secret_value() if token is not None else None)
    return create_app(
        deps.settings,
        deps.sessions,
        client=client,
        clock=deps.clock,
        listener_executor=listener_executor,
        integrations=deps.integrations,
    )


def create_web(deps: Dependencies, bolt: App, *, slack_events: bool = True) -> Flask:
    """The HTTP app (`bot.web`) serving this Bolt app."""
    return create_web_app(
        bolt,
        settings=deps.settings,
        sessions=deps.sessions,
        slack_events=slack_events,
        clock=deps.clock,
    )
