"""Each lead's and contact's `last_touch_at` equals the aggregate over the history it stands for.

Random histories (seeded, so a failure replays) mix every way history is written: interactions
logged through the core operation (back-dated too), rows written straight with the ORM, leads
made for contacts already touched, merges, and imported documents; after each history the
columns are compared with the aggregate computed here from the rows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.service import log_interaction
from core.common.enums import InteractionType, LeadStatus
from core.contacts.merge_undo import undo_merge
from core.contacts.merges import merge_contacts
from core.errors import InvalidTransition
from core.models import Contact, ContactMerge, Interaction, Lead, Workspace, new_id
from core.reports.stale_leads import stale_leads
from core.transfer.document_import import import_document
from tests.core.factories import make_contact, make_interaction, make_lead, make_opportunity, utc

NOW = utc(2026, 11, 30, 15)
START = NOW - timedelta(days=120)


def _moment(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def _import(session: Session, ws: Workspace, rng: random.Random, contacts: list[str]) -> None:
    """A small document: a new contact with a lead, and interactions on old and new records."""
    contact_id, lead_id = new_id("ct"), new_id("ld")
    made = _moment(rng)
    document: dict[str, Any] = {
        "contacts": [
            {
                "contact_id": contact_id,
                "first_name": f"Imported{rng.randrange(10**6)}",
                "last_name": None,
                "company_id": None,
                "phones": [],
                "emails": [],
                "address": None,
                "preferred_channel": None,
                "lifecycle_stage": "prospect",
                "tags": [],
                "quickbooks_customer_id": None,
                "notes": None,
                "merged_into_contact_id": None,
                "archived": False,
                "created_at": _stamp(made),
                "updated_at": _stamp(made),
            }
        ],
        "companies": [],
        "leads": [
            {
                "lead_id": lead_id,
                "title": "Imported job",
                "description": None,
                "contact_id": contact_id,
                "source": "email",
                "status": "new",
                "disqualification_reason": None,
                "estimated_value": None,
                "pipeline_stage": "inquiry",
                "expected_close_date": None,
                "owner": None,
                "converted_opportunity_id": None,
                "created_at": _stamp(made),
                "updated_at": _stamp(made),
            }
        ],
        "interactions": [],
        "opportunities": [],
    }
    for _ in range(rng.randrange(1, 4)):
        at = _moment(rng)
        on_new = rng.random() < 0.5 or not contacts
        document["interactions"].append(
            {
                "interaction_id": new_id("ix"),
                "type": "note",
                "timestamp": _stamp(at),
                "contact_id": contact_id if on_new else rng.choice(contacts),
                "lead_id": lead_id if on_new and rng.random() < 0.5 else None,
                "opportunity_id": None,
                "subject": None,
                "body": "Imported note",
                "outcome": "none",
                "follow_up_date": None,
                "follow_up_status": "none",
                "ai_summary": None,
                "created_at": _stamp(at),
                "updated_at": _stamp(at),
            }
        )
    import_document(session=session, workspace=ws, actor="system:cli", document=document)
    contacts.append(contact_id)


def _random_history(session: Session, ws: Workspace, rng: random.Random) -> None:
    wid = ws.workspace_id
    contacts: list[str] = []
    leads: list[str] = []
    for step in range(60):
        live = [
            c
            for c in contacts
            if session.get(Contact, c) is not None
            and session.get(Contact, c).merged_into_contact_id is None  # type: ignore[union-attr]
        ]
        roll = rng.random()
        if roll < 0.15 or not live:
            contacts.append(make_contact(session, wid, first_name=f"P{step}").contact_id)
        elif roll < 0.30:
            contact = session.get(Contact, rng.choice(contacts))
            lead = make_lead(session, wid, contact=contact, created_at=_moment(rng))
            leads.append(lead.lead_id)
        elif roll < 0.55:  # the core operation, back-dated anywhere in the window
            target = rng.choice(["contact", "lead", "opportunity"]) if leads else "contact"
            links: dict[str, str] = {}
            if target == "contact":
                links["contact_id"] = rng.choice(live)
            elif target == "lead":
                links["lead_id"] = rng.choice(leads)
            else:
                lead = session.get(Lead, rng.choice(leads))
                assert lead is not None
                links["opportunity_id"] = make_opportunity(session, wid, lead=lead).opportunity_id
            log_interaction(
                session=session,
                workspace=ws,
                actor="U0STAFF",
                type=InteractionType.phone_call,
                body="Called",
                timestamp=_moment(rng),
                now=NOW,
                **links,
            )
        elif roll < 0.75:  # written straight with the ORM, with or without a contact
            lead = session.get(Lead, rng.choice(leads)) if leads else None
            if lead is not None and rng.random() < 0.5:
                make_interaction(session, wid, lead=lead, timestamp=_moment(rng))
            else:
                contact = session.get(Contact, rng.choice(contacts))
                make_interaction(session, wid, contact=contact, timestamp=_moment(rng))
        elif roll < 0.88 and len(live) >= 2:
            undoable = session.scalars(
                select(ContactMerge.merge_id).where(ContactMerge.undone_at.is_(None))
            ).all()
            if undoable and rng.random() < 0.3:  # an owner undoes one of the merges
                try:
                    undo_merge(
                        session=session,
                        workspace=ws,
                        actor="U0OWNER",
                        merge_id=rng.choice(sorted(undoable)),
                        now=NOW,
                    )
                except InvalidTransition:  # its survivor was merged again since
                    pass
                continue
            survivor, other = rng.sample(live, 2)
            merge_contacts(
                session=session,
                workspace=ws,
                actor="U0OWNER",
                survivor_id=survivor,
                other_id=other,
                now=NOW,  # its `system` note is history at the report's clock
            )
        else:
            _import(session, ws, rng, contacts)
    session.flush()


def _expected(session: Session, workspace_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The aggregate each column stands for, computed from the rows."""
    contacts = session.execute(
        select(Contact.contact_id, Contact.merged_into_contact_id).where(
            Contact.workspace_id == workspace_id
        )
    ).all()
    touches = session.execute(
        select(Interaction.contact_id, Interaction.lead_id, Interaction.timestamp).where(
            Interaction.workspace_id == workspace_id
        )
    ).all()
    by_contact: dict[str, datetime] = {}
    by_lead: dict[str, datetime] = {}
    for contact_id, lead_id, at in touches:
        for key, newest in ((contact_id, by_contact), (lead_id, by_lead)):
            if key is not None and (key not in newest or at > newest[key]):
                newest[key] = at
    survivor = {c: merged for c, merged in contacts}
    contact_touch = {c: by_contact.get(c) for c, _ in contacts}
    lead_touch = {}
    leads = session.execute(
        select(Lead.lead_id, Lead.contact_id, Lead.created_at).where(
            Lead.workspace_id == workspace_id
        )
    ).all()
    for lead_id, contact_id, created in leads:
        candidates = [created, by_lead.get(lead_id)]
        if contact_id is not None:
            candidates += [by_contact.get(contact_id), by_contact.get(survivor[contact_id] or "")]
        lead_touch[lead_id] = max(at for at in candidates if at is not None)
    return contact_touch, lead_touch


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_last_touch_columns_equal_the_aggregate_over_random_histories(
    session: Session, ws: Workspace, seed: int
) -> None:
    _random_history(session, ws, random.Random(seed))
    session.expire_all()
    want_contacts, want_leads = _expected(session, ws.workspace_id)
    got_contacts = dict(
        session.execute(
            select(Contact.contact_id, Contact.last_touch_at).where(
                Contact.workspace_id == ws.workspace_id
            )
        ).all()
    )
    got_leads = dict(
        session.execute(
            select(Lead.lead_id, Lead.last_touch_at).where(Lead.workspace_id == ws.workspace_id)
        ).all()
    )
    assert len(want_leads) > 5
    assert got_contacts == want_contacts
    assert got_leads == want_leads


