"""Hard stop 5 over the real adapter: no path but an owner's tap creates or links a customer.

With QuickBooks connected (the stand-in), every other way in is tried: staff tapping each
QuickBooks button, the same tap replayed, **Not now**, an import, plain-word requests in a
command and a DM, and the worker's scheduled jobs. QuickBooks must hear nothing but the
token exchange, and no contact may get a QuickBooks id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import select

from bot.ids import ActionId
from core.models import AuditEntry, Contact, Workspace
from core.transfer.document_import import import_document
from jobs.daily import run_daily
from jobs.monthly import run_monthly
from jobs.weekly import run_weekly
from tests.bot.harness import SlackHarness, messages_to
from tests.conftest import OWNER, STAFF, TEAM
from tests.integrations.conftest import connect
from tests.integrations.quickbooks_standin import QuickBooksStandIn
from tests.integrations.test_quickbooks_customers import dana, stored_id

SAMPLE = Path(__file__).parents[1] / "data" / "sample_export.json"
PUSH_BUTTONS = (
    ActionId.CREATE_IN_QUICKBOOKS,
    ActionId.LINK_QUICKBOOKS_CUSTOMER,
    ActionId.CREATE_NEW_IN_QUICKBOOKS,
    ActionId.CREATE_RENAMED_IN_QUICKBOOKS,
    ActionId.RETRY_QUICKBOOKS,
)


def accounting_calls(qbo: QuickBooksStandIn) -> list[str]:
    return [call.path for call in qbo.calls if "/v3/company/" in call.path]


def test_every_path_but_the_owners_tap_leaves_quickbooks_alone(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    connect(slack, qbo)
    with slack.sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        import_document(
            session=session,
            workspace=workspace,
            actor=OWNER,
            document=json.loads(SAMPLE.read_text("utf-8")),
        )
    contact_id = dana(slack.sessions, phones=["+15557654321"], emails=["dana.q@example.com"])

    for button in PUSH_BUTTONS:
        slack.action(button, contact_id, user=STAFF)
        refusal = messages_to(slack.api, kind="response_url", user=STAFF)[-1]
        assert refusal["text"] == "Only an owner can create a customer in QuickBooks.", button
    for button in (ActionId.CONNECT_QUICKBOOKS, ActionId.RECONNECT_QUICKBOOKS):
        slack.action(button, "home", user=STAFF)
        refusal = messages_to(slack.api, kind="response_url", user=STAFF)[-1]
        assert refusal["text"] == "Only an owner can connect QuickBooks.", button

    slack.action(ActionId.NOT_NOW, contact_id, user=OWNER)
    declined = messages_to(slack.api, kind="response_url", user=OWNER)[-1]
    assert declined["text"] == "Not now: Dana Smith was not created in QuickBooks."
    # Link and Create as... need a question QuickBooks asked first: refused for the owner too.
    for button in (ActionId.LINK_QUICKBOOKS_CUSTOMER, ActionId.CREATE_RENAMED_IN_QUICKBOOKS):
        slack.action(button, contact_id, user=OWNER)
        assert messages_to(slack.api, kind="response_url", user=OWNER)[-1]["text"].startswith(
            "There is no"
        )

    for words in ("create Dana Smith in QuickBooks", "push Dana Smith to quickbooks"):
        slack.command("crm", words, user=OWNER)
        slack.message_dm(words, user=OWNER)
    slack.wait()

    at = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    for job in (run_daily, run_weekly, run_monthly):
        job(
            sessions=slack.sessions,
            slack=WebClient(token="xoxb-test", base_url=slack.api.url),
            now=at,
            workspace_id=TEAM,
            force=True,
        )

    assert accounting_calls(qbo) == []
    with slack.sessions() as session:
        linked = session.scalars(
            select(Contact.quickbooks_customer_id).where(
                Contact.quickbooks_customer_id.is_not(None)
            )
        ).all()
        assert sorted(linked) == sorted(IMPORTED_IDS)  # only what the document carried
        assert (
            session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("%quickbooks_customer"))
            ).all()
            == []
        )

    # The owner's tap is the one way in, and a replay of it is refused.
    slack.action(ActionId.CREATE_IN_QUICKBOOKS, contact_id, user=OWNER)
    slack.action(ActionId.CREATE_IN_QUICKBOOKS, contact_id, user=OWNER)
    assert stored_id(slack.sessions, contact_id) == "58"
    assert len(qbo.calls_to("/customer", "POST")) == 1


IMPORTED_IDS = [
    str(contact["quickbooks_customer_id"])
    for contact in json.loads(SAMPLE.read_text("utf-8"))["contacts"]
    if contact.get("quickbooks_customer_id")
]
