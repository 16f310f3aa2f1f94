"""Interactions: links, vocabularies, follow-up dates in the workspace zone, follow-up changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.activity.service import (
    LOG_CALL_PROMPT,
    cancel_follow_up,
    complete_follow_up,
    log_call_with,
    log_interaction,
    reschedule_follow_up,
)
from core.common.enums import FollowUpStatus, InteractionType, LeadStatus, Outcome
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import AuditEntry, Interaction, Workspace
from core.workspaces.service import ensure_workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact, make_lead, make_opportunity

# Monday 2 March 2026, 10:00 in New York.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.workspace_id == TEAM)
        )
        or 0
    )


def test_a_call_on_a_contact_is_recorded_with_its_actor_and_audit(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    logged = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="phone_call",
        body="Wants a quote for the faucet.",
        contact_id=dana.contact_id,
        outcome="spoke",
        now=NOW,
    )
    assert (logged.type, logged.outcome) == (InteractionType.phone_call, Outcome.spoke)
    assert logged.body == "Wants a quote for the faucet."
    assert logged.timestamp == NOW and logged.logged_by == STAFF
    assert logged.follow_up_status == FollowUpStatus.none and logged.follow_up_date is None
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == logged.interaction_id)
    ).one()
    assert (audit.action, audit.actor) == ("log_interaction", STAFF)


def test_a_lead_brings_its_contact_and_an_opportunity_brings_both(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    lead = make_lead(session, TEAM, contact=dana)
    deal = make_opportunity(session, TEAM, lead=lead)
    on_lead = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="note",
        body="x",
        lead_id=lead.lead_id,
        now=NOW,
    )
    on_deal = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="note",
        body="y",
        opportunity_id=deal.opportunity_id,
        now=NOW,
    )
    assert (on_lead.contact_id, on_lead.lead_id) == (dana.contact_id, lead.lead_id)
    assert (on_deal.contact_id, on_deal.lead_id, on_deal.opportunity_id) == (
        dana.contact_id,
        lead.lead_id,
        deal.opportunity_id,
    )


def test_logging_a_call_does_not_move_a_new_lead(session: Session, ws: Workspace) -> None:
    lead = make_lead(session, TEAM, contact=make_contact(session, TEAM))
    log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="meeting",
        body="Site visit",
        lead_id=lead.lead_id,
        now=NOW,
    )
    assert lead.status == LeadStatus.new


def test_an_interaction_needs_a_link(session: Session, ws: Workspace) -> None:
    with pytest.raises(InvalidInput, match="contact, a lead or an opportunity") as refused:
        log_interaction(session=session, workspace=ws, actor=STAFF, type="note", body="x", now=NOW)
    assert refused.value.field == "contact"
    assert _count(session) == 0


def test_links_must_be_in_this_workspace(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    stranger = make_contact(session, "T0OTHER")
    links: dict[str, Any]
    for links in (
        {"contact_id": stranger.contact_id},
        {"contact_id": "ct_missing"},
        {"lead_id": "ld_missing"},
        {"opportunity_id": "op_missing"},
    ):
        with pytest.raises(NotFound):
            log_interaction(
                session=session,
                workspace=ws,
                actor=STAFF,
                type="note",
                body="x",
                now=NOW,
                **links,
            )
    assert _count(session) == 0


def test_a_lead_of_another_contact_is_refused(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    lee = make_contact(session, TEAM, first_name="Lee", last_name="Park")
    lead = make_lead(session, TEAM, contact=lee)
    with pytest.raises(InvalidInput, match="another contact"):
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            type="note",
            body="x",
            contact_id=dana.contact_id,
            lead_id=lead.lead_id,
            now=NOW,
        )
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("field", "value", "listed"),
    [
        ("type", "fax", "phone_call, email_inbound, email_outbound, sms, meeting, note, system"),
        ("outcome", "great", "none, left_voicemail, spoke, no_show, rescheduled"),
    ],
)
def test_unknown_choices_are_refused_with_the_allowed_values(
    session: Session, ws: Workspace, field: str, value: str, listed: str
) -> None:
    dana = make_contact(session, TEAM)
    arguments: dict[str, Any] = {"type": "note", "outcome": "none", field: value}
    with pytest.raises(InvalidInput) as refused:
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            body="x",
            contact_id=dana.contact_id,
            now=NOW,
            **arguments,
        )
    assert refused.value.field == field
    assert f"'{value}'" in refused.value.message and listed in refused.value.message
    assert _count(session) == 0


def test_choices_read_the_way_people_type_them(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    logged = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="Phone Call",
        body="x",
        contact_id=dana.contact_id,
        outcome="left voicemail",
        now=NOW,
    )
    assert (logged.type, logged.outcome) == (InteractionType.phone_call, Outcome.left_voicemail)


def test_ten_kilobytes_of_text_is_refused_and_quotes_and_emoji_are_kept(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    with pytest.raises(
        InvalidInput, match="The summary is 10,240 characters; keep it to 10,000."
    ) as big:
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            type="note",
            body="x" * 10_240,
            contact_id=dana.contact_id,
            now=NOW,
        )
    assert big.value.field == "body"
    with pytest.raises(InvalidInput) as long_subject:
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            type="note",
            body="x",
            subject="s" * 501,
            contact_id=dana.contact_id,
            now=NOW,
        )
    assert long_subject.value.field == "subject"
    assert _count(session) == 0
    kept = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="note",
        body='She said "call me after 5" 🚿',
        subject="O'Brien's faucet 💧",
        contact_id=dana.contact_id,
        now=NOW,
    )
    session.expire_all()
    again = session.get(Interaction, kept.interaction_id)
    assert again is not None
    assert (again.body, again.subject) == ('She said "call me after 5" 🚿', "O'Brien's faucet 💧")


def test_a_follow_up_date_makes_it_pending_and_a_past_one_is_refused(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    # 03:00 UTC on 2 March is still 1 March (22:00) in New York: 1 March is "today".
    late_evening = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    today = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="phone_call",
        body="x",
        contact_id=dana.contact_id,
        follow_up_date=date(2026, 3, 1),
        now=late_evening,
    )
    assert today.follow_up_status == FollowUpStatus.pending
    with pytest.raises(InvalidInput, match="2026-02-28 is in the past") as refused:
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            type="phone_call",
            body="x",
            contact_id=dana.contact_id,
            follow_up_date=date(2026, 2, 28),
            now=late_evening,
        )
    assert refused.value.field == "follow_up_date"
    assert _count(session) == 1


def test_a_timestamp_without_a_zone_is_refused(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    with pytest.raises(InvalidInput) as refused:
        log_interaction(
            session=session,
            workspace=ws,
            actor=STAFF,
            type="note",
            body="x",
            contact_id=dana.contact_id,
            timestamp=datetime(2026, 3, 1, 9, 0),
            now=NOW,
        )
    assert refused.value.field == "timestamp"


def _pending(session: Session, ws: Workspace) -> Interaction:
    dana = make_contact(session, TEAM)
    return log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="phone_call",
        body="Call back",
        contact_id=dana.contact_id,
        follow_up_date=date(2026, 3, 4),
        now=NOW,
    )


def test_complete_and_cancel_a_follow_up(session: Session, ws: Workspace) -> None:
    first, second = _pending(session, ws), _pending(session, ws)
    complete_follow_up(
        session=session, workspace=ws, actor=STAFF, interaction_id=first.interaction_id
    )
    cancel_follow_up(
        session=session, workspace=ws, actor=STAFF, interaction_id=second.interaction_id
    )
    assert first.follow_up_status == FollowUpStatus.completed
    assert second.follow_up_status == FollowUpStatus.canceled
    with pytest.raises(InvalidTransition, match="already completed"):
        complete_follow_up(
            session=session, workspace=ws, actor=STAFF, interaction_id=first.interaction_id
        )
    with pytest.raises(InvalidTransition, match="already canceled"):
        reschedule_follow_up(
            session=session,
            workspace=ws,
            actor=STAFF,
            interaction_id=second.interaction_id,
            new_date=date(2026, 3, 9),
            now=NOW,
        )
    assert _count(session) == 2  # the interactions themselves stay


def test_reschedule_keeps_the_row_and_the_audit_shows_the_old_date(
    session: Session, ws: Workspace
) -> None:
    pending = _pending(session, ws)
    moved = reschedule_follow_up(
        session=session,
        workspace=ws,
        actor=STAFF,
        interaction_id=pending.interaction_id,
        new_date=date(2026, 3, 9),
        now=NOW,
    )
    assert moved.interaction_id == pending.interaction_id
    assert (moved.follow_up_date, moved.follow_up_status) == (
        date(2026, 3, 9),
        FollowUpStatus.pending,
    )
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.workspace_id == TEAM, AuditEntry.action == "reschedule_follow_up"
        )
    ).one()
    assert audit.before is not None and audit.after is not None
    assert (audit.before["follow_up_date"], audit.after["follow_up_date"]) == (
        "2026-03-04",
        "2026-03-09",
    )
    with pytest.raises(InvalidInput) as refused:
        reschedule_follow_up(
            session=session,
            workspace=ws,
            actor=STAFF,
            interaction_id=pending.interaction_id,
            new_date=date(2026, 3, 1),
            now=NOW,
        )
    assert refused.value.field == "follow_up_date"
    assert moved.follow_up_date == date(2026, 3, 9)


def test_a_note_without_follow_up_cannot_be_completed(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    note = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="note",
        body="x",
        contact_id=dana.contact_id,
        now=NOW,
    )
    with pytest.raises(InvalidTransition, match="no follow-up"):
        complete_follow_up(
            session=session, workspace=ws, actor=STAFF, interaction_id=note.interaction_id
        )


def test_log_a_call_links_the_newest_open_lead(session: Session, ws: Workspace) -> None:
    assert LOG_CALL_PROMPT == "How did it go? Any next steps or follow-up needed?"
    dana = make_contact(session, TEAM)
    older = make_lead(session, TEAM, contact=dana, created_at=datetime(2026, 1, 5, tzinfo=UTC))
    newer = make_lead(session, TEAM, contact=dana, created_at=datetime(2026, 2, 5, tzinfo=UTC))
    make_lead(
        session,
        TEAM,
        contact=dana,
        status=LeadStatus.converted,
        created_at=datetime(2026, 2, 20, tzinfo=UTC),
    )
    call = log_call_with(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        summary="Wants the estimate by Friday",
        follow_up_date=date(2026, 3, 6),
        outcome="spoke",
        now=NOW,
    )
    assert (call.type, call.contact_id, call.lead_id) == (
        InteractionType.phone_call,
        dana.contact_id,
        newer.lead_id,
    )
    assert call.lead_id != older.lead_id
    assert (call.follow_up_date, call.follow_up_status) == (
        date(2026, 3, 6),
        FollowUpStatus.pending,
    )


def test_log_a_call_without_open_leads_or_summary(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    call = log_call_with(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        summary="Just saying hi",
        follow_up_date=None,
        outcome="spoke",
        now=NOW,
    )
    assert call.lead_id is None and call.follow_up_status == FollowUpStatus.none
    with pytest.raises(InvalidInput) as refused:
        log_call_with(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=dana.contact_id,
            summary="   ",
            follow_up_date=None,
            outcome="spoke",
            now=NOW,
        )
    assert refused.value.field == "summary"
    with pytest.raises(NotFound):
        log_call_with(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id="ct_nobody",
            summary="x",
            follow_up_date=None,
            outcome="spoke",
            now=NOW,
        )
    assert _count(session) == 1
