"""The contact card's buttons through the real app: edit, company, archive, merge and undo.

Each test starts from `/customer <name>` (the card a person sees), presses the card's buttons,
fills the forms the app opened as a person would (what the form shows, changed where they
type), and checks both what the person reads and the rows.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId
from core.common.enums import CompanyStatus, InteractionType, LifecycleStage, PreferredChannel
from core.models import Company, Contact, ContactMerge, Interaction, Lead
from tests.bot.harness import (
    SlackHarness,
    block_texts,
    iter_buttons,
    labels,
    messages_to,
    row_count,
    shown,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead

INPUT = ActionId.INPUT.value
SEARCH = ActionId.MERGE_SURVIVOR.value


def replies(slack: SlackHarness, user: str = STAFF) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="response_url", user=user)


def card_of(slack: SlackHarness, name: str, user: str = STAFF) -> dict[str, Any]:
    """`/customer <name>`: the card the person reads."""
    slack.api.clear()
    slack.command("customer", name, user=user)
    return replies(slack, user)[-1]


def opened(slack: SlackHarness) -> dict[str, Any]:
    [view] = slack.api.views.values()
    slack.api.clear()
    return view


def filled(view: dict[str, Any], **typed: Any) -> dict[str, dict[str, Any]]:
    """The form's state as shown (initial values), with what the person typed or chose.

    `typed` is keyed by block id in snake case (`crm_phone=`); a str is typed text, a
    (value,) tuple a chosen option, a dict an option an external select's search answered.
    """
    state: dict[str, dict[str, Any]] = {}
    changes = {key.replace("_", "-"): value for key, value in typed.items()}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind == "plain_text_input":
            value = changes.get(block_id, element.get("initial_value"))
            state[block_id] = {INPUT: {"type": kind, "value": value}}
        else:
            chosen = element.get("initial_option")
            if isinstance(changes.get(block_id), dict):
                chosen = changes[block_id]
            elif block_id in changes:
                wanted = changes[block_id][0]
                chosen = next(o for o in element["options"] if o["value"] == wanted)
            action = element["action_id"]
            state[block_id] = {action: {"type": kind, "selected_option": chosen}}
    return state


def dana(slack: SlackHarness, **fields: Any) -> str:
    with slack.sessions.begin() as session:
        contact = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"], **fields)
        return contact.contact_id


def test_the_card_carries_the_new_buttons(slack: SlackHarness) -> None:
    dana(slack)
    card = card_of(slack, "dana smith")
    assert labels(card) == ["Log call", "Edit", "Merge into…", "Archive", "Do not contact"]
    archive = next(b for b in iter_buttons(card["blocks"]) if b["text"]["text"] == "Archive")
    assert archive["confirm"]["title"]["text"] == "Archive Dana Smith?"


def test_edit_shows_every_field_refuses_a_bad_one_and_saves(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack, emails=["dana@example.com"], address="1 Elm St", tags=["vip"])
    slack.action(ActionId.EDIT_CONTACT, message=card_of(slack, "dana smith"))
    view = opened(slack)
    form = shown(view)
    for label in ("First name", "Phones", "Emails", "Service address", "Stage", "Tags", "Notes"):
        assert label in form
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields[BlockId.PHONE]["initial_value"] == "(555) 201-3344"
    assert fields[BlockId.LIFECYCLE_STAGE]["initial_option"]["value"] == "prospect"

    bad = slack.submit_view(None, filled(view, crm_phone="555-1"), view=view)
    body = bad.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["crm-phone"] and "555-1" in body["errors"]["crm-phone"]
    with sessions() as session:
        assert session.get(Contact, dana_id).phones == ["+15552013344"]  # type: ignore[union-attr]

    typed = filled(
        view,
        crm_last_name="Smith-Jones",
        crm_phone="555-201-9999, 555-201-3344",
        crm_email="",
        crm_address="9 Oak Ave",
        crm_preferred_channel=("sms",),
        crm_lifecycle_stage=("customer",),
        crm_company_name="Smith Plumbing LLC",
        crm_tags="vip, gate code",
        crm_notes="Dog in the yard",
    )
    closed = slack.submit_view(None, typed, view=view)
    assert (closed.status, closed.body) == (200, "")  # the form closes
    answer = replies(slack)[-1]
    assert answer["text"].startswith("Saved Dana Smith-Jones's details.")
    seen = block_texts(answer["blocks"])
    assert "*Phone*\n(555) 201-9999, (555) 201-3344" in seen
    assert "*Company*\nSmith Plumbing LLC" in seen and "Edit company" in labels(answer)
    with sessions() as session:
        contact = session.get(Contact, dana_id)
        assert contact is not None and contact.emails == [] and contact.address == "9 Oak Ave"
        assert contact.preferred_channel == PreferredChannel.sms
        assert contact.lifecycle_stage == LifecycleStage.customer
        assert contact.tags == ["vip", "gate code"] and contact.notes == "Dog in the yard"


def test_another_contacts_phone_asks_first_and_saves_nothing_until_answered(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack)
    with sessions.begin() as session:
        pat_id = make_contact(session, TEAM, "Pat", "Lee", phones=["+15559990000"]).contact_id
    slack.action(ActionId.EDIT_CONTACT, message=card_of(slack, "dana smith"))
    view = opened(slack)
    typed = filled(view, crm_last_name="Lee", crm_phone="555-201-3344, 555-999-0000")
    slack.submit_view(None, typed, view=view)
    question = replies(slack)[-1]
    assert question["text"].startswith("This looks like an existing contact: Pat Lee.")
    assert labels(question) == ["Use existing", "Merge", "Create separate"]
    with sessions() as session:
        assert session.get(Contact, dana_id).last_name == "Smith"  # type: ignore[union-attr]

    slack.action(ActionId.CREATE_SEPARATE, message=question)
    answer = replies(slack)[-1]
    assert answer["replace_original"] is True
    assert answer["text"].startswith("Saved Dana Lee's details; the other contact keeps its own")
    with sessions() as session:
        saved = session.get(Contact, dana_id)
        assert saved is not None and saved.phones == ["+15552013344", "+15559990000"]
        assert session.get(Contact, pat_id).merged_into_contact_id is None  # type: ignore[union-attr]


def test_merge_from_the_duplicate_question_folds_the_other_in(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack)
    with sessions.begin() as session:
        pat_id = make_contact(session, TEAM, "Pat", "Lee", phones=["+15559990000"]).contact_id
    slack.action(ActionId.EDIT_CONTACT, message=card_of(slack, "dana smith"))
    view = opened(slack)
    slack.submit_view(None, filled(view, crm_phone="555-201-3344, 555-999-0000"), view=view)
    slack.action(ActionId.MERGE, message=replies(slack)[-1])
    answer = replies(slack)[-1]
    assert answer["text"].startswith("Merged Pat Lee into Dana Smith and saved the details.")
    assert "Undo merge" in labels(answer)
    with sessions() as session:
        assert session.get(Contact, pat_id).merged_into_contact_id == dana_id  # type: ignore[union-attr]


def test_edit_company(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    dana_id = dana(slack)
    slack.action(ActionId.EDIT_CONTACT, message=card_of(slack, "dana smith"))
    view = opened(slack)
    slack.submit_view(None, filled(view, crm_company_name="Acme"), view=view)
    slack.action(ActionId.EDIT_COMPANY, message=replies(slack)[-1])
    view = opened(slack)
    assert "Company name" in shown(view) and "Billing address" in shown(view)
    bad = slack.submit_view(None, filled(view, crm_main_phone="555-1"), view=view).json()
    assert list(bad["errors"]) == ["crm-main-phone"]
    typed = filled(
        view,
        crm_name="Acme Plumbing",
        crm_main_phone="555-201-0000",
        crm_billing_address="PO Box 7",
        crm_status=("active_customer",),
    )
    slack.submit_view(None, typed, view=view)
    answer = replies(slack)[-1]
    assert answer["text"].startswith("Saved Acme Plumbing's details.")
    assert "*Company*\nAcme Plumbing" in block_texts(answer["blocks"])
    with sessions() as session:
        company = session.scalars(select(Company)).one()
        assert company.main_phone == "+15552010000" and company.billing_address == "PO Box 7"
        assert company.status == CompanyStatus.active_customer
        assert session.get(Contact, dana_id).company_id == company.company_id  # type: ignore[union-attr]
    # An existing company is picked from the form's list.
    with sessions.begin() as session:
        make_contact(session, TEAM, "Sam", "Ortiz")
    slack.action(ActionId.EDIT_CONTACT, message=card_of(slack, "sam ortiz"))
    view = opened(slack)
    slack.submit_view(None, filled(view, crm_company_id=(company.company_id,)), view=view)
    assert "*Company*\nAcme Plumbing" in block_texts(replies(slack)[-1]["blocks"])
    assert row_count(sessions, Company) == 1


def test_archive_hides_and_restore_brings_back(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack)
    slack.action(ActionId.ARCHIVE_CONTACT, message=card_of(slack, "dana smith"))
    answer = replies(slack)[-1]
    assert answer["replace_original"] is True
    assert answer["text"].startswith("Archived Dana Smith. Nothing was deleted.")
    assert block_texts(answer["blocks"])[1] == "Dana Smith (archived)"
    assert "Restore" in labels(answer) and "Archive" not in labels(answer)
    with sessions() as session:
        assert session.get(Contact, dana_id).archived is True  # type: ignore[union-attr]
    card = card_of(slack, "dana smith")  # still reachable, clearly marked
    assert block_texts(card["blocks"])[0] == "Dana Smith (archived)"
    slack.action(ActionId.RESTORE_CONTACT, message=card)
    assert replies(slack)[-1]["text"].startswith("Restored Dana Smith.")
    with sessions() as session:
        assert session.get(Contact, dana_id).archived is False  # type: ignore[union-attr]


def test_merge_into_shows_what_moves_then_an_owner_undoes_it(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack)
    with sessions.begin() as session:
        dee = make_contact(session, TEAM, "Dee", "Smith", phones=["+15552019999"])
        lead = make_lead(session, TEAM, dee, title="Water heater")
        make_interaction(session, TEAM, dee, lead=lead, type=InteractionType.phone_call)
        dee_id = dee.contact_id
    slack.action(ActionId.MERGE_INTO, message=card_of(slack, "dee smith"))
    picker = opened(slack)
    assert "Merge *Dee Smith* into another contact." in shown(picker)
    assert picker["blocks"][1]["element"]["type"] == "external_select"
    options = slack.options(SEARCH, "smith", view=picker).json()["options"]
    assert [o["text"]["text"] for o in options] == ["Dana Smith · (555) 201-3344"]
    step = slack.submit_view(None, filled(picker, crm_survivor_id=options[0]), view=picker).json()
    assert step["response_action"] == "update"
    confirm = step["view"]
    said = shown(confirm)
    assert "Merge *Dee Smith* into *Dana Smith*?" in said
    assert "Moves to Dana Smith: 1 lead, 1 interaction, 0 jobs." in said
    assert "Adds: (555) 201-9999." in said
    assert confirm["submit"]["text"] == "Merge"
    assert row_count(sessions, ContactMerge) == 0  # nothing moved before the confirmation

    slack.submit_view(None, {}, view=confirm)
    answer = replies(slack)[-1]
    assert answer["text"].startswith("Merged Dee Smith into Dana Smith.")
    assert "Undo merge" in labels(answer)
    with sessions() as session:
        assert session.get(Contact, dee_id).merged_into_contact_id == dana_id  # type: ignore[union-attr]
        assert session.scalars(select(Lead.contact_id)).one() == dana_id
        note = session.scalars(
            select(Interaction.body).where(Interaction.type == InteractionType.system)
        ).one()
        assert note == "Merged Dee Smith into this contact (1 lead, 1 interaction, 0 jobs moved)."

    slack.action(ActionId.UNDO_MERGE, message=answer)  # staff: refused, nothing changes
    assert replies(slack)[-1]["text"] == "Only an owner can undo a merge."
    with sessions() as session:
        assert session.get(Contact, dee_id).merged_into_contact_id == dana_id  # type: ignore[union-attr]

    slack.action(ActionId.UNDO_MERGE, message=answer, user=OWNER)
    undone = replies(slack, OWNER)[-1]
    assert undone["text"].startswith("Merge undone: Dee Smith is a separate contact again.")
    assert "Undo merge" not in labels(undone)
    with sessions() as session:
        assert session.get(Contact, dee_id).merged_into_contact_id is None  # type: ignore[union-attr]
        assert session.scalars(select(Lead.contact_id)).one() == dee_id


def test_merge_into_searches_the_book_as_the_person_types(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    dana_id = dana(slack)
    with sessions.begin() as session:
        other = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@other.example"])
        make_contact(session, TEAM, "Dana", "Smithers", phones=["+15552017777"], archived=True)
        make_contact(session, TEAM, "Bob", "Jones", phones=["+15552018888"])
        gone = make_contact(session, TEAM, "Dana", "Smyth", phones=["+15552016666"])
        gone.merged_into_contact_id = dana_id
        other_id = other.contact_id
    slack.action(ActionId.MERGE_INTO, message=card_of(slack, "dana@other.example"))
    picker = opened(slack)

    for user in (STAFF, OWNER):
        reply = slack.options(SEARCH, "dana sm", view=picker, user=user)
        assert reply.status == 200
        found = {o["value"]: o["text"]["text"] for o in reply.json()["options"]}
        # Not the contact itself, not the archived or merged ones, not Bob.
        assert found == {dana_id: "Dana Smith · (555) 201-3344"}
    by_phone = slack.options(SEARCH, "555 201 3344", view=picker).json()["options"]
    assert [o["value"] for o in by_phone] == [dana_id]
    assert slack.options(SEARCH, "zzqx", view=picker).json()["options"] == []

    step = slack.submit_view(None, filled(picker, crm_survivor_id=by_phone[0]), view=picker).json()
    assert "Merge *Dana Smith* into *Dana Smith*?" in shown(step["view"])
    slack.submit_view(None, {}, view=step["view"])
    with sessions() as session:
        assert session.get(Contact, other_id).merged_into_contact_id == dana_id  # type: ignore[union-attr]


def test_an_option_search_with_a_forged_signature_is_refused(slack: SlackHarness) -> None:
    dana_id = dana(slack)
    slack.action(ActionId.MERGE_INTO, message=card_of(slack, "dana smith"))
    picker = opened(slack)
    payload = slack.payloads.block_suggestion(
        picker, block_id="crm-survivor-id", action_id=SEARCH, value="dana", user=STAFF
    )
    body = urlencode({"payload": json.dumps(payload)})
    headers = {"content-type": "application/x-www-form-urlencoded"}
    headers |= slack.signed_headers(body + "tampered")
    reply = slack.raw_post(body, headers)
    assert reply.status == 401
    assert dana_id not in reply.body
