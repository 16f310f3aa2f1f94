"""Follow-up drafts and hard stop 1: no message reaches a customer without owner review."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from secrets import token_hex
from typing import Any

import holidays
import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from core.db import make_engine, make_sessions
from core.drafts import (
    AUTO_SEND_ACTOR,
    ESTIMATE_SENT_TEXT,
    PROPOSAL_ACCEPTED_TEXT,
    DraftSender,
    SendOutcome,
    approve_draft,
    discard_draft,
    draft_follow_up,
    edit_draft,
    get_draft,
    mark_draft_sent,
    next_business_day,
    pending_drafts,
    send_draft,
)
from core.enums import (
    ContactPointKind,
    DraftChannel,
    DraftStatus,
    InteractionType,
    LeadStatus,
    OpportunityStage,
    Outcome,
    PipelineStage,
    PreferredChannel,
)
from core.errors import (
    ApprovalRequired,
    CRMError,
    InvalidInput,
    InvalidTransition,
    NotAnOwner,
    NotFound,
)
from core.models import (
    AuditEntry,
    Contact,
    ContactPoint,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Workspace,
    new_id,
)
from core.workspaces import WorkspaceDefaults, ensure_workspace, update_settings
from tests.conftest import (
    OWNER,
    STAFF,
    TEAM,
    drop_postgres_database,
    migrated_database_url,
)

# Wednesday 2026-11-25, 10:00 in New York; Thursday the 26th is Thanksgiving.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)

INQUIRY_FRIDAY = (
    "Hi Dana, just checking in after your call about leaky faucet at 123 Main. I'd love to set "
    "up a quick visit to take a look and give you a firm price. Are you available Friday, "
    "November 27 at 10am?"
)


# --- test data ------------------------------------------------------------------------------


def make_contact(
    session: Session,
    *,
    first: str = "Dana",
    last: str | None = "Smith",
    email: str | None = "dana@example.com",
    phone: str | None = "+15552013344",
    preferred: PreferredChannel | None = None,
    workspace_id: str = TEAM,
) -> Contact:
    contact = Contact(
        contact_id=new_id("ct"),
        workspace_id=workspace_id,
        first_name=first,
        last_name=last,
        preferred_channel=preferred,
        created_at=EARLIER,
    )
    points = []
    if phone:
        points.append(
            ContactPoint(workspace_id=workspace_id, kind=ContactPointKind.phone, value=phone)
        )
    if email:
        points.append(
            ContactPoint(
                workspace_id=workspace_id, kind=ContactPointKind.email, value=email, position=1
            )
        )
    contact.points = points
    session.add(contact)
    session.flush()
    return contact


def make_lead(
    session: Session,
    contact: Contact | None,
    *,
    title: str = "Leaky faucet at 123 Main",
    stage: PipelineStage = PipelineStage.inquiry,
    status: LeadStatus = LeadStatus.new,
    created_at: datetime = EARLIER,
    workspace_id: str = TEAM,
) -> Lead:
    lead = Lead(
        lead_id=new_id("ld"),
        workspace_id=workspace_id,
        title=title,
        source="phone_call",
        contact=contact,
        pipeline_stage=stage,
        status=status,
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(lead)
    session.flush()
    return lead


def make_opportunity(
    session: Session,
    contact: Contact,
    *,
    stage: OpportunityStage,
    lead: Lead | None = None,
    name: str = "Bathroom remodel",
) -> Opportunity:
    opportunity = Opportunity(
        opportunity_id=new_id("op"),
        workspace_id=TEAM,
        lead_id=lead.lead_id if lead else None,
        contact=contact,
        name=name,
        stage=stage,
        created_at=EARLIER,
        updated_at=EARLIER,
    )
    session.add(opportunity)
    session.flush()
    return opportunity


def log(
    session: Session,
    at: datetime,
    *,
    lead: Lead | None = None,
    contact: Contact | None = None,
    opportunity: Opportunity | None = None,
    outcome: Outcome = Outcome.none,
    body: str = "Talked it over",
    type: InteractionType = InteractionType.phone_call,
) -> Interaction:
    interaction = Interaction(
        interaction_id=new_id("ix"),
        workspace_id=TEAM,
        type=type,
        timestamp=at,
        contact_id=contact.contact_id if contact else None,
        lead_id=lead.lead_id if lead else None,
        opportunity_id=opportunity.opportunity_id if opportunity else None,
        outcome=outcome,
        body=body,
    )
    session.add(interaction)
    session.flush()
    return interaction


class RecordingSender:
    """A stand-in mailbox that remembers every draft it was asked to send."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[str, int, str]] = []
        self.fail_with = fail_with

    def send(self, draft: Draft) -> str:
        self.calls.append((draft.draft_id, draft.version, draft.body))
        if self.fail_with is not None:
            raise self.fail_with
        return f"msg-{len(self.calls)}"


