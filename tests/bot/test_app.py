"""The app's foundation: credentials, Slack clients, retries, and turning errors into replies."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import SURFACES, SlackConfigError, SlackMode, slack_mode
from bot.context import BotContext
from bot.errors import SORRY, view_errors
from bot.ids import ActionId, BlockId, ViewId, block_for_field
from core.errors import IncompleteContact, InvalidPhone, NotAnOwner
from core.models import ProcessedEvent, Workspace
from core.platform.event_ledger import claim_event
from integrations.slack import SlackClients, TransientErrorRetryHandler, make_client
from tests.bot.harness import (
    BOT_TOKEN,
    CHANNEL,
    SECRET_KEY,
    SlackHarness,
    harness_settings,
    messages_to,
    text_input,
    texts,
)
from tests.conftest import OWNER, STAFF

API = "http://127.0.0.1:9/api/"
INSTALLS = {"slack_client_id": "1.2", "slack_client_secret": "s", "crm_secret_key": SECRET_KEY}


# -- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "mode"),
    [
        ({}, SlackMode.HTTP),
        ({"slack_app_token": "xapp-1", "slack_signing_secret": None}, SlackMode.SOCKET),
        ({"slack_app_token": "xapp-1"}, SlackMode.SOCKET),
        ({"slack_bot_token": None} | INSTALLS, "oauth"),
        (INSTALLS, SlackMode.OAUTH),
    ],
)
def test_slack_mode_follows_the_credentials(overrides: dict[str, Any], mode: str) -> None:
    assert slack_mode(harness_settings(API, **overrides)) == mode


NOTHING = {"slack_bot_token": None, "slack_signing_secret": None}
NO_KEY = {"slack_client_id": "1.2", "slack_client_secret": "s", "crm_secret_key": None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (NOTHING, "No Slack credentials: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP)"),
        (
            {"slack_signing_secret": None},
            "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not; HTTP mode needs both",
        ),
        ({"slack_bot_token": None}, "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not."),
        (
            NOTHING | {"slack_app_token": "xapp-1"},
            "Socket Mode needs SLACK_BOT_TOKEN too",
        ),
        ({"slack_bot_token": "xapp-1-oops"}, "SLACK_BOT_TOKEN must be the bot token (xoxb-...)."),
        ({"slack_app_token": "xoxb-oops"}, "SLACK_APP_TOKEN must be an app-level token"),
        ({"slack_client_id": "1.2"}, "Installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."),
        (
            {"slack_client_secret": "s"},
            "Installs need both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.",
        ),
        (
            {"slack_client_id": "1.2", "slack_client_secret": "s", "slack_signing_secret": None},
            "Installs need SLACK_SIGNING_SECRET too",
        ),
        (
            {"slack_client_id": "1.2", "slack_client_secret": "s", "slack_app_token": "xapp-1"},
            "do not go together",
        ),
        (
            NO_KEY,
            "Installs store bot tokens encrypted: set CRM_SECRET_KEY to a key made with: "
            'python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"',
        ),
        (NO_KEY | {"crm_secret_key": " , "}, "set CRM_SECRET_KEY to a key made with"),
        (
            NO_KEY | {"crm_secret_key": "not-a-key"},
            "CRM_SECRET_KEY holds something that is not a Fernet key: set CRM_SECRET_KEY to",
        ),
    ],
)
def test_slack_mode_refuses_incomplete_credentials_in_one_line(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(SlackConfigError) as refused:
        slack_mode(harness_settings(API, **overrides))
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_make_client_uses_slack_api_url_and_the_one_retry_policy() -> None:
    client = make_client("xoxb-1", base_url="http://127.0.0.1:9/api")
    assert client.base_url == "http://127.0.0.1:9/api/"
    assert client.token == "xoxb-1"
    kinds = {type(handler): handler for handler in client.retry_handlers}
    assert set(kinds) == {
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
        TransientErrorRetryHandler,
    }
    assert kinds[RateLimitErrorRetryHandler].max_retry_count == 3
    assert make_client(None).base_url == "https://slack.com/api/"


def test_the_bot_and_the_worker_share_the_retry_policy(slack: SlackHarness) -> None:
    worker = SlackClients(slack.settings).client_for(slack.team_id)
    kinds = [type(handler) for handler in slack.app.client.retry_handlers]
    assert kinds == [type(handler) for handler in worker.retry_handlers]
    assert worker.base_url == slack.app.client.base_url


def test_every_surface_registers() -> None:
    names = [surface.__name__ for surface in SURFACES]
    assert names == [
        f"bot.handlers.{n}" for n in ("commands", "actions", "options", "views", "events", "home")
    ]
    assert all(callable(surface.register) for surface in SURFACES)


# -- clients and context ----------------------------------------------------------------------


def test_listener_client_uses_the_local_api_and_the_bot_token(slack: SlackHarness) -> None:
    seen: list[str] = []

    @slack.app.command("/test-ping")
    def ping(ack: Ack, client: WebClient) -> None:
        ack()
        seen.append(client.base_url)
        client.chat_postMessage(channel=CHANNEL, text="pong")

    reply = slack.command("test-ping")
    assert reply.status == 200
    assert seen == [slack.api.url]
    [call] = slack.api.calls_to("chat.postMessage")
    assert call.token == BOT_TOKEN and call.params["text"] == "pong"
    assert slack.app.client.base_url == slack.api.url


def test_workspace_is_made_from_the_environment_the_first_time(
    sessions: sessionmaker[Session],
) -> None:
    settings = harness_settings(
        API, crm_owner_ids="U1, U2", crm_timezone="America/Chicago", crm_country="CA"
    )
    settings = settings.model_copy(update={"crm_pipeline_channel": "#sales"})
    ctx = BotContext(settings=settings, sessions=sessions)
    with sessions.begin() as session:
        made = ctx.workspace(session, "T0NEW")
        assert ctx.workspace(session, "T0NEW") is made
    with sessions() as session:
        workspace = session.get(Workspace, "T0NEW")
        assert workspace is not None
        assert workspace.owner_ids == ["U1", "U2"]
        assert workspace.timezone == "America/Chicago"
        assert workspace.pipeline_channel == "#sales"
        assert workspace.holiday_country == "CA" and workspace.default_phone_region == "CA"


# -- Events API retries -----------------------------------------------------------------------
#
# Test-only listeners use ids and event types no product handler uses (`/test-...`,
# `crm-test-...`, member_joined_channel): Bolt runs the first listener that matches, and the
# product's listeners are registered first, by create_app.

TEST_EVENT = "member_joined_channel"


def _joined(channel: str = CHANNEL, user: str = STAFF) -> dict[str, Any]:
    return {"type": TEST_EVENT, "user": user, "channel": channel, "event_ts": "1.000001"}


def _acting_on_joins(slack: SlackHarness) -> list[str]:
    """A test-only listener that claims the event, then posts: what an events handler does."""
    acted: list[str] = []

    @slack.app.event(TEST_EVENT)
    def on_join(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        with slack.sessions.begin() as session:
            if not claim_event(session, workspace_id=body["team_id"], event_id=body["event_id"]):
                return
        acted.append(body["event_id"])
        client.chat_postMessage(channel=event["channel"], text="Welcome.")

    return acted


def test_a_retry_of_a_handled_event_does_nothing_twice(slack: SlackHarness) -> None:
    acted = _acting_on_joins(slack)
    first = slack.event(_joined(), event_id="Ev001")
    again = slack.event(_joined(), event_id="Ev001")  # same id without the header: the ledger
    retry = slack.event(_joined(), event_id="Ev001", retry_num=1)  # Slack's retry: middleware
    assert [first.status, again.status, retry.status] == [200, 200, 200]
    assert acted == ["Ev001"]
    assert texts(slack.api, kind="message") == ["Welcome."]
    with slack.sessions() as session:
        claimed = session.scalars(select(ProcessedEvent.event_id)).all()
    assert claimed == ["Ev001"]


def test_a_retry_stops_before_any_listener_runs(slack: SlackHarness) -> None:
    ran: list[str] = []

    @slack.app.event(TEST_EVENT)
    def on_join(body: dict[str, Any]) -> None:
        ran.append(body["event_id"])

    with slack.sessions.begin() as session:
        claim_event(session, workspace_id=slack.team_id, event_id="Ev777")
    assert slack.event(_joined(), event_id="Ev777", retry_num=2).status == 200
    assert ran == []
    slack.event(_joined(), event_id="Ev778")
    assert ran == ["Ev778"]


def test_a_first_delivery_marked_as_retry_still_acts(slack: SlackHarness) -> None:
    acted = _acting_on_joins(slack)
    assert slack.event(_joined(), event_id="Ev002", retry_num=1).status == 200
    assert acted == ["Ev002"]


def test_an_event_no_listener_wants_is_still_acknowledged(slack: SlackHarness) -> None:
    assert slack.event({"type": "emoji_changed", "subtype": "add", "name": "x"}).status == 200
    assert slack.api.calls == []


# -- errors become replies --------------------------------------------------------------------


def test_crm_error_after_ack_is_an_ephemeral_reply(slack: SlackHarness) -> None:
    @slack.app.command("/test-approve")
    def approve(ack: Ack) -> None:
        ack()
        raise NotAnOwner("Only an owner can approve drafts.")

    reply = slack.command("test-approve", user=STAFF)
    assert reply.status == 200
    [shown] = messages_to(slack.api, kind="response_url")
    assert shown["text"] == "Only an owner can approve drafts."
    assert shown["response_type"] == "ephemeral" and shown["user"] == STAFF


def test_raising_after_ack_keeps_the_ack(slack: SlackHarness) -> None:
    # Bolt 1.x takes the ack back when a listener raises after ack(): Slack would wait 3 s,
    # get a 404 and show the user an error. KeptAck keeps it; try a few times (it was a race).
    @slack.app.command("/test-approve")
    def approve(ack: Ack) -> None:
        ack()
        raise NotAnOwner("Only an owner can approve drafts.")

    started = time.monotonic()
    replies = [slack.command("test-approve") for _ in range(5)]
    assert [(r.status, r.body) for r in replies] == [(200, "")] * 5
    assert time.monotonic() - started < 2.5
    assert len(texts(slack.api, kind="response_url")) == 5


def test_crm_error_before_ack_is_acknowledged_and_replied(slack: SlackHarness) -> None:
    @slack.app.command("/test-lead")
    def lead(ack: Ack) -> None:
        raise InvalidPhone("'555-1' is not a phone number.", field="phone")

    reply = slack.command("test-lead", "Dana, 555-1")
    # Not acknowledged yet: the answer is the acknowledgement itself, nothing comes after.
    assert reply.status == 200
    assert reply.json() == {"response_type": "ephemeral", "text": "'555-1' is not a phone number."}
    assert slack.api.messages == []


def test_unexpected_error_is_logged_and_the_user_gets_the_apology(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    @slack.app.command("/test-pipeline")
    def pipeline(ack: Ack) -> None:
        ack()
        raise KeyError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        slack.command("test-pipeline")
    assert texts(slack.api, kind="response_url") == [SORRY]
    assert SORRY == "Sorry, something went wrong on our side; it has been logged."
    [record] = [r for r in caplog.records if r.name == "bot.errors"]
    assert record.exc_info is not None and "KeyError" in repr(record.exc_info[1])


def test_error_in_a_channel_event_is_an_ephemeral_message(slack: SlackHarness) -> None:
    @slack.app.event(TEST_EVENT)
    def on_join() -> None:
        raise NotAnOwner("Only an owner can change settings.")

    slack.event(_joined(channel="C0SALES", user=STAFF))
    [shown] = messages_to(slack.api, kind="ephemeral")
    assert shown["channel"] == "C0SALES" and shown["user"] == STAFF
    assert shown["text"] == "Only an owner can change settings."


def test_error_in_a_direct_message_is_answered_in_the_dm(slack: SlackHarness) -> None:
    @slack.app.event(TEST_EVENT)
    def on_join() -> None:
        raise RuntimeError("database on fire")

    slack.event(_joined(channel=f"D{STAFF}", user=STAFF))
    [shown] = slack.api.messages
    assert shown["kind"] == "message" and shown["channel"] == f"D{STAFF}"
    assert shown["text"] == SORRY


def test_error_on_a_home_tab_button_is_a_direct_message(slack: SlackHarness) -> None:
    @slack.app.action("crm-test-mark-won")
    def mark_won(ack: Ack) -> None:
        ack()
        raise NotAnOwner("Only an owner can mark a deal won.")

    home = {"id": "V0HOME", "type": "home", "blocks": []}
    slack.action("crm-test-mark-won", "op_1", view=home, user=STAFF)
    [shown] = slack.api.messages
    assert (shown["kind"], shown["channel"]) == ("message", STAFF)
    assert shown["text"] == "Only an owner can mark a deal won."


def test_when_the_response_url_fails_the_reply_goes_ephemeral(slack: SlackHarness) -> None:
    @slack.app.action("crm-test-approve")
    def approve(ack: Ack) -> None:
        ack()
        raise NotAnOwner("Only an owner can approve drafts.")

    slack.api.fail_next("response_url", status=404)
    posted = {"channel": "C0DRAFTS", "ts": "1700000000.000100", "text": "Draft", "blocks": []}
    slack.action("crm-test-approve", "dr_1", message=posted, user=STAFF)
    [shown] = messages_to(slack.api, kind="ephemeral")
    assert (shown["channel"], shown["user"]) == ("C0DRAFTS", STAFF)
    assert shown["text"] == "Only an owner can approve drafts."


def test_modal_error_before_ack_shows_on_the_field(slack: SlackHarness) -> None:
    @slack.app.view("crm-test-new-customer")
    def new_customer(ack: Ack) -> None:
        raise InvalidPhone("'555-1' is not a phone number.", field="phone")

    view = {"blocks": [{"type": "input", "block_id": BlockId.PHONE}]}
    values = {BlockId.PHONE: {ActionId.INPUT: text_input("555-1")}}
    reply = slack.submit_view("crm-test-new-customer", values, view=view)
    assert reply.status == 200
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"crm-phone": "'555-1' is not a phone number."},
    }
    assert slack.api.messages == []


def test_modal_error_without_its_field_closes_and_tells_by_dm(slack: SlackHarness) -> None:
    @slack.app.view("crm-test-settings")
    def settings(ack: Ack) -> None:
        raise NotAnOwner("Only an owner can change settings.")

    reply = slack.submit_view("crm-test-settings", {}, user=STAFF)
    assert (reply.status, reply.body) == (200, "")
    [shown] = slack.api.messages
    assert (shown["channel"], shown["text"]) == (STAFF, "Only an owner can change settings.")


def test_modal_listener_acking_errors_itself(slack: SlackHarness) -> None:
    fields = {"phone": BlockId.PHONE, "email": BlockId.EMAIL}

    @slack.app.view("crm-test-new-lead")
    def new_lead(ack: Ack) -> None:
        ack(**view_errors(InvalidPhone("Not a phone.", field="phone"), fields))

    reply = slack.submit_view("crm-test-new-lead", {})
    assert reply.json() == {"response_action": "errors", "errors": {"crm-phone": "Not a phone."}}


def test_view_errors_puts_each_error_on_its_block() -> None:
    fields = {"name": "crm-name", "phone": "crm-phone", "address": "crm-address"}
    assert view_errors(InvalidPhone("Bad phone.", field="phone"), fields)["errors"] == {
        "crm-phone": "Bad phone."
    }
    unplaced = view_errors(NotAnOwner("Owners only."), fields)
    assert unplaced == {"response_action": "errors", "errors": {"crm-name": "Owners only."}}
    missing = view_errors(IncompleteContact(["phone", "address"]), fields)["errors"]
    message = "The contact needs phone and address before the lead can be converted."
    assert missing == {"crm-phone": message, "crm-address": message}
    with pytest.raises(ValueError):
        view_errors(NotAnOwner("x"), {})


# -- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("enum", [ActionId, ViewId, BlockId])
def test_ids_are_prefixed_kebab_case_and_unique(enum: Any) -> None:
    values = [member.value for member in enum]
    assert all(re.fullmatch(r"crm(-[a-z0-9]+)+", v) for v in values), values
    assert len(set(values)) == len(values)


def test_block_ids_of_fields_follow_the_rule() -> None:
    assert block_for_field("follow_up_date") == BlockId.FOLLOW_UP_DATE
    assert block_for_field("estimated_value") == BlockId.ESTIMATED_VALUE
    assert block_for_field("phone") == BlockId.PHONE


def test_the_buttons_the_design_names_have_ids() -> None:
    assert {m.name for m in ActionId} >= {
        "APPROVE",
        "EDIT",
        "DISCARD",
        "MARK_SENT",
        "USE_EXISTING",
        "MERGE",
        "CREATE_SEPARATE",
        "CREATE_IN_QUICKBOOKS",
        "NOT_NOW",
        "LOG_CALL",
        "DRAFT_FOLLOW_UP",
        "QUALIFY",
        "CONVERT",
        "MARK_WON",
        "MARK_LOST",
        "DISQUALIFY",
        "SNOOZE",
    }


def test_create_app_returns_a_bolt_app(slack: SlackHarness) -> None:
    assert isinstance(slack.app, App)
    assert slack.app.oauth_flow is None
    assert json.loads(slack.get("/healthz").body) == {"ok": True}
    assert OWNER in slack.settings.owner_ids
