"""Opportunities: hard stop 4 (won only by an owner, confirmed), lost keeps everything."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import (
    CompanyStatus,
    LeadStatus,
    LifecycleStage,
    LossReason,
    OpportunityStage,
    ReminderStatus,
)
from core.errors import (
    ConfirmationRequired,
    InvalidInput,
    InvalidTransition,
    NotAnOwner,
    NotFound,
)
from core.leads.opportunities import (
    get_opportunity,
    mark_lost,
    mark_won,
    set_opportunity_stage,
    set_reengage_reminder,
)
from core.models import (
    AuditEntry,
    Contact,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    Workspace,
)
from core.workspaces.service import ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import (
    make_company,
    make_contact,
    make_lead,
    make_opportunity,
    won_token,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 New York


def _deal(session: Session, **contact_fields: object) -> Opportunity:
    dana = make_contact(
        session,
        TEAM,
        phones=["+15552013344"],
        address="123 Main St",
        **contact_fields,  # type: ignore[arg-type]
    )
    lead = make_lead(session, TEAM, contact=dana, status=LeadStatus.converted)
    deal = make_opportunity(session, TEAM, contact=dana, lead=lead, amount=Decimal("4800"))
    lead.converted_opportunity_id = deal.opportunity_id
    session.flush()
    return deal


def _interactions(session: Session, deal: Opportunity) -> list[str | None]:
    return list(
        session.scalars(
            select(Interaction.body).where(Interaction.opportunity_id == deal.opportunity_id)
        )
    )


def _assert_untouched(session: Session, deal: Opportunity) -> None:
    session.expire_all()
    again = session.get(Opportunity, deal.opportunity_id)
    assert again is not None and again.contact is not None
    assert (again.stage, again.close_date) == (OpportunityStage.estimating, None)
    assert again.contact.lifecycle_stage == LifecycleStage.prospect
    assert _interactions(session, again) == []
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.workspace_id == TEAM)
        )
        == 0
    )


def test_a_non_owner_cannot_mark_won_even_confirmed(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    with pytest.raises(NotAnOwner, match="Only an owner can mark a deal won."):
        mark_won(
            session=session,
            workspace=ws,
            actor=STAFF,
            opportunity_id=deal.opportunity_id,
            confirmation=won_token(session, deal.opportunity_id, actor=STAFF),
            now=NOW,
        )
    _assert_untouched(session, deal)


@pytest.mark.parametrize("confirmation", [None, "", "yes"])
def test_the_owner_must_confirm(session: Session, ws: Workspace, confirmation: str | None) -> None:
    deal = _deal(session)
    with pytest.raises(ConfirmationRequired, match="Mark Kitchen remodel as won\\?"):
        mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            confirmation=confirmation,
            now=NOW,
        )
    _assert_untouched(session, deal)


def test_a_confirmed_win_by_the_owner(session: Session, ws: Workspace) -> None:
    acme = make_company(session, TEAM)
    deal = _deal(session, company_id=acme.company_id)
    won = mark_won(
        session=session,
        workspace=ws,
        actor=OWNER,
        opportunity_id=deal.opportunity_id,
        confirmation=won_token(session, deal.opportunity_id, actor=OWNER),
        now=NOW,
    )
    assert won.opportunity is deal and won.contact is not None
    assert won.quickbooks_prompt == "Create Dana Smith in QuickBooks?"
    session.expire_all()
    again = session.get(Opportunity, deal.opportunity_id)
    assert again is not None and again.contact is not None
    assert (again.stage, again.close_date) == (OpportunityStage.won, date(2026, 3, 2))
    assert again.contact.lifecycle_stage == LifecycleStage.customer
    assert acme.status == CompanyStatus.active_customer
    assert _interactions(session, again) == ["Opportunity won — Kitchen remodel."]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.workspace_id == TEAM).order_by(AuditEntry.id)
    ).all()
    assert actions == ["mark_won", "became_customer", "became_customer", "log_interaction"]


def test_close_date_is_today_in_the_workspace_zone(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    mark_won(
        session=session,
        workspace=ws,
        actor=OWNER,
        opportunity_id=deal.opportunity_id,
        confirmation=won_token(session, deal.opportunity_id, actor=OWNER),
        now=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
    )
    assert deal.close_date == date(2026, 3, 1)


def test_no_quickbooks_question_when_contact_or_company_is_already_there(
    session: Session, ws: Workspace
) -> None:
    on_contact = _deal(session, quickbooks_customer_id="QB-1")
    billed = make_company(session, TEAM, quickbooks_customer_id="QB-2")
    on_company = _deal(session, company_id=billed.company_id)
    for deal in (on_contact, on_company):
        won = mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            confirmation=won_token(session, deal.opportunity_id, actor=OWNER),
            now=NOW,
        )
        assert won.quickbooks_prompt is None


def test_a_closed_deal_cannot_be_won_again(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    mark_won(
        session=session,
        workspace=ws,
        actor=OWNER,
        opportunity_id=deal.opportunity_id,
        confirmation=won_token(session, deal.opportunity_id, actor=OWNER),
        now=NOW,
    )
    with pytest.raises(InvalidTransition, match="Kitchen remodel is already won"):
        mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            confirmation=won_token(session, deal.opportunity_id, actor=OWNER),
            now=NOW,
        )
    with pytest.raises(InvalidTransition, match="already won"):
        mark_lost(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            reason="price",
            now=NOW,
        )
    lost = _deal(session)
    mark_lost(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=lost.opportunity_id,
        reason="price",
        now=NOW,
    )
    with pytest.raises(InvalidTransition, match="already lost"):
        mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=lost.opportunity_id,
            confirmation=won_token(session, lost.opportunity_id, actor=OWNER),
            now=NOW,
        )
    assert lost.stage == OpportunityStage.lost


def test_lost_keeps_lead_and_contact_and_offers_a_reminder(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    lost = mark_lost(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=deal.opportunity_id,
        reason="competition",
        notes='Went with "Joe\'s Plumbing" 🙁',
        now=NOW,
    )
    assert lost.reminder is None
    assert lost.reengage_question == (
        "Want me to set a reminder to check back with Dana Smith in 90 days?"
    )
    session.expire_all()
    again = session.get(Opportunity, deal.opportunity_id)
    assert again is not None
    assert again.stage == OpportunityStage.lost
    assert again.loss_reason == LossReason.competition
    assert again.loss_notes == 'Went with "Joe\'s Plumbing" 🙁'
    assert again.close_date == date(2026, 3, 2)
    assert _interactions(session, again) == [
        'Opportunity lost — Kitchen remodel. Reason: competition.\nWent with "Joe\'s Plumbing" 🙁'
    ]
    lead = session.get(Lead, again.lead_id)
    contact = session.get(Contact, again.contact_id)
    assert lead is not None and lead.status == LeadStatus.converted
    assert contact is not None and contact.lifecycle_stage == LifecycleStage.prospect
    assert (
        session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.workspace_id == TEAM)
        )
        == 0
    )


def test_lost_with_a_reengage_reminder(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    lost = mark_lost(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=deal.opportunity_id,
        reason="timing",
        reengage_in_days=90,
        now=NOW,
    )
    assert lost.reengage_question is None and lost.reminder is not None
    reminder = session.scalars(select(Reminder).where(Reminder.workspace_id == TEAM)).one()
    # 2 March + 90 days: 29 days to 31 March, 30 in April, 31 in May -> 31 May.
    assert reminder.due_date == date(2026, 5, 31)
    assert reminder.status == ReminderStatus.pending
    assert (reminder.contact_id, reminder.lead_id, reminder.opportunity_id) == (
        deal.contact_id,
        deal.lead_id,
        deal.opportunity_id,
    )
    assert reminder.note == "Check back with Dana Smith about Kitchen remodel (lost: timing)."


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"reason": "too pricey"}, "reason"),
        ({"reason": "price", "notes": "n" * 10_240}, "notes"),
        ({"reason": "price", "reengage_in_days": 0}, "reengage_in_days"),
        ({"reason": "price", "reengage_in_days": True}, "reengage_in_days"),
    ],
)
def test_mark_lost_refuses_bad_input(
    session: Session, ws: Workspace, arguments: dict[str, object], field: str
) -> None:
    deal = _deal(session)
    with pytest.raises(InvalidInput) as refused:
        mark_lost(
            session=session,
            workspace=ws,
            actor=STAFF,
            opportunity_id=deal.opportunity_id,
            now=NOW,
            **arguments,  # type: ignore[arg-type]
        )
    assert refused.value.field == field
    if field == "reason":
        assert "price, competition, timing, no_decision, scope, other" in refused.value.message
    _assert_untouched(session, deal)


def test_stage_changes_are_logged_and_won_lost_need_their_own_actions(
    session: Session, ws: Workspace
) -> None:
    deal = _deal(session)
    set_opportunity_stage(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=deal.opportunity_id,
        stage="proposal_sent",
        now=NOW,
    )
    assert deal.stage == OpportunityStage.proposal_sent
    assert _interactions(session, deal) == ["Opportunity Kitchen remodel moved to proposal sent."]
    for closing in ("won", "lost"):
        with pytest.raises(InvalidInput, match=f"Use Mark {closing}") as refused:
            set_opportunity_stage(
                session=session,
                workspace=ws,
                actor=OWNER,
                opportunity_id=deal.opportunity_id,
                stage=closing,
                now=NOW,
            )
        assert refused.value.field == "stage"
    with pytest.raises(InvalidInput, match="estimating, proposal_sent, scheduled, won, lost"):
        set_opportunity_stage(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=deal.opportunity_id,
            stage="paused",
            now=NOW,
        )
    assert deal.stage == OpportunityStage.proposal_sent


def test_get_opportunity_is_scoped_to_the_workspace(session: Session, ws: Workspace) -> None:
    deal = _deal(session)
    assert get_opportunity(session, workspace=ws, opportunity_id=deal.opportunity_id) is deal
    ensure_workspace(session, "T0OTHER")
    stranger = make_opportunity(session, "T0OTHER")
    with pytest.raises(NotFound):
        get_opportunity(session, workspace=ws, opportunity_id=stranger.opportunity_id)
    with pytest.raises(NotFound):
        mark_won(
            session=session,
            workspace=ws,
            actor=OWNER,
            opportunity_id=stranger.opportunity_id,
            confirmation=won_token(session, stranger.opportunity_id, actor=OWNER),
            now=NOW,
        )
    assert stranger.stage == OpportunityStage.estimating


# --- the re-engage question -----------------------------------------------------------------


def _lost_deal(session: Session, ws: Workspace) -> str:
    deal = _deal(session)
    mark_lost(
        session=session,
        workspace=ws,
        actor=STAFF,
        opportunity_id=deal.opportunity_id,
        reason=LossReason.price,
        now=NOW,
    )
    return deal.opportunity_id


def _reminder_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Reminder)) or 0)


def test_yes_sets_one_reminder_in_90_days_however_often_it_is_pressed(
    session: Session, ws: Workspace
) -> None:
    deal_id = _lost_deal(session, ws)
    first = set_reengage_reminder(
        session=session, workspace=ws, actor=STAFF, opportunity_id=deal_id, now=NOW
    )
    second = set_reengage_reminder(
        session=session, workspace=ws, actor=OWNER, opportunity_id=deal_id, now=NOW
    )
    assert first.reminder_id == second.reminder_id and _reminder_count(session) == 1
    assert first.due_date == date(2026, 5, 31)  # 29 days of March, 30 of April, 31 of May
    assert first.status == ReminderStatus.pending
    assert first.note == "Check back with Dana Smith about Kitchen remodel (lost: price)."
    assert first.opportunity_id == deal_id and first.contact_id is not None


def test_re_engage_is_for_lost_deals_only_and_checks_its_input(
    session: Session, ws: Workspace
) -> None:
    open_deal = _deal(session)
    with pytest.raises(InvalidTransition):
        set_reengage_reminder(
            session=session,
            workspace=ws,
            actor=STAFF,
            opportunity_id=open_deal.opportunity_id,
            now=NOW,
        )
    deal_id = _lost_deal(session, ws)
    for days in (0, -5, 3651, True):
        with pytest.raises(InvalidInput) as refused:
            set_reengage_reminder(
                session=session,
                workspace=ws,
                actor=STAFF,
                opportunity_id=deal_id,
                days=days,  # type: ignore[arg-type]
                now=NOW,
            )
        assert refused.value.field == "reengage_in_days"
    with pytest.raises(NotFound):
        set_reengage_reminder(
            session=session, workspace=ws, actor=STAFF, opportunity_id="op_nope", now=NOW
        )
    assert _reminder_count(session) == 0


def test_a_deal_with_no_amount_is_not_won_without_one_and_zero_is_taken_when_given(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM, phones=["+15552013344"], address="123 Main St")
    deal = make_opportunity(session, TEAM, contact=dana)
    token = won_token(session, deal.opportunity_id, actor=OWNER)
    for amount, said in ((None, "What was the final amount"), ("-1", "negative")):
        with pytest.raises(InvalidInput, match=said) as refused:
            mark_won(
                session=session,
                workspace=ws,
                actor=OWNER,
                opportunity_id=deal.opportunity_id,
                confirmation=token,
                amount=amount,
                now=NOW,
            )
        assert refused.value.field == "amount"
    assert deal.stage == OpportunityStage.estimating
    won = mark_won(
        session=session,
        workspace=ws,
        actor=OWNER,
        opportunity_id=deal.opportunity_id,
        confirmation=token,  # not used up by the refusals
        amount="0",
        now=NOW,
    )
    assert (won.opportunity.stage, won.opportunity.amount) == (OpportunityStage.won, Decimal("0"))