def test_stale_leads_agree_with_the_aggregate_after_a_random_history(
    session: Session, ws: Workspace
) -> None:
    """The stale list, read from the column, is the leads whose aggregate is old enough."""
    _random_history(session, ws, random.Random(7))
    session.expire_all()
    _, want_leads = _expected(session, ws.workspace_id)
    report = stale_leads(session, workspace=ws, now=NOW)
    open_ids = set(
        session.scalars(
            select(Lead.lead_id).where(
                Lead.workspace_id == ws.workspace_id,
                Lead.status.in_((LeadStatus.new, LeadStatus.working)),
            )
        )
    )
    # Monday Nov 30: Fri 27, Wed 25 and Tue 24 are the three business days back (Thanksgiving
    # on the 26th is not one), so stale is untouched since before Wednesday Nov 25 in New York.
    stale_before = utc(2026, 11, 25, 5)
    expected = {lead for lead in open_ids if want_leads[lead] < stale_before}
    assert expected
    assert {item.lead_id for item in report.items} == expected


def test_a_report_for_a_past_day_judges_leads_on_their_history_up_to_then(
    session: Session, ws: Workspace
) -> None:
    """Leads touched after the report time are judged on what had happened by then."""
    _random_history(session, ws, random.Random(11))
    session.expire_all()
    past = utc(2026, 11, 5, 15)  # Thursday Nov 5: Wed 4, Tue 3 and Mon 2 are 3 back
    stale_before = utc(2026, 11, 3, 5)  # untouched since before Tuesday Nov 3 in New York
    touches = session.execute(
        select(Interaction.contact_id, Interaction.lead_id, Interaction.timestamp).where(
            Interaction.workspace_id == ws.workspace_id, Interaction.timestamp <= past
        )
    ).all()
    survivor = dict(
        session.execute(
            select(Contact.contact_id, Contact.merged_into_contact_id).where(
                Contact.workspace_id == ws.workspace_id
            )
        ).all()
    )
    leads = session.execute(
        select(Lead.lead_id, Lead.contact_id, Lead.created_at).where(
            Lead.workspace_id == ws.workspace_id,
            Lead.status.in_((LeadStatus.new, LeadStatus.working)),
            Lead.created_at < stale_before,
        )
    ).all()
    expected = set()
    for lead_id, contact_id, created in leads:
        people = {contact_id, survivor.get(contact_id)} - {None}
        newest = max(
            [created]
            + [at for c, lead, at in touches if lead == lead_id or (c is not None and c in people)]
        )
        if newest < stale_before:
            expected.add(lead_id)
    report = stale_leads(session, workspace=ws, now=past)
    touched_later = session.scalars(
        select(Lead.lead_id).where(Lead.workspace_id == ws.workspace_id, Lead.last_touch_at > past)
    ).all()
    assert expected & set(touched_later)  # stale then, touched since: the history path decides
    assert {item.lead_id for item in report.items} == expected
