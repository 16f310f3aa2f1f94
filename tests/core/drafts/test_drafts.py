"""Follow-up drafts in the procedure's three tones: the text, the channel, what is refused.

Approving and sending them (hard stop 1) is tests/core/test_draft_review.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import (
    DraftChannel,
    DraftStatus,
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    OpportunityStage,
    Outcome,
    PipelineStage,
    PreferredChannel,
)
from core.contacts.search import open_leads_for_person
from core.drafts.compose import (
    ESTIMATE_SENT_TEXT,
    PROPOSAL_ACCEPTED_TEXT,
    draft_follow_up,
    next_business_day,
)
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import Contact, Draft, Interaction, Lead, Opportunity, Workspace
from core.workspaces.service import get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import (
    audit_trail,
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
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


def reachable(session: Session, **fields: Any) -> Contact:
    """Dana Smith with a phone and an email, on file since EARLIER."""
    fields.setdefault("phones", ["+15552013344"])
    fields.setdefault("emails", ["dana@example.com"])
    fields.setdefault("created_at", EARLIER)
    return make_contact(session, TEAM, **fields)


def job(session: Session, contact: Contact | None, **fields: Any) -> Lead:
    """A lead of the contact, opened EARLIER."""
    fields.setdefault("created_at", EARLIER)
    return make_lead(session, TEAM, contact, **fields)


def deal(session: Session, contact: Contact, **fields: Any) -> Opportunity:
    """A deal of the contact, opened EARLIER."""
    fields.setdefault("name", "Bathroom remodel")
    fields.setdefault("created_at", EARLIER)
    return make_opportunity(session, TEAM, contact, **fields)


def log(
    session: Session,
    at: datetime,
    *,
    body: str = "Talked it over",
    type: InteractionType = InteractionType.phone_call,
    **fields: Any,
) -> Interaction:
    """A phone call (by default) at `at`, linked to what `fields` name."""
    return make_interaction(session, TEAM, type=type, body=body, timestamp=at, **fields)


def workspace(session: Session) -> Workspace:
    return get_workspace(session, TEAM)


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
    contact = reachable(session)
    lead = job(session, contact)
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
    assert audit_trail(session, draft.draft_id) == [(STAFF, "draft_follow_up")]


def test_suggested_day_uses_the_workspace_date_and_skips_the_weekend(
    session: Session, workspace_id: str
) -> None:
    lead = job(session, reachable(session), pipeline_stage=PipelineStage.needs_analysis)
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
    contact = reachable(session)
    lead = job(
        session, contact, pipeline_stage=PipelineStage.estimate_sent, status=LeadStatus.working
    )
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
    contact = reachable(session)
    lead = job(session, contact, pipeline_stage=PipelineStage.follow_up, status=LeadStatus.working)
    log(session, datetime(2026, 11, 12, 15, 0, tzinfo=UTC), lead=lead, type=InteractionType.system)
    log(session, datetime(2026, 11, 18, 15, 0, tzinfo=UTC), lead=lead, type=InteractionType.system)
    body = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert body == ESTIMATE_SENT_TEXT.format(name="Dana", date="November 18")


def test_estimate_date_with_no_history_is_when_the_lead_last_changed(
    session: Session, workspace_id: str
) -> None:
    lead = job(session, reachable(session), pipeline_stage=PipelineStage.estimate_sent)
    body = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert "the estimate I sent over on November 1." in body


def test_opportunity_with_proposal_out_gets_the_estimate_tone(
    session: Session, workspace_id: str
) -> None:
    contact = reachable(session)
    opportunity = deal(session, contact, stage=OpportunityStage.proposal_sent)
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
    opportunity = deal(session, reachable(session), stage=OpportunityStage.scheduled)
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
    contact = reachable(session)
    lead = job(
        session, contact, pipeline_stage=PipelineStage.estimate_sent, status=LeadStatus.working
    )
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
    contact = reachable(session)
    old_job = job(session, contact, title="Old job")
    log(
        session,
        datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
        lead=old_job,
        contact=contact,
        outcome=Outcome.accepted_proposal,
    )
    lead = job(session, contact, created_at=datetime(2026, 11, 6, 15, 0, tzinfo=UTC))
    result = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert (result.tone, result.draft.body) == ("inquiry", INQUIRY_FRIDAY)
    assert result.last_touchpoint is not None  # the contact's history still shows for context


def test_converted_lead_follows_its_opportunity(session: Session, workspace_id: str) -> None:
    contact = reachable(session)
    lead = job(session, contact, status=LeadStatus.converted)
    opportunity = deal(session, contact, stage=OpportunityStage.won, lead=lead)
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
    contact = reachable(
        session, first_name="Zoë 😀", last_name="O'Brien", emails=["zoe@example.com"]
    )
    lead = job(session, contact, title="HVAC \"tune-up\" 🛠 at O'Brien's")
    draft = draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft
    assert draft.body.startswith(
        "Hi Zoë 😀, just checking in after your call about HVAC \"tune-up\" 🛠 at O'Brien's. "
    )
    assert draft.subject == "Following up: HVAC \"tune-up\" 🛠 at O'Brien's"


# --- channel and recipient ------------------------------------------------------------------


def test_preferred_channel_sms_texts_the_primary_phone(session: Session, workspace_id: str) -> None:
    contact = reachable(session, preferred_channel=PreferredChannel.sms)
    lead = job(session, contact)
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
    contact = reachable(session, emails=[])
    lead = job(session, contact)
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
        ({"emails": []}, "email", "channel", "Dana Smith has no email address on file."),
        ({}, "fax", "channel", "'fax' is not a channel. Choose one of: email, sms, phone."),
        (
            {"emails": [], "phones": []},
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
    lead = job(session, reachable(session, **contact_kwargs))
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
    contact = reachable(session)
    ws = workspace(session)
    dead = job(session, contact, status=LeadStatus.disqualified)
    lost = deal(session, contact, stage=OpportunityStage.lost)
    no_contact = job(session, None)
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


def test_drafting_is_set_based(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    contact = reachable(session)
    small = job(session, contact, pipeline_stage=PipelineStage.estimate_sent)
    big = job(session, contact, pipeline_stage=PipelineStage.estimate_sent)
    log(session, EARLIER, lead=small, outcome=Outcome.sent_proposal)
    for day in range(1, 21):
        log(session, EARLIER + timedelta(days=day), lead=big, outcome=Outcome.sent_proposal)

    def draft_for(lead: Lead) -> int:
        with count_statements(session) as counted:
            draft_follow_up(
                session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW
            )
        return counted.n

    draft_for(small)  # warm up: the workspace and contact are then loaded for both runs
    assert draft_for(small) == draft_for(big)


def test_follow_up_on_the_dana_lead(session: Session, workspace_id: str) -> None:
    """The procedure's request end to end: find the lead by name, read its history, draft in
    the stage's tone, and leave the draft for the owner's review (nothing sent)."""
    dana = reachable(session)
    lead = job(session, dana, pipeline_stage=PipelineStage.estimate_sent, status=LeadStatus.working)
    log(
        session, datetime(2026, 11, 18, 15, 0, tzinfo=UTC), lead=lead, outcome=Outcome.sent_proposal
    )
    log(session, datetime(2026, 11, 20, 15, 0, tzinfo=UTC), contact=dana, body="Asked about tile")
    ws = workspace(session)
    [found] = open_leads_for_person(session, workspace=ws, name="Dana")
    assert found is lead

    result = draft_follow_up(
        session=session, workspace=ws, actor=STAFF, lead_id=found.lead_id, now=NOW
    )

    assert result.tone == "estimate_sent"
    assert result.draft.body == ESTIMATE_SENT_TEXT.format(name="Dana", date="November 18")
    assert result.last_touchpoint is not None
    assert (result.last_touchpoint.timestamp, result.last_touchpoint.summary) == (
        datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        "Asked about tile",
    )
    assert (result.draft.status, result.draft.sent_at, result.needs_owner_review) == (
        DraftStatus.pending_approval,
        None,
        True,
    )


def test_a_callback_already_promised_is_kept_not_a_new_day_proposed(
    session: Session, workspace_id: str
) -> None:
    dana = reachable(session)
    lead = job(session, dana, pipeline_stage=PipelineStage.needs_analysis)
    ws = workspace(session)
    for day, status in [
        (date(2026, 11, 20), FollowUpStatus.pending),  # overdue: no longer a promise to quote
        (date(2026, 12, 4), FollowUpStatus.pending),
        (date(2026, 11, 30), FollowUpStatus.completed),
    ]:
        make_interaction(
            session,
            TEAM,
            lead=lead,
            type=InteractionType.phone_call,
            body="left voicemail, call back",
            timestamp=EARLIER,
            follow_up_date=day,
            follow_up_status=status,
        )
    body = draft_follow_up(
        session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert body == (
        "Hi Dana, just checking in after your call about leaky faucet at 123 Main. As promised, "
        "I'll call you back on Friday, December 4 to set up a quick visit and give you a firm "
        "price."
    )
    make_interaction(
        session,
        TEAM,
        lead=lead,
        type=InteractionType.phone_call,
        timestamp=EARLIER,
        follow_up_date=date(2026, 11, 25),
    )
    body = draft_follow_up(
        session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW
    ).draft.body
    assert "As promised, I'll call you back today to set up" in body
