"""The record a decision is about, checked first; draft decisions bound to the version seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.activity.service import follow_up_to_reschedule
from core.common.enums import (
    DraftStatus,
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    OpportunityStage,
)
from core.drafts.compose import draft_follow_up
from core.drafts.decisions import (
    CHANGED_WHILE_EDITING,
    draft_shown,
    draft_to_edit,
    edit_draft_as_seen,
    mark_sent_as_seen,
)
from core.drafts.review import approve_draft, discard_draft
from core.errors import ApprovalRequired, InvalidTransition, NotAnOwner, NotFound
from core.leads.decisions import (
    contact_for_quickbooks,
    convert_or_explain,
    deal_to_decide,
    lead_to_decide,
)
from core.models import AuditEntry, Draft, Interaction, Opportunity, Workspace
from core.workspaces.service import get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead, make_opportunity

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def ws(session: Session, workspace_id: str) -> Workspace:
    return get_workspace(session, workspace_id)


def count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_only_open_records_can_be_decided(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    lead = make_lead(session, TEAM, dana, title="Leaky faucet")
    assert lead_to_decide(session, workspace=ws, lead_id=lead.lead_id) is lead
    gone = make_lead(session, TEAM, dana, title="Deck", status=LeadStatus.disqualified)
    with pytest.raises(InvalidTransition, match="The Deck lead is already disqualified."):
        lead_to_decide(session, workspace=ws, lead_id=gone.lead_id)
    deal = make_opportunity(session, TEAM, dana, name="Bathroom remodel")
    assert deal_to_decide(session, workspace=ws, opportunity_id=deal.opportunity_id) is deal
    deal.stage = OpportunityStage.lost
    with pytest.raises(InvalidTransition, match="Bathroom remodel is already lost."):
        deal_to_decide(session, workspace=ws, opportunity_id=deal.opportunity_id)
    item = make_interaction(
        session, TEAM, dana, type=InteractionType.phone_call, follow_up_status="pending"
    )
    assert follow_up_to_reschedule(session, workspace=ws, interaction_id=item.interaction_id)
    item.follow_up_status = FollowUpStatus.completed
    with pytest.raises(InvalidTransition, match="That follow-up is completed."):
        follow_up_to_reschedule(session, workspace=ws, interaction_id=item.interaction_id)
    with pytest.raises(NotFound):
        lead_to_decide(session, workspace=ws, lead_id="ld_other_workspace")


def test_convert_says_what_the_contact_lacks_and_writes_nothing(
    session: Session, ws: Workspace
) -> None:
    pat = make_contact(session, TEAM, "Pat", "Quinn")
    lead = make_lead(session, TEAM, pat, title="Deck")
    audits = count(session, AuditEntry)
    explained = convert_or_explain(
        session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW
    )
    assert explained.opportunity is None
    assert explained.missing == ["a phone number", "a service address"]
    assert lead.status == LeadStatus.new
    assert count(session, Opportunity) == 0 and count(session, AuditEntry) == audits


def test_convert_makes_the_job_once_the_contact_is_complete(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"], address="1 Elm")
    lead = make_lead(session, TEAM, dana, title="Leaky faucet")
    done = convert_or_explain(session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW)
    assert done.opportunity is not None and done.missing == []
    assert (done.opportunity.name, done.opportunity.stage) == (
        "Leaky faucet",
        OpportunityStage.estimating,
    )
    assert lead.status == LeadStatus.converted
    with pytest.raises(InvalidTransition):  # a converted lead is not converted twice
        convert_or_explain(session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW)


def test_the_quickbooks_question_is_an_owners(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith")
    with pytest.raises(NotAnOwner):
        contact_for_quickbooks(session, workspace=ws, actor=STAFF, contact_id=dana.contact_id)
    assert (
        contact_for_quickbooks(session, workspace=ws, actor=OWNER, contact_id=dana.contact_id)
        is dana
    )
    dana.quickbooks_customer_id = "QB-7"
    with pytest.raises(InvalidTransition, match=r"already in QuickBooks \(customer QB-7\)"):
        contact_for_quickbooks(session, workspace=ws, actor=OWNER, contact_id=dana.contact_id)


@pytest.fixture
def draft(session: Session, ws: Workspace) -> Draft:
    dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
    lead = make_lead(session, TEAM, dana, title="Leaky faucet")
    return draft_follow_up(
        session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft


def test_edit_is_for_owners_on_the_version_they_saw(
    session: Session, ws: Workspace, draft: Draft
) -> None:
    with pytest.raises(NotAnOwner):
        draft_to_edit(session, workspace=ws, actor=STAFF, draft_id=draft.draft_id, version=1)
    assert draft_to_edit(session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1)
    edited = edit_draft_as_seen(
        session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        version=1,
        body="Hi Dana “soon” 🔧",
        subject=None,
        now=NOW,
    )
    assert (edited.draft.version, edited.contact_name) == (2, "Dana Smith")
    with pytest.raises(ApprovalRequired):  # the Edit button of version 1
        draft_to_edit(session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1)
    with pytest.raises(ApprovalRequired) as stale:  # a form opened on version 1, saved now
        edit_draft_as_seen(
            session,
            workspace=ws,
            actor=OWNER,
            draft_id=draft.draft_id,
            version=1,
            body="Overwrites version 2?",
            subject=None,
            now=NOW,
        )
    assert (stale.value.message, stale.value.field) == (CHANGED_WHILE_EDITING, "body")
    assert draft.body == "Hi Dana “soon” 🔧" and draft.version == 2
    discard_draft(session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, now=NOW)
    with pytest.raises(InvalidTransition):
        draft_to_edit(session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=2)


def test_mark_sent_records_the_version_seen_once(
    session: Session, ws: Workspace, draft: Draft
) -> None:
    approve_draft(
        session=session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1, now=NOW
    )
    with pytest.raises(ApprovalRequired):  # a button from a version that no longer exists
        mark_sent_as_seen(
            session, workspace=ws, actor=STAFF, draft_id=draft.draft_id, version=3, now=NOW
        )
    assert draft.status == DraftStatus.approved
    first = mark_sent_as_seen(
        session, workspace=ws, actor=STAFF, draft_id=draft.draft_id, version=1, now=NOW
    )
    again = mark_sent_as_seen(
        session, workspace=ws, actor=OWNER, draft_id=draft.draft_id, version=1, now=NOW
    )
    assert (first.outcome.sent, again.outcome.already_sent) == (True, True)
    assert first.shown.contact_name == "Dana Smith" and draft.sent_by == STAFF
    outbound = select(func.count()).where(Interaction.type == InteractionType.email_outbound)
    assert session.scalar(outbound) == 1
    assert draft_shown(session, workspace=ws, draft=draft).draft is draft