def workspace(session: Session) -> Workspace:
    found = session.get(Workspace, TEAM)
    assert found is not None
    return found


def new_draft(session: Session, **kwargs: Any) -> Draft:
    lead = make_lead(session, make_contact(session))
    result = draft_follow_up(
        session=session,
        workspace=workspace(session),
        actor=STAFF,
        lead_id=lead.lead_id,
        now=NOW,
        **kwargs,
    )
    return result.draft


def approve(
    session: Session, draft_id: str, version: int = 1, *, actor: str = OWNER, now: datetime = NOW
) -> Draft:
    return approve_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        draft_id=draft_id,
        version=version,
        now=now,
    )


def edit(
    session: Session, draft_id: str, body: str, *, subject: str | None = None, actor: str = OWNER
) -> Draft:
    return edit_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        draft_id=draft_id,
        body=body,
        subject=subject,
        now=NOW,
    )


def discard(session: Session, draft_id: str, *, actor: str = OWNER) -> Draft:
    return discard_draft(
        session=session, workspace=workspace(session), actor=actor, draft_id=draft_id, now=NOW
    )


def send(
    session: Session,
    draft_id: str,
    sender: DraftSender,
    *,
    actor: str = OWNER,
    now: datetime = NOW,
) -> SendOutcome:
    return send_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        draft_id=draft_id,
        sender=sender,
        now=now,
    )


def mark_sent(session: Session, draft_id: str, *, actor: str = OWNER) -> SendOutcome:
    return mark_draft_sent(
        session=session, workspace=workspace(session), actor=actor, draft_id=draft_id, now=NOW
    )


def audit_actions(session: Session, draft_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(AuditEntry.actor, AuditEntry.action)
        .where(AuditEntry.entity_type == "drafts", AuditEntry.entity_id == draft_id)
        .order_by(AuditEntry.id)
    )
    return [(actor, action) for actor, action in rows]


def outbound_count(session: Session, lead_id: str | None) -> int:
    return session.execute(
        select(func.count())
        .select_from(Interaction)
        .where(
            Interaction.lead_id == lead_id,
            Interaction.type.in_([InteractionType.email_outbound, InteractionType.sms]),
        )
    ).scalar_one()


def draft_count(session: Session) -> int:
    query = select(func.count()).select_from(Draft).where(Draft.workspace_id == TEAM)
    return session.execute(query).scalar_one()


# --- tone and texts -------------------------------------------------------------------------


def test_the_calendar_has_thanksgiving_but_not_the_day_after() -> None:
    us_2026 = holidays.country_holidays("US", years=2026, observed=True)
    assert date(2026, 11, 26) in us_2026
    assert date(2026, 11, 27) not in us_2026


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 25), date(2026, 11, 27)),  # Wed: skip Thanksgiving, Friday is worked
        (date(2026, 11, 27), date(2026, 11, 30)),  # Fri: skip the weekend
        (date(2026, 12, 24), date(2026, 12, 28)),  # Thu: skip Christmas and the weekend
        (date(2026, 7, 2), date(2026, 7, 6)),  # Thu: skip Jul 3 (July 4th observed) + weekend
    ],
)
def test_next_business_day_skips_weekends_and_holidays(today: date, expected: date) -> None:
    assert next_business_day(today, "US") == expected


def test_inquiry_draft_suggests_the_next_business_day(session: Session, workspace_id: str) -> None:
    contact = make_contact(session)
    lead = make_lead(session, contact)
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    draft = result.draft
    assert result.tone == "inquiry"
    assert draft.body == INQUIRY_FRIDAY
    assert (draft.channel, draft.recipient) == (DraftChannel.email, "dana@example.com")
    assert draft.subject == "Following up: Leaky faucet at 123 Main"
    assert (draft.status, draft.version, draft.requested_by) == (
        DraftStatus.pending_approval,
        1,
        STAFF,
    )
    assert (draft.lead_id, draft.contact_id, draft.opportunity_id) == (
        lead.lead_id,
        contact.contact_id,
        None,
    )
    assert draft.approved_by is None and draft.sent_at is None
    assert result.contact_name == "Dana Smith"
    assert result.needs_owner_review is True
    assert result.last_touchpoint is None
    assert audit_actions(session, draft.draft_id) == [(STAFF, "draft_follow_up")]


