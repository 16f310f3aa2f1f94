"""Every way an interaction is written keeps a summary of a long body (`ai_summary`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.activity.service import log_interaction
from core.activity.summaries import summarize_extractively
from core.common.enums import InteractionType
from core.leads.web_form import FormPost, read_form_fields, rotate_form_token, submit_web_form
from core.mailbox.inbound import record_inbound_email
from core.models import Interaction, new_id
from core.ports import InboundEmail
from core.transfer.document_import import import_document
from core.workspaces.service import get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.activity.test_summaries import ESTIMATE_REPLY, NOTE, QUOTE_REQUEST
from tests.core.factories import make_contact

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_a_long_note_logged_gets_its_summary_and_a_short_one_none(
    session: Session, workspace_id: str
) -> None:
    workspace = get_workspace(session, TEAM)
    dana = make_contact(session, TEAM, "Dana", "Smith")
    long, short = (
        log_interaction(
            session=session,
            workspace=workspace,
            actor=STAFF,
            type=InteractionType.note,
            body=body,
            contact_id=dana.contact_id,
            now=NOW,
        )
        for body in (NOTE, "Wants a quote, call back Friday.")
    )
    assert long.ai_summary == (
        "Next step: send the revised estimate of $1,800 by Friday so the owner can sign off at "
        "the Monday meeting."
    )
    assert short.ai_summary is None


def test_an_inbound_email_from_a_customer_is_summarised(
    session: Session, workspace_id: str
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
    email = InboundEmail(
        message_id="m-1",
        thread_id=None,
        rfc_message_id=None,
        from_address="dana@example.com",
        from_name="Dana Smith",
        subject="Re: your estimate",
        body=ESTIMATE_REPLY,
        received_at=NOW,
        automated=False,
    )
    record_inbound_email(
        session=session,
        workspace_id=TEAM,
        email=email,
        mailbox_address="bob@example.com",
        now=NOW,
    )
    row = session.scalars(
        select(Interaction).where(Interaction.contact_id == dana.contact_id)
    ).one()
    assert row.ai_summary == (
        "The total of $4,250 is a bit more than we had budgeted, though. "
        "Can you call me to talk through the options?"
    )


def test_a_web_form_message_is_summarised(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with sessions.begin() as session:
        workspace = rotate_form_token(
            session=session, workspace=get_workspace(session, TEAM), actor=OWNER, now=NOW
        )
        fields = {"name": "Rita Moreno", "phone": "555-777-0101", "message": QUOTE_REQUEST}
        result = submit_web_form(
            session=session,
            workspace=workspace,
            post=FormPost(read_form_fields(fields), "203.0.113.7"),
            now=NOW,
        )
        row = session.scalars(
            select(Interaction).where(Interaction.lead_id == result.lead_id)
        ).one()
        assert row.ai_summary == (
            "Could you come out Thursday morning to take a look and give us a quote?"
        )


def test_an_import_keeps_a_given_summary_and_writes_a_missing_one(
    session: Session, workspace_id: str
) -> None:
    stamp = NOW.isoformat()
    contact_id = new_id("ct")

    def interaction(body: str, summary: str | None) -> dict[str, object]:
        return {
            "interaction_id": new_id("ix"),
            "type": "note",
            "timestamp": stamp,
            "contact_id": contact_id,
            "lead_id": None,
            "opportunity_id": None,
            "subject": None,
            "body": body,
            "outcome": "none",
            "follow_up_date": None,
            "follow_up_status": "none",
            "ai_summary": summary,
            "created_at": stamp,
            "updated_at": stamp,
        }

    document = {
        "contacts": [
            {
                "contact_id": contact_id,
                "first_name": "Dana",
                "last_name": "Smith",
                "phones": [],
                "emails": ["dana@example.com"],
                "company_id": None,
                "address": None,
                "lifecycle_stage": "prospect",
                "preferred_channel": None,
                "tags": [],
                "notes": None,
                "quickbooks_customer_id": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
        ],
        "companies": [],
        "leads": [],
        "interactions": [interaction(NOTE, None), interaction(ESTIMATE_REPLY, "Kept as given.")],
        "opportunities": [],
    }
    import_document(
        session=session, workspace=get_workspace(session, TEAM), actor="cli", document=document
    )
    summaries = set(
        session.scalars(select(Interaction.ai_summary).where(Interaction.contact_id == contact_id))
    )
    assert summaries == {summarize_extractively(NOTE), "Kept as given."}
