"""The lead lifecycle: qualify, stage, disqualify, convert (contact complete first), snooze."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import (
    DisqualificationReason,
    InteractionType,
    LeadStatus,
    OpportunityStage,
    PipelineStage,
)
from core.errors import AlreadyDone, IncompleteContact, InvalidInput, InvalidTransition, NotFound
from core.leads.service import (
    assign_lead_owner,
    convert_lead,
    disqualify_lead,
    get_lead,
    qualify_lead,
    set_expected_close_date,
    set_lead_stage,
    snooze_lead,
)
from core.models import AuditEntry, Contact, Interaction, Lead, Opportunity, Workspace
from core.workspaces.service import ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import audit_actions, make_company, make_contact, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 New York
PHONE = "+15552013344"
ADDRESS = "123 Main St, Springfield"


def _complete_lead(session: Session, **lead_fields: Any) -> Lead:
    dana = make_contact(session, TEAM, phones=[PHONE], address=ADDRESS)
    return make_lead(session, TEAM, contact=dana, **lead_fields)


def _bodies(session: Session, lead: Lead) -> list[str | None]:
    return list(
        session.scalars(
            select(Interaction.body)
            .where(Interaction.lead_id == lead.lead_id)
            .order_by(Interaction.created_at)
        )
    )


def _opportunities(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.workspace_id == TEAM)
        )
        or 0
    )


def test_get_lead_only_finds_leads_of_this_workspace(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session)
    assert get_lead(session, workspace=ws, lead_id=lead.lead_id) is lead
    ensure_workspace(session, "T0OTHER")
    stranger = make_lead(session, "T0OTHER")
    with pytest.raises(NotFound):
        get_lead(session, workspace=ws, lead_id=stranger.lead_id)
    with pytest.raises(NotFound):
        get_lead(session, workspace=ws, lead_id="ld_missing")


@pytest.mark.parametrize(
    ("stage", "words"),
    [("needs_analysis", "needs analysis"), ("estimate_sent", "estimate sent")],
)
def test_qualify_moves_to_working_and_logs_it(
    session: Session, ws: Workspace, stage: str, words: str
) -> None:
    lead = _complete_lead(session)
    qualify_lead(
        session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, stage=stage, now=NOW
    )
    assert (lead.status, lead.pipeline_stage) == (LeadStatus.working, PipelineStage(stage))
    assert _bodies(session, lead) == [f"Lead qualified — moving to {words}."]
    system = session.scalars(select(Interaction).where(Interaction.lead_id == lead.lead_id)).one()
    assert system.type == InteractionType.system and system.contact_id == lead.contact_id
    assert audit_actions(session, lead.lead_id) == ["qualify_lead"]


def test_qualify_refuses_other_stages_and_closed_leads(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session)
    with pytest.raises(InvalidInput) as refused:
        qualify_lead(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            stage="follow_up",
            now=NOW,
        )
    assert refused.value.field == "stage"
    assert "needs_analysis, estimate_sent" in refused.value.message
    lost = _complete_lead(session, status=LeadStatus.disqualified)
    with pytest.raises(InvalidTransition, match="already disqualified"):
        qualify_lead(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lost.lead_id,
            stage="needs_analysis",
            now=NOW,
        )
    assert lead.status == LeadStatus.new and lost.status == LeadStatus.disqualified
    assert (
        session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.workspace_id == TEAM)
        )
        == 0
    )


def test_set_lead_stage(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session)
    assert lead.status == LeadStatus.new
    set_lead_stage(
        session=session,
        workspace=ws,
        actor=STAFF,
        lead_id=lead.lead_id,
        stage="follow up",
        now=NOW,
    )
    # Past inquiry a new lead is being worked (and counts as in follow-up on the digest).
    assert lead.pipeline_stage == PipelineStage.follow_up and lead.status == LeadStatus.working
    set_lead_stage(
        session=session,
        workspace=ws,
        actor=STAFF,
        lead_id=lead.lead_id,
        stage="scheduled_visit",
        now=NOW,
    )
    assert lead.pipeline_stage == PipelineStage.scheduled_visit
    with pytest.raises(InvalidInput, match="inquiry, needs_analysis, estimate_sent"):
        set_lead_stage(
            session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, stage="done", now=NOW
        )
    with pytest.raises(AlreadyDone, match="already at scheduled visit"):
        set_lead_stage(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            stage="scheduled_visit",
            now=NOW,
        )
    assert audit_actions(session, lead.lead_id) == ["set_lead_stage", "set_lead_stage"]
    assert sorted(_bodies(session, lead)) == [
        "Lead moved to follow up (was inquiry).",
        "Lead moved to scheduled visit (was follow up).",
    ]


def test_disqualify_keeps_the_lead_with_its_reason(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session)
    disqualify_lead(
        session=session,
        workspace=ws,
        actor=STAFF,
        lead_id=lead.lead_id,
        reason="outside_scope",
        note="They need an electrician 💡",
        now=NOW,
    )
    session.expire_all()
    again = session.get(Lead, lead.lead_id)
    assert again is not None
    assert again.status == LeadStatus.disqualified
    assert again.disqualification_reason == DisqualificationReason.outside_scope
    assert _bodies(session, again) == [
        "Lead disqualified — outside scope.\nThey need an electrician 💡"
    ]
    assert audit_actions(session, lead.lead_id) == ["disqualify_lead"]
    with pytest.raises(InvalidTransition, match="already disqualified"):
        disqualify_lead(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            reason="timing",
            now=NOW,
        )


def test_disqualify_refuses_an_unknown_reason_and_a_huge_note(
    session: Session, ws: Workspace
) -> None:
    lead = _complete_lead(session)
    with pytest.raises(InvalidInput) as unknown:
        disqualify_lead(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            reason="rude",
            now=NOW,
        )
    assert unknown.value.field == "reason"
    assert "budget, timing, outside_scope, no_response, other" in unknown.value.message
    with pytest.raises(InvalidInput) as huge:
        disqualify_lead(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            reason="timing",
            note="n" * 10_240,
            now=NOW,
        )
    assert huge.value.field == "note"
    assert lead.status == LeadStatus.new and lead.disqualification_reason is None
    assert _bodies(session, lead) == []


def test_convert_creates_the_opportunity_from_the_lead(session: Session, ws: Workspace) -> None:
    acme = make_company(session, TEAM)
    dana = make_contact(session, TEAM, phones=[PHONE], address=ADDRESS, company_id=acme.company_id)
    lead = make_lead(
        session,
        TEAM,
        contact=dana,
        title='O\'Brien "rush" faucet 🚰',
        estimated_value=Decimal("1250.50"),
        owner=STAFF,
        expected_close_date=date(2026, 3, 20),
    )
    deal = convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW)
    session.expire_all()
    stored = session.get(Opportunity, deal.opportunity_id)
    assert stored is not None
    deal = stored
    assert deal.name == 'O\'Brien "rush" faucet 🚰'
    assert (deal.lead_id, deal.contact_id, deal.company_id) == (
        lead.lead_id,
        dana.contact_id,
        acme.company_id,
    )
    assert deal.stage == OpportunityStage.estimating
    assert deal.amount == Decimal("1250.50")
    assert deal.owner == STAFF and deal.expected_close_date == date(2026, 3, 20)
    assert deal.created_at == NOW
    converted = session.get(Lead, lead.lead_id)
    assert converted is not None
    assert converted.status == LeadStatus.converted
    assert converted.converted_opportunity_id == deal.opportunity_id
    ix = session.scalars(select(Interaction).where(Interaction.lead_id == lead.lead_id)).one()
    assert ix.body == 'Lead converted — opportunity O\'Brien "rush" faucet 🚰 at stage estimating.'
    assert ix.opportunity_id == deal.opportunity_id and ix.contact_id == dana.contact_id
    assert audit_actions(session, deal.opportunity_id) == ["create_opportunity"]
    assert audit_actions(session, lead.lead_id) == ["convert_lead"]


def test_convert_to_scheduled_with_an_amount(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session, estimated_value=Decimal("400"))
    deal = convert_lead(
        session=session,
        workspace=ws,
        actor=OWNER,
        lead_id=lead.lead_id,
        stage="scheduled",
        amount=Decimal("525.25"),
        now=NOW,
    )
    assert (deal.stage, deal.amount) == (OpportunityStage.scheduled, Decimal("525.25"))
    assert _bodies(session, lead) == [
        "Lead converted — opportunity Leaky faucet at 123 Main at stage scheduled."
    ]


@pytest.mark.parametrize(
    ("contact_fields", "missing"),
    [
        ({"phones": [], "address": ADDRESS}, ["a phone number"]),
        ({"phones": [PHONE], "address": None}, ["a service address"]),
        ({"phones": [PHONE], "address": "   "}, ["a service address"]),
        ({"first_name": " ", "last_name": None, "phones": [PHONE], "address": ADDRESS}, ["a name"]),
        (
            {"first_name": "", "last_name": None, "phones": [], "address": None},
            ["a name", "a phone number", "a service address"],
        ),
    ],
)
def test_convert_refuses_an_incomplete_contact_and_writes_nothing(
    session: Session, ws: Workspace, contact_fields: dict[str, object], missing: list[str]
) -> None:
    contact = make_contact(session, TEAM, **contact_fields)  # type: ignore[arg-type]
    lead = make_lead(session, TEAM, contact=contact)
    with pytest.raises(IncompleteContact) as refused:
        convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW)
    assert refused.value.missing == missing
    assert refused.value.message == (
        "The contact needs "
        + (", ".join(missing[:-1]) + " and " if len(missing) > 1 else "")
        + missing[-1]
        + " before the lead can be converted."
    )
    assert _opportunities(session) == 0
    assert lead.status == LeadStatus.new and lead.converted_opportunity_id is None
    assert _bodies(session, lead) == [] and audit_actions(session, lead.lead_id) == []


def test_convert_without_a_contact_says_so(session: Session, ws: Workspace) -> None:
    lead = make_lead(session, TEAM)
    with pytest.raises(IncompleteContact) as refused:
        convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW)
    assert refused.value.missing == ["a contact"]
    assert _opportunities(session) == 0


@pytest.mark.parametrize("status", [LeadStatus.disqualified, LeadStatus.converted])
def test_convert_refuses_a_closed_lead(session: Session, ws: Workspace, status: LeadStatus) -> None:
    lead = _complete_lead(session, status=status)
    with pytest.raises(InvalidTransition, match=f"already {status.value}, so I can't convert it"):
        convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW)
    assert _opportunities(session) == 0


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"stage": "won"}, "stage"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": "lots"}, "amount"),
    ],
)
def test_convert_refuses_bad_input(
    session: Session, ws: Workspace, arguments: dict[str, object], field: str
) -> None:
    lead = _complete_lead(session)
    with pytest.raises(InvalidInput) as refused:
        convert_lead(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id=lead.lead_id,
            now=NOW,
            **arguments,  # type: ignore[arg-type]
        )
    assert refused.value.field == field
    assert _opportunities(session) == 0 and lead.status == LeadStatus.new


def test_snooze_counts_days_from_today_in_the_workspace_zone(
    session: Session, ws: Workspace
) -> None:
    lead = _complete_lead(session)
    evening = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # still 1 March in New York
    snooze_lead(session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, now=evening)
    assert lead.snoozed_until == date(2026, 3, 4)
    snooze_lead(session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, days=7, now=NOW)
    assert lead.snoozed_until == date(2026, 3, 9)
    with pytest.raises(InvalidInput) as refused:
        snooze_lead(
            session=session, workspace=ws, actor=STAFF, lead_id=lead.lead_id, days=0, now=NOW
        )
    assert refused.value.field == "days" and lead.snoozed_until == date(2026, 3, 9)
    assert audit_actions(session, lead.lead_id) == ["snooze_lead", "snooze_lead"]


def test_expected_close_date_and_owner(session: Session, ws: Workspace) -> None:
    lead = _complete_lead(session)
    set_expected_close_date(
        session=session,
        workspace=ws,
        actor=STAFF,
        lead_id=lead.lead_id,
        expected_close_date=date(2026, 3, 2),
        now=NOW,
    )
    assert lead.expected_close_date == date(2026, 3, 2)
    with pytest.raises(InvalidInput) as past:
        set_expected_close_date(
            session=session,
            workspace=ws,
            actor=STAFF,
            lead_id=lead.lead_id,
            expected_close_date=date(2026, 3, 1),
            now=NOW,
        )
    assert past.value.field == "expected_close_date"
    assign_lead_owner(
        session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, owner=STAFF, now=NOW
    )
    assert lead.owner == STAFF
    with pytest.raises(InvalidInput) as blank:
        assign_lead_owner(
            session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, owner=" ", now=NOW
        )
    assert blank.value.field == "owner" and lead.owner == STAFF
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.workspace_id == TEAM, AuditEntry.action == "assign_lead_owner"
        )
    ).one()
    assert audit.before is not None and audit.after is not None
    assert (audit.before["owner"], audit.after["owner"], audit.actor) == (None, STAFF, OWNER)


def test_nothing_is_deleted_by_the_lifecycle(session: Session, ws: Workspace) -> None:
    first, second = _complete_lead(session), _complete_lead(session)
    disqualify_lead(
        session=session, workspace=ws, actor=STAFF, lead_id=first.lead_id, reason="budget", now=NOW
    )
    convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=second.lead_id, now=NOW)
    assert (
        session.scalar(select(func.count()).select_from(Lead).where(Lead.workspace_id == TEAM)) == 2
    )
    assert (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == TEAM)
        )
        == 2
    )


@pytest.mark.parametrize(
    ("lead_stage", "deal_stage"),
    [
        (PipelineStage.inquiry, OpportunityStage.estimating),
        (PipelineStage.needs_analysis, OpportunityStage.estimating),
        (PipelineStage.estimate_sent, OpportunityStage.proposal_sent),
        (PipelineStage.follow_up, OpportunityStage.proposal_sent),
        (PipelineStage.scheduled_visit, OpportunityStage.scheduled),
    ],
)
def test_convert_starts_the_job_at_the_stage_matching_the_leads(
    session: Session, ws: Workspace, lead_stage: PipelineStage, deal_stage: OpportunityStage
) -> None:
    lead = _complete_lead(session, pipeline_stage=lead_stage, status=LeadStatus.working)
    deal = convert_lead(session=session, workspace=ws, actor=OWNER, lead_id=lead.lead_id, now=NOW)
    assert deal.stage == deal_stage


def test_convert_takes_the_close_date_given_and_refuses_a_new_one_in_the_past(
    session: Session, ws: Workspace
) -> None:
    lead = _complete_lead(session, expected_close_date=date(2026, 2, 20))  # already past
    with pytest.raises(InvalidInput, match="2026-03-01 is in the past") as refused:
        convert_lead(
            session=session,
            workspace=ws,
            actor=OWNER,
            lead_id=lead.lead_id,
            expected_close_date=date(2026, 3, 1),
            now=NOW,
        )
    assert refused.value.field == "expected_close_date" and _opportunities(session) == 0
    kept = convert_lead(
        session=session,
        workspace=ws,
        actor=OWNER,
        lead_id=lead.lead_id,
        expected_close_date=date(2026, 2, 20),  # the lead's own date, as the form prefills it
        now=NOW,
    )
    assert kept.expected_close_date == date(2026, 2, 20)
    other = _complete_lead(session)
    deal = convert_lead(
        session=session,
        workspace=ws,
        actor=OWNER,
        lead_id=other.lead_id,
        stage="proposal_sent",
        expected_close_date=date(2026, 4, 1),
        now=NOW,
    )
    assert (deal.stage, deal.expected_close_date) == (
        OpportunityStage.proposal_sent,
        date(2026, 4, 1),
    )
