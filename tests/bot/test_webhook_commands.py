"""`/crm webhook…` through signed requests: owners register, stop and route hand-offs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.models import OutboxItem, WebhookSubscription
from core.platform.outbox import OutboxKind, enqueue
from core.workspaces.service import get_workspace
from tests.bot.harness import SlackHarness, messages_to, shown, texts
from tests.conftest import OWNER, STAFF, TEAM


def said(slack: SlackHarness) -> str:
    [reply] = messages_to(slack.api, kind="response_url")
    slack.api.clear()
    return f"{reply.get('text')}\n{shown(reply)}"


def test_owners_add_stop_and_route_webhooks_and_see_failing_deliveries(
    slack: SlackHarness,
) -> None:
    slack.command("crm", "webhook add https://hooks.example/crm", user=STAFF)
    assert texts(slack.api, kind="response_url") == ["Only an owner can manage webhooks."]
    slack.api.clear()

    slack.command("crm", "webhook add https://hooks.example/crm opportunity.won", user=OWNER)
    added = said(slack)
    with slack.sessions() as session:
        hook = session.scalars(select(WebhookSubscription)).one()
    assert f"Webhook {hook.subscription_id} added." in added
    assert hook.secret in added  # shown to the owner, once
    assert hook.events == ["opportunity.won"]

    slack.command("crm", "webhook add http://example.com/x", user=OWNER)
    assert "is not a webhook URL: use https://" in said(slack)

    slack.command("crm", "webhook channel #scheduling", user=OWNER)
    assert "Hand-offs are posted to #scheduling." in said(slack)
    with slack.sessions() as session:
        assert get_workspace(session, TEAM).handoff_channel == "#scheduling"

    with slack.sessions.begin() as session:  # a delivery that keeps failing
        enqueue(
            session,
            workspace=get_workspace(session, TEAM),
            kind=OutboxKind.webhook,
            payload={"subscription_id": hook.subscription_id, "event": {"type": "opportunity.won"}},
            now=datetime(2026, 3, 2, tzinfo=UTC),
        )
        item = session.scalars(select(OutboxItem)).one()
        item.attempts, item.last_error = 4, "the receiver answered HTTP 500"
    slack.command("crm", "webhooks", user=OWNER)
    listing = said(slack)
    assert f"⚠️ `{hook.subscription_id}` opportunity.won — 4 tries so far" in listing
    assert "HTTP 500" in listing
    assert hook.secret not in listing  # never again after it was shown

    slack.command("crm", f"webhook off {hook.subscription_id}", user=OWNER)
    assert f"Webhook {hook.subscription_id} turned off." in said(slack)
    with slack.sessions() as session:
        assert session.scalars(select(WebhookSubscription.active)).one() is False


def test_owners_see_failing_deliveries_on_the_app_home_and_staff_do_not(
    slack: SlackHarness,
) -> None:
    slack.command("crm", "webhook add https://hooks.example/crm", user=OWNER)
    with slack.sessions.begin() as session:
        hook_id = session.scalars(select(WebhookSubscription.subscription_id)).one()
        enqueue(
            session,
            workspace=get_workspace(session, TEAM),
            kind=OutboxKind.webhook,
            payload={"subscription_id": hook_id, "event": {"type": "lead.converted"}},
            now=datetime(2026, 3, 2, tzinfo=UTC),
        )
        item = session.scalars(select(OutboxItem)).one()
        item.attempts = 5
    slack.home_opened(user=OWNER)
    slack.home_opened(user=STAFF)
    owner_home, staff_home = (slack.api.published[OWNER], slack.api.published[STAFF])
    assert f"`{hook_id}` lead.converted — 5 tries so far" in shown(owner_home)
    assert "Webhook deliveries failing" not in shown(staff_home)
