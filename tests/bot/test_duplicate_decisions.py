"""The duplicate decision through the real app: a capture under another name, and forged ids.

Issue 8 item 9: `/lead` with a known phone and another name used to link silently; now the
lead is saved and the person who typed it gets Use existing / Merge / Create separate.
Item 12: **Use existing** carrying another workspace's contact id used to create a contact.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId
from core.models import Contact, Interaction, Lead
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.bot.harness import CHANNEL, SlackHarness, labels, messages_to, row_count
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact


def replies(slack: SlackHarness) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="response_url", user=STAFF)


def spouse_capture(slack: SlackHarness, sessions: sessionmaker[Session]) -> tuple[str, Any]:
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
        dana_id = dana.contact_id
    answer = slack.command("lead", "Mary Smith, (555) 201 3344, new water heater via phone")
    assert replies(slack) == []  # `/lead` answers in its HTTP response (docs/reliability.md)
    return dana_id, {**answer.json(), "channel": CHANNEL}


def test_a_known_phone_with_another_name_is_saved_and_asked(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id, reply = spouse_capture(slack, sessions)
    assert reply["text"].startswith(
        "Lead saved: new water heater. Same phone or email as Dana Smith, but another name: "
        "the lead is on Dana Smith's record until that is decided. "
        "This looks like an existing contact: Dana Smith. Use existing, Merge, or Create separate?"
    )
    assert labels(reply)[-3:] == ["Use existing", "Merge", "Create separate"]
    assert row_count(sessions, Contact) == 1 and row_count(sessions, Lead) == 1
    assert len(slack.deliver().delivered) == 1  # the owner's notice, from the outbox
    [notice] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert notice["text"].startswith("New inquiry from Mary Smith — new water heater.")
    assert labels(notice)[-3:] == ["Use existing", "Merge", "Create separate"]  # owners too
    with sessions() as session:
        dana = session.get(Contact, dana_id)
        assert dana is not None and dana.notes is None  # nothing of Dana's record changed


def test_create_separate_moves_the_lead_to_the_new_contact_once(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id, reply = spouse_capture(slack, sessions)
    slack.action(ActionId.CREATE_SEPARATE, message=reply)
    answer = replies(slack)[-1]
    assert answer["replace_original"] is True
    assert answer["text"].startswith("Added: Mary Smith, (555) 201-3344.")
    with sessions() as session:
        mary = session.scalars(select(Contact).where(Contact.first_name == "Mary")).one()
        lead = session.scalars(select(Lead)).one()
        interaction = session.scalars(select(Interaction)).one()
        assert lead.contact_id == interaction.contact_id == mary.contact_id
    slack.action(ActionId.CREATE_SEPARATE, message=reply)  # the same button again
    assert replies(slack)[-1]["text"].startswith("That was already decided: the new water heater")
    assert row_count(sessions, Contact) == 2


def test_use_existing_keeps_the_lead_on_the_known_contact(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id, reply = spouse_capture(slack, sessions)
    slack.action(ActionId.USE_EXISTING, message=reply)
    assert replies(slack)[-1]["text"].startswith("Using the existing contact: Dana Smith")
    with sessions() as session:
        assert session.scalars(select(Lead.contact_id)).one() == dana_id
    assert row_count(sessions, Contact) == 1


def test_use_existing_with_another_workspaces_contact_id_is_refused(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=["U0THEM"]))
        theirs = make_contact(session, "T0OTHER", "Pat", "Lee", phones=["+15559990000"])
        theirs_id = theirs.contact_id
    forged = json.dumps({"p": {"first_name": "Pat", "phones": ["+15559990000"]}, "m": theirs_id})
    for action in (ActionId.USE_EXISTING, ActionId.MERGE):
        reply = slack.action(action, forged, block_id="crm-duplicate-actions")
        assert reply.status == 200
    assert row_count(sessions, Contact) == 1  # only theirs: nothing made here
    with sessions() as session:
        assert session.scalars(select(Contact.workspace_id)).all() == ["T0OTHER"]
    said = [m["text"] for m in messages_to(slack.api, user=STAFF)]
    assert said == [f"There is no contact {theirs_id} in this workspace."] * 2