def test_suggested_day_uses_the_workspace_date_and_skips_the_weekend(
    session: Session, workspace_id: str
) -> None:
    lead = make_lead(session, make_contact(session), stage=PipelineStage.needs_analysis)
    ws = workspace(session)
    # 22:00 Monday in New York is already Tuesday in UTC: the local Monday counts.
    monday_night = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    body = draft_follow_up(
        session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=monday_night
    ).draft.body
    assert body.endswith("Are you available Tuesday, November 24 at 10am?")
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    body = draft_follow_up(
        session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=friday
    ).draft.body
    assert body.endswith("Are you available Monday, November 30 at 10am?")


def test_estimate_sent_names_the_day_the_estimate_went_out(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    lead = make_lead(session, contact, stage=PipelineStage.estimate_sent, status=LeadStatus.working)
    # 21:00 on Nov 20 in New York (Nov 21 in UTC), then a later note that is not the estimate.
    log(session, datetime(2026, 11, 21, 2, 0, tzinfo=UTC), lead=lead, outcome=Outcome.sent_proposal)
    log(session, datetime(2026, 11, 23, 15, 0, tzinfo=UTC), contact=contact, body="Asked re tile")
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert result.tone == "estimate_sent"
    assert result.draft.body == (
        "Hi Dana, just following up on the estimate I sent over on November 20. Do you have any "
        "questions, or would you like to move forward? Happy to talk through it if helpful."
    )
    touch = result.last_touchpoint
    assert touch is not None
    assert (touch.timestamp, touch.type, touch.summary) == (
        datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        InteractionType.phone_call,
        "Asked re tile",
    )


def test_estimate_date_falls_back_to_the_last_step_on_the_lead(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    lead = make_lead(session, contact, stage=PipelineStage.follow_up, status=LeadStatus.working)
    log(session, datetime(2026, 11, 12, 15, 0, tzinfo=UTC), lead=lead, type=InteractionType.system)
    log(session, datetime(2026, 11, 18, 15, 0, tzinfo=UTC), lead=lead, type=InteractionType.system)
    body = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert body == ESTIMATE_SENT_TEXT.format(name="Dana", date="November 18")


def test_estimate_date_with_no_history_is_when_the_lead_last_changed(
    session: Session, workspace_id: str
) -> None:
    lead = make_lead(session, make_contact(session), stage=PipelineStage.estimate_sent)
    body = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert "the estimate I sent over on November 1." in body


def test_opportunity_with_proposal_out_gets_the_estimate_tone(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    opportunity = make_opportunity(session, contact, stage=OpportunityStage.proposal_sent)
    log(
        session,
        datetime(2026, 11, 10, 15, 0, tzinfo=UTC),
        opportunity=opportunity,
        outcome=Outcome.sent_proposal,
    )
    result = draft_follow_up(
        session=session,
        workspace=workspace(session),
        actor=STAFF,
        opportunity_id=opportunity.opportunity_id,
        now=NOW,
    )
    assert result.tone == "estimate_sent"
    assert result.draft.body == ESTIMATE_SENT_TEXT.format(name="Dana", date="November 10")
    assert result.draft.subject == "Following up: Bathroom remodel"
    assert result.draft.opportunity_id == opportunity.opportunity_id


def test_scheduled_opportunity_gets_the_accepted_tone(session: Session, workspace_id: str) -> None:
    opportunity = make_opportunity(session, make_contact(session), stage=OpportunityStage.scheduled)
    result = draft_follow_up(
        session=session,
        workspace=workspace(session),
        actor=STAFF,
        opportunity_id=opportunity.opportunity_id,
        now=NOW,
    )
    assert result.tone == "proposal_accepted"
    assert result.draft.body == (
        "Great news — I have you on my list to get scheduled. I'll reach out shortly with "
        "available dates. Looking forward to it."
    )


def test_lead_whose_latest_proposal_news_is_acceptance_gets_the_accepted_tone(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    lead = make_lead(session, contact, stage=PipelineStage.estimate_sent, status=LeadStatus.working)
    log(
        session, datetime(2026, 11, 10, 15, 0, tzinfo=UTC), lead=lead, outcome=Outcome.sent_proposal
    )
    log(
        session,
        datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        lead=lead,
        outcome=Outcome.accepted_proposal,
    )
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert (result.tone, result.draft.body) == ("proposal_accepted", PROPOSAL_ACCEPTED_TEXT)


def test_acceptance_on_another_lead_of_the_same_contact_does_not_count(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    old_job = make_lead(session, contact, title="Old job")
    log(
        session,
        datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
        lead=old_job,
        contact=contact,
        outcome=Outcome.accepted_proposal,
    )
    lead = make_lead(session, contact, created_at=datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert (result.tone, result.draft.body) == ("inquiry", INQUIRY_FRIDAY)
    assert result.last_touchpoint is not None  # the contact's history still shows for context


def test_converted_lead_follows_its_opportunity(session: Session, workspace_id: str) -> None:
    contact = make_contact(session)
    lead = make_lead(session, contact, status=LeadStatus.converted)
    opportunity = make_opportunity(session, contact, stage=OpportunityStage.won, lead=lead)
    lead.converted_opportunity_id = opportunity.opportunity_id
    session.flush()
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert result.tone == "proposal_accepted"
    assert (result.draft.lead_id, result.draft.opportunity_id) == (
        lead.lead_id,
        opportunity.opportunity_id,
    )


def test_quotes_and_emoji_pass_through_unchanged(session: Session, workspace_id: str) -> None:
    contact = make_contact(session, first="Zoë 😀", last="O'Brien", email="zoe@example.com")
    lead = make_lead(session, contact, title="HVAC \"tune-up\" 🛠 at O'Brien's")
    draft = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft
    assert draft.body.startswith(
        "Hi Zoë 😀, just checking in after your call about HVAC \"tune-up\" 🛠 at O'Brien's. "
    )
    assert draft.subject == "Following up: HVAC \"tune-up\" 🛠 at O'Brien's"


# --- channel and recipient ------------------------------------------------------------------


def test_preferred_channel_sms_texts_the_primary_phone(session: Session, workspace_id: str) -> None:
    contact = make_contact(session, preferred=PreferredChannel.sms)
    lead = make_lead(session, contact)
    draft = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft
    assert (draft.channel, draft.recipient, draft.subject) == (
        DraftChannel.sms,
        "+15552013344",
        None,
    )


def test_no_email_means_sms_and_an_explicit_channel_wins(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session, email=None)
    lead = make_lead(session, contact)
    ws = workspace(session)
    draft = draft_follow_up(
        session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft
    assert (draft.channel, draft.recipient) == (DraftChannel.sms, "+15552013344")
    draft = draft_follow_up(
        session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, channel="phone", now=NOW
    ).draft
    assert (draft.channel, draft.recipient) == (DraftChannel.phone, "+15552013344")


@pytest.mark.parametrize(
    ("contact_kwargs", "channel", "field", "message"),
    [
        ({"email": None}, "email", "channel", "Dana Smith has no email address on file."),
        ({}, "fax", "channel", "'fax' is not a channel; choose email, sms or phone."),
        (
            {"email": None, "phone": None},
            None,
            "contact",
            "Dana Smith has no phone or email on file; add one to follow up.",
        ),
    ],
)
def test_bad_channel_or_unreachable_contact_writes_nothing(
    session: Session,
    workspace_id: str,
    contact_kwargs: dict[str, Any],
    channel: str | None,
    field: str,
    message: str,
) -> None:
    lead = make_lead(session, make_contact(session, **contact_kwargs))
    with pytest.raises(InvalidInput) as error:
        draft_follow_up(
            session=session,
            workspace=workspace(session),
            actor=STAFF,
            lead_id=lead.lead_id,
            channel=channel,
            now=NOW,
        )
    assert (error.value.field, error.value.message) == (field, message)
    assert draft_count(session) == 0


def test_disqualified_lead_lost_deal_and_unknown_ids_are_refused(
    session: Session, workspace_id: str
) -> None:
    contact = make_contact(session)
    ws = workspace(session)
    dead = make_lead(session, contact, status=LeadStatus.disqualified)
    lost = make_opportunity(session, contact, stage=OpportunityStage.lost)
    no_contact = make_lead(session, None)
    with pytest.raises(InvalidTransition):
        draft_follow_up(session=session, workspace=ws, actor=OWNER, lead_id=dead.lead_id, now=NOW)
    with pytest.raises(InvalidTransition):
        draft_follow_up(
            session=session, workspace=ws, actor=OWNER, opportunity_id=lost.opportunity_id, now=NOW
        )
    with pytest.raises(InvalidInput) as error:
        draft_follow_up(
            session=session, workspace=ws, actor=OWNER, lead_id=no_contact.lead_id, now=NOW
        )
    assert error.value.field == "contact"
    with pytest.raises(NotFound):
        draft_follow_up(session=session, workspace=ws, actor=OWNER, lead_id="ld_nope", now=NOW)
    with pytest.raises(InvalidInput):
        draft_follow_up(session=session, workspace=ws, actor=OWNER, now=NOW)
    assert draft_count(session) == 0


# --- hard stop 1: approval ------------------------------------------------------------------


def test_staff_cannot_approve_edit_or_discard(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    with pytest.raises(NotAnOwner):
        approve(session, draft.draft_id, 1, actor=STAFF)
    with pytest.raises(NotAnOwner):
        edit(session, draft.draft_id, "Hi", actor=STAFF)
    with pytest.raises(NotAnOwner):
        discard(session, draft.draft_id, actor=STAFF)
    again = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (again.status, again.version, again.approved_by, again.body) == (
        DraftStatus.pending_approval,
        1,
        None,
        INQUIRY_FRIDAY,
    )
    assert audit_actions(session, draft.draft_id) == [(STAFF, "draft_follow_up")]


def test_send_before_approval_never_reaches_the_sender(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    sender = RecordingSender()
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, sender)
    with pytest.raises(ApprovalRequired):
        mark_sent(session, draft.draft_id)
    assert sender.calls == []
    assert get_draft(session, workspace=workspace(session), draft_id=draft.draft_id).status == (
        DraftStatus.pending_approval
    )
    assert outbound_count(session, draft.lead_id) == 0


def test_an_edit_after_approval_needs_a_new_approval(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    sender = RecordingSender()
    approve(session, draft.draft_id)
    edited = edit_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        body="Hi Dana, how about Monday?",
        subject="Visit",
        now=NOW,
    )
    assert (edited.version, edited.status, edited.approved_by, edited.approved_version) == (
        2,
        DraftStatus.pending_approval,
        None,
        None,
    )
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, sender)
    # The Approve button the owner saw before the edit still says version 1.
    with pytest.raises(ApprovalRequired) as stale:
        approve(session, draft.draft_id)
    assert stale.value.message == "The draft changed since you saw it; review the new version."
    assert get_draft(session, workspace=ws, draft_id=draft.draft_id).status == (
        DraftStatus.pending_approval
    )
    assert sender.calls == []
    approve(session, draft.draft_id, 2)
    outcome = send(session, draft.draft_id, sender)
    assert outcome.sent
    assert sender.calls == [(draft.draft_id, 2, "Hi Dana, how about Monday?")]


def test_double_approve_and_double_send_send_once(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    sender = RecordingSender()
    later = NOW + timedelta(minutes=5)
    first = approve(session, draft.draft_id)
    second = approve(session, draft.draft_id, 1, actor=OWNER, now=later)
    assert (second.status, second.approved_by, second.approved_at, second.approved_version) == (
        DraftStatus.approved,
        OWNER,
        NOW,
        1,
    )
    assert first is second
    one = send(session, draft.draft_id, sender, actor=OWNER, now=later)
    two = send(session, draft.draft_id, sender, actor=OWNER, now=later)
    assert (one.sent, one.already_sent, two.sent, two.already_sent) == (True, False, False, True)
    assert len(sender.calls) == 1
    assert outbound_count(session, draft.lead_id) == 1
    assert (one.draft.sent_message_id, one.draft.sent_at, one.draft.sent_by) == (
        "msg-1",
        later,
        OWNER,
    )
    interaction = one.interaction
    assert interaction is not None
    assert (interaction.type, interaction.body, interaction.subject, interaction.timestamp) == (
        InteractionType.email_outbound,
        INQUIRY_FRIDAY,
        "Following up: Leaky faucet at 123 Main",
        later,
    )
    assert (interaction.contact_id, interaction.lead_id) == (draft.contact_id, draft.lead_id)
    assert audit_actions(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (OWNER, "approve_draft"),
        (OWNER, "send_draft"),
    ]


def test_approving_sent_or_discarded_drafts_is_refused(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    draft = new_draft(session)
    discard(session, draft.draft_id)
    with pytest.raises(InvalidTransition):
        approve(session, draft.draft_id)
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, RecordingSender())
    with pytest.raises(InvalidTransition):
        edit(session, draft.draft_id, "x")
    kept = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert kept.status == DraftStatus.discarded  # kept, never deleted

    sent = new_draft(session)
    approve(session, sent.draft_id)
    send(session, sent.draft_id, RecordingSender())
    with pytest.raises(InvalidTransition):
        approve(session, sent.draft_id)
    with pytest.raises(InvalidTransition):
        discard(session, sent.draft_id)
    with pytest.raises(InvalidTransition):
        edit(session, sent.draft_id, "x")
    assert get_draft(session, workspace=ws, draft_id=sent.draft_id).status == DraftStatus.sent


@pytest.mark.parametrize(
    ("body", "subject", "field"),
    [
        ("", None, "body"),
        ("   ", None, "body"),
        ("x" * 10001, None, "body"),
        ("ok", "s" * 501, "subject"),
    ],
)
def test_bad_edits_change_nothing(
    session: Session, workspace_id: str, body: str, subject: str | None, field: str
) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    approve(session, draft.draft_id)
    with pytest.raises(InvalidInput) as error:
        edit(session, draft.draft_id, body, subject=subject)
    assert error.value.field == field
    again = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (again.version, again.status, again.body) == (1, DraftStatus.approved, INQUIRY_FRIDAY)


def test_ten_thousand_characters_with_emoji_is_a_valid_edit(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    body = 'Hi Dana 😀 "quoted" it\'s ' + "x" * (10000 - 24)
    assert len(body) == 10000
    edited = edit(session, draft.draft_id, body)
    session.expire_all()
    assert get_draft(session, workspace=workspace(session), draft_id=draft.draft_id).body == body
    assert edited.version == 2


def test_a_failed_send_is_recorded_and_needs_a_fresh_approval(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    failing = RecordingSender(fail_with=CRMError("Gmail says the mailbox is over quota."))
    approve(session, draft.draft_id)
    outcome = send(session, draft.draft_id, failing)
    assert (outcome.failed, outcome.sent, outcome.error) == (
        True,
        False,
        "Gmail says the mailbox is over quota.",
    )
    stored = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (stored.status, stored.error, stored.sent_at) == (
        DraftStatus.failed,
        "Gmail says the mailbox is over quota.",
        None,
    )
    assert outbound_count(session, draft.lead_id) == 0
    retry = RecordingSender()
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, retry)
    approve(session, draft.draft_id)
    assert send(session, draft.draft_id, retry).sent
    assert len(retry.calls) == 1 and len(failing.calls) == 1
    assert [action for _, action in audit_actions(session, draft.draft_id)] == [
        "draft_follow_up",
        "approve_draft",
        "send_failed",
        "approve_draft",
        "send_draft",
    ]


def test_an_unexpected_sender_error_is_recorded_too(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    approve(session, draft.draft_id)
    outcome = send_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        sender=RecordingSender(fail_with=TimeoutError("smtp timed out")),
        now=NOW,
    )
    assert outcome.error == "Sending failed: smtp timed out"
    assert outcome.draft.status == DraftStatus.failed


def test_phone_drafts_are_marked_sent_by_hand(session: Session, workspace_id: str) -> None:
    draft = new_draft(session, channel="phone")
    approve(session, draft.draft_id)
    sender = RecordingSender()
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, sender)
    one = mark_sent(session, draft.draft_id)
    two = mark_sent(session, draft.draft_id)
    assert (one.sent, two.already_sent, sender.calls) == (True, True, [])
    assert one.interaction is not None and one.interaction.type == InteractionType.phone_call
    calls = session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.lead_id == draft.lead_id)
    )
    assert calls == 1


def test_sms_marked_sent_logs_an_sms(session: Session, workspace_id: str) -> None:
    draft = new_draft(session, channel="sms")
    approve(session, draft.draft_id)
    outcome = mark_sent(session, draft.draft_id, actor=STAFF)
    assert outcome.interaction is not None
    assert (outcome.interaction.type, outcome.interaction.body, outcome.draft.status) == (
        InteractionType.sms,
        INQUIRY_FRIDAY,
        DraftStatus.sent,
    )


# --- auto-send ------------------------------------------------------------------------------


def test_auto_send_is_off_and_only_an_owner_can_turn_it_on(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    assert ws.auto_send is False
    assert new_draft_result_needs_review(session)
    with pytest.raises(NotAnOwner):
        update_settings(session, workspace=ws, actor=STAFF, changes={"auto_send": True})
    session.expire_all()
    assert workspace(session).auto_send is False


def new_draft_result_needs_review(session: Session) -> bool:
    lead = make_lead(session, make_contact(session))
    return draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).needs_owner_review


def test_with_auto_send_on_an_unapproved_draft_is_sent_once(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    update_settings(session, workspace=ws, actor=OWNER, changes={"auto_send": True})
    assert new_draft_result_needs_review(session) is False
    draft = new_draft(session)
    sender = RecordingSender()
    one = send(session, draft.draft_id, sender, actor="system:jobs")
    two = send(session, draft.draft_id, sender, actor="system:jobs")
    assert (one.sent, two.already_sent, len(sender.calls)) == (True, True, 1)
    assert (one.draft.approved_by, one.draft.approved_version) == (AUTO_SEND_ACTOR, 1)
    assert audit_actions(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        ("system:auto_send", "approve_draft"),
        ("system:jobs", "send_draft"),
    ]
    assert outbound_count(session, draft.lead_id) == 1


def test_auto_send_does_not_revive_a_discarded_draft(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    update_settings(session, workspace=ws, actor=OWNER, changes={"auto_send": True})
    draft = new_draft(session)
    discard(session, draft.draft_id)
    sender = RecordingSender()
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, sender)
    assert sender.calls == []


# --- exactly once under races ---------------------------------------------------------------


def test_a_claim_lost_between_read_and_update_does_not_send(
    session: Session, workspace_id: str
) -> None:
    """Another process sends the draft after we read it: our conditional UPDATE changes 0 rows."""
    draft = new_draft(session)
    approve(session, draft.draft_id)
    connection = session.connection()
    raced: list[str] = []

    def other_process_claims_first(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not raced and statement.lstrip().upper().startswith("UPDATE DRAFTS"):
            raced.append(statement)
            rival = cursor.connection.cursor()
            rival.execute(f"UPDATE drafts SET status = 'sent' WHERE draft_id = '{draft.draft_id}'")
            rival.close()

    event.listen(connection, "before_cursor_execute", other_process_claims_first)
    sender = RecordingSender()
    try:
        outcome = send(session, draft.draft_id, sender)
    finally:
        event.remove(connection, "before_cursor_execute", other_process_claims_first)
    assert raced and "status" in raced[0]
    assert (outcome.already_sent, outcome.sent, sender.calls) == (True, False, [])
    assert outbound_count(session, draft.lead_id) == 0


def test_a_claim_lost_to_an_edit_asks_for_review(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    approve(session, draft.draft_id)
    connection = session.connection()
    done: list[bool] = []

    def owner_edits_meanwhile(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not done and statement.lstrip().upper().startswith("UPDATE DRAFTS"):
            done.append(True)
            rival = cursor.connection.cursor()
            rival.execute(
                "UPDATE drafts SET version = 2, status = 'pending_approval' "
                f"WHERE draft_id = '{draft.draft_id}'"
            )
            rival.close()

    event.listen(connection, "before_cursor_execute", owner_edits_meanwhile)
    sender = RecordingSender()
    try:
        with pytest.raises(ApprovalRequired):
            send(session, draft.draft_id, sender)
    finally:
        event.remove(connection, "before_cursor_execute", owner_edits_meanwhile)
    assert sender.calls == []


@pytest.fixture
def private_engine(backend: str, tmp_path: Any) -> Iterator[Engine]:
    """A database of its own, so rows this test really commits are never seen by others."""
    url = migrated_database_url(backend, tmp_path, f"drafts_race_{os.getpid()}_{token_hex(3)}")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if backend == "postgres":
        drop_postgres_database(url)


def _committed_approved_draft(engine: Engine) -> tuple[str, str, str]:
    """Rows committed for real (permanent tables can't be cleaned up: the database is dropped)."""
    team = f"TC{token_hex(6)}"
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        ws = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        contact = make_contact(session, workspace_id=team)
        lead = make_lead(session, contact, workspace_id=team)
        draft = draft_follow_up(
            session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW
        ).draft
        approve_draft(
            session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1, now=NOW
        )
        return team, draft.draft_id, lead.lead_id


def _send_in_own_transaction(engine: Engine, team: str, draft_id: str, sender: Any) -> Any:
    with make_sessions(engine).begin() as session:
        ws = session.get(Workspace, team)
        assert ws is not None
        return send_draft(
            session=session, workspace=ws, actor=OWNER, draft_id=draft_id, sender=sender, now=NOW
        )


def _count_committed_outbound(engine: Engine, lead_id: str) -> int:
    with make_sessions(engine)() as session:
        return outbound_count(session, lead_id)


class BlockingSender(RecordingSender):
    """Holds the first send open until told to finish, so a rival can race it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def send(self, draft: Draft) -> str:
        message_id = super().send(draft)
        self.entered.set()
        assert self.release.wait(timeout=20)
        return message_id


def test_two_connections_sending_at_once_send_once(private_engine: Engine) -> None:
    """Two transactions on two connections race to send one approved, committed draft.

    On Postgres they run in two threads: the second one's claim UPDATE waits on the row lock
    the first holds while its sender runs, then finds the draft sent and changes 0 rows. SQLite
    has one writer at a time (a second writer with a stale snapshot gets SQLITE_BUSY), so
    there the second transaction simply runs after the first committed.
    """
    engine = private_engine
    team, draft_id, lead_id = _committed_approved_draft(engine)
    sender = BlockingSender()
    if engine.dialect.name != "postgresql":
        sender.release.set()
        first = _send_in_own_transaction(engine, team, draft_id, sender)
        second = _send_in_own_transaction(engine, team, draft_id, sender)
        outcomes = [first, second]
    else:
        outcomes = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                outcomes.append(_send_in_own_transaction(engine, team, draft_id, sender))
            except BaseException as error:  # surfaced by the asserts below
                errors.append(error)

        first_thread = threading.Thread(target=run)
        first_thread.start()
        assert sender.entered.wait(timeout=20)
        second_thread = threading.Thread(target=run)
        second_thread.start()
        _wait_until_a_backend_waits_on_a_lock(engine)
        sender.release.set()
        first_thread.join(timeout=30)
        second_thread.join(timeout=30)
        assert errors == []
    assert sorted((o.sent, o.already_sent) for o in outcomes) == [(False, True), (True, False)]
    assert len(sender.calls) == 1
    assert _count_committed_outbound(engine, lead_id) == 1


def _wait_until_a_backend_waits_on_a_lock(engine: Engine) -> None:
    deadline = time.monotonic() + 20
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second sender never waited on the first one's row lock")


# --- reading drafts -------------------------------------------------------------------------


def test_pending_drafts_lists_only_drafts_awaiting_review(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    first = new_draft(session)
    approved = new_draft(session)
    approve(session, approved.draft_id)
    discarded = new_draft(session)
    discard(session, discarded.draft_id)
    last = new_draft(session)
    last.created_at = NOW + timedelta(hours=1)
    session.flush()
    assert [d.draft_id for d in pending_drafts(session, workspace=ws)] == [
        first.draft_id,
        last.draft_id,
    ]


def test_drafts_of_another_workspace_are_not_found(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    other = ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    with pytest.raises(NotFound):
        get_draft(session, workspace=other, draft_id=draft.draft_id)
    with pytest.raises(NotFound):
        approve_draft(
            session=session,
            workspace=other,
            actor=OWNER,
            draft_id=draft.draft_id,
            version=1,
            now=NOW,
        )
    assert pending_drafts(session, workspace=other) == []


def _count_statements(session: Session, call: Any) -> int:
    connection = session.connection()
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)


def test_queries_are_set_based(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    contact = make_contact(session)
    small = make_lead(session, contact, stage=PipelineStage.estimate_sent)
    big = make_lead(session, contact, stage=PipelineStage.estimate_sent)
    log(session, EARLIER, lead=small, outcome=Outcome.sent_proposal)
    for day in range(1, 21):
        log(session, EARLIER + timedelta(days=day), lead=big, outcome=Outcome.sent_proposal)

    def draft_for(lead: Lead) -> None:
        draft_follow_up(session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW)

    draft_for(small)  # warm up: the workspace and contact are then loaded for both runs

    assert _count_statements(session, lambda: draft_for(small)) == _count_statements(
        session, lambda: draft_for(big)
    )
    one = _count_statements(session, lambda: pending_drafts(session, workspace=ws))
    for _ in range(5):
        new_draft(session)
    assert _count_statements(session, lambda: pending_drafts(session, workspace=ws)) == one
