"""Every owner-only action refused to staff: one ephemeral sentence, and not one row changed.

docs/product.md, Buttons: Approve, Edit, Discard, Mark won, Create in QuickBooks and settings are
for owners (core also keeps the QuickBooks question's "Not now" for them). The test snapshots
every table before the click and compares it after, so "nothing changes" includes audit rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.drafts.compose import draft_follow_up
from core.models import Base, Contact, Workspace
from tests.bot.fakes import RecordingQuickBooks, RecordingSender, dana_lead, harness_with
from tests.bot.harness import START, SlackHarness, messages_to, text_input
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_opportunity

Tables = dict[str, list[str]]


def every_row(sessions: sessionmaker[Session]) -> Tables:
    """Each table's rows as text, in a stable order: what "nothing changed" compares.

    Leaves out `seen_requests`: the web edge records every signed request it lets in (so a
    replay is refused), which is receiving the request, not acting on it."""
    with sessions() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name != "seen_requests"
        }


@pytest.fixture
def records(sessions: sessionmaker[Session], workspace_id: str) -> dict[str, str]:
    """Dana's open lead, a draft waiting for approval, and an open deal of hers."""
    contact_id, lead_id = dana_lead(sessions)
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        contact = session.get(Contact, contact_id)
        assert workspace is not None and contact is not None
        draft = draft_follow_up(
            session=session, workspace=workspace, actor=STAFF, lead_id=lead_id, now=START
        ).draft
        deal = make_opportunity(session, TEAM, contact=contact, name="Bathroom remodel")
        return {
            "draft": f"{draft.draft_id}:{draft.version}",
            "deal": deal.opportunity_id,
            "contact": contact_id,
        }


@pytest.fixture
def connected(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, records: dict[str, str]
) -> Iterator[tuple[SlackHarness, RecordingSender, RecordingQuickBooks]]:
    """The app with a mailbox and QuickBooks connected, so only ownership stands in the way."""
    sender, quickbooks = RecordingSender(), RecordingQuickBooks()
    with harness_with(sessions, monkeypatch, sender=sender, quickbooks=quickbooks) as slack:
        yield slack, sender, quickbooks


OWNER_ONLY_BUTTONS = [
    (ActionId.APPROVE, "draft", "Only an owner can approve drafts."),
    (ActionId.EDIT, "draft", "Only an owner can edit drafts."),
    (ActionId.DISCARD, "draft", "Only an owner can discard drafts."),
    (ActionId.MARK_WON, "deal", "Only an owner can mark a deal won."),
    (
        ActionId.CREATE_IN_QUICKBOOKS,
        "contact",
        "Only an owner can create a customer in QuickBooks.",
    ),
    (ActionId.NOT_NOW, "contact", "Only an owner can answer the QuickBooks question."),
]


def only_refusal(slack: SlackHarness) -> dict[str, Any]:
    """The one thing Slack was asked to do: an ephemeral reply to the clicker."""
    assert [call.method for call in slack.api.calls] == ["response_url"]
    [reply] = messages_to(slack.api, kind="response_url")
    assert (reply["user"], reply["response_type"]) == (STAFF, "ephemeral")
    assert reply["replace_original"] is False  # the owners' message stays as it was
    return reply


@pytest.mark.parametrize(("action_id", "record", "refusal"), OWNER_ONLY_BUTTONS)
def test_an_owner_only_button_pressed_by_staff_changes_nothing(
    connected: tuple[SlackHarness, RecordingSender, RecordingQuickBooks],
    records: dict[str, str],
    sessions: sessionmaker[Session],
    action_id: ActionId,
    record: str,
    refusal: str,
) -> None:
    slack, sender, quickbooks = connected
    before = every_row(sessions)
    assert slack.action(action_id, records[record], user=STAFF).status == 200
    assert only_refusal(slack)["text"] == refusal
    assert every_row(sessions) == before
    assert sender.sent == [] and quickbooks.created == []


def test_settings_refused_to_staff_by_command_and_by_a_submitted_form(
    connected: tuple[SlackHarness, RecordingSender, RecordingQuickBooks],
    sessions: sessionmaker[Session],
) -> None:
    slack, _, _ = connected
    before = every_row(sessions)
    slack.command("crm", "settings", user=STAFF)
    assert only_refusal(slack)["text"] == "Only an owner can change settings."
    slack.api.clear()
    values = {
        BlockId.TIMEZONE.value: {ActionId.INPUT.value: text_input("America/Chicago")},
        BlockId.AUTO_SEND.value: {
            ActionId.INPUT.value: {"type": "checkboxes", "selected_options": [{"value": "on"}]}
        },
    }
    refused = slack.submit_view(ViewId.SETTINGS, values, user=STAFF)
    assert refused.json() == {
        "response_action": "errors",
        "errors": {BlockId.TIMEZONE.value: "Only an owner can change settings."},
    }
    assert slack.api.calls == [] and every_row(sessions) == before


def test_an_edit_form_submitted_by_staff_is_refused_on_the_field(
    connected: tuple[SlackHarness, RecordingSender, RecordingQuickBooks],
    records: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    slack, _, _ = connected
    before = every_row(sessions)
    draft_id, version = records["draft"].split(":")
    metadata = f'{{"id": "{draft_id}", "v": {version}}}'
    values = {BlockId.BODY.value: {ActionId.INPUT.value: text_input("Sent by staff, unreviewed")}}
    refused = slack.submit_view(ViewId.EDIT_DRAFT, values, metadata, user=STAFF)
    assert refused.json() == {
        "response_action": "errors",
        "errors": {BlockId.BODY.value: "Only an owner can edit drafts."},
    }
    assert slack.api.calls == [] and every_row(sessions) == before
