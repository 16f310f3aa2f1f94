"""Hard stop 4 as a state core checks: a deal is won only with the owner's own confirmation.

`confirm_won` (the owner's confirm step) issues a single-use confirmation bound to the
workspace, the deal, the owner and an expiry; `mark_won` uses it up. Every way around it is
tried here: staff, no token, another deal's token, an expired token, a replayed token, a
token of another workspace, another owner's token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import OpportunityStage
from core.errors import AlreadyDone, ConfirmationRequired, NotAnOwner
from core.leads.opportunities import mark_won
from core.leads.won_confirmations import CONFIRMATION_LIFETIME, confirm_won
from core.models import AuditEntry, Opportunity, WonConfirmation, Workspace
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_opportunity

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
OWNER2 = "U0OWNER2"
OTHER_TEAM = "T0OTHER"


@pytest.fixture
def ws(session: Session) -> Workspace:
    return ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER, OWNER2]))


def a_deal(session: Session, team: str = TEAM) -> Opportunity:
    return make_opportunity(session, team, make_contact(session, team), amount="4800")


def confirm(session: Session, ws: Workspace, deal: Opportunity, actor: str = OWNER) -> str:
    return confirm_won(
        session=session, workspace=ws, actor=actor, opportunity_id=deal.opportunity_id, now=NOW
    ).token


def win(
    session: Session,
    ws: Workspace,
    deal: Opportunity,
    token: str | None,
    *,
    actor: str = OWNER,
    now: datetime = NOW,
) -> None:
    mark_won(
        session=session,
        workspace=ws,
        actor=actor,
        opportunity_id=deal.opportunity_id,
        confirmation=token,
        now=now,
    )


def won_audits(session: Session) -> int:
    query = select(func.count()).where(AuditEntry.action == "mark_won")
    return int(session.scalar(query) or 0)


def test_the_owners_own_confirmation_wins_the_deal_once(session: Session, ws: Workspace) -> None:
    deal = a_deal(session)
    token = confirm(session, ws, deal)
    row = session.get(WonConfirmation, token)
    assert row is not None
    assert (row.workspace_id, row.opportunity_id, row.owner) == (TEAM, deal.opportunity_id, OWNER)
    assert row.expires_at == NOW + CONFIRMATION_LIFETIME and row.used_at is None
    win(session, ws, deal, token)
    assert deal.stage == OpportunityStage.won
    session.refresh(row)
    assert row.used_at == NOW
    assert won_audits(session) == 1


def test_staff_can_neither_confirm_nor_win(session: Session, ws: Workspace) -> None:
    deal = a_deal(session)
    with pytest.raises(NotAnOwner):
        confirm(session, ws, deal, actor=STAFF)
    token = confirm(session, ws, deal)
    with pytest.raises(NotAnOwner):
        win(session, ws, deal, token, actor=STAFF)
    assert deal.stage == OpportunityStage.estimating and won_audits(session) == 0


@pytest.mark.parametrize("token", [None, "", "made-up-token"])
def test_no_token_or_a_made_up_one_is_refused(
    session: Session, ws: Workspace, token: str | None
) -> None:
    deal = a_deal(session)
    with pytest.raises(ConfirmationRequired, match="please confirm first"):
        win(session, ws, deal, token)
    assert deal.stage == OpportunityStage.estimating and won_audits(session) == 0


def test_another_deals_token_is_refused(session: Session, ws: Workspace) -> None:
    deal, other = a_deal(session), a_deal(session)
    token = confirm(session, ws, other)
    with pytest.raises(ConfirmationRequired):
        win(session, ws, deal, token)
    assert deal.stage == OpportunityStage.estimating
    win(session, ws, other, token)  # still good for the deal it was issued for
    assert other.stage == OpportunityStage.won


def test_another_owners_token_is_refused(session: Session, ws: Workspace) -> None:
    deal = a_deal(session)
    token = confirm(session, ws, deal, actor=OWNER2)
    with pytest.raises(ConfirmationRequired):
        win(session, ws, deal, token, actor=OWNER)
    assert deal.stage == OpportunityStage.estimating


def test_an_expired_token_is_refused(session: Session, ws: Workspace) -> None:
    deal = a_deal(session)
    token = confirm(session, ws, deal)
    with pytest.raises(ConfirmationRequired):
        win(session, ws, deal, token, now=NOW + CONFIRMATION_LIFETIME)
    assert deal.stage == OpportunityStage.estimating
    win(session, ws, deal, token, now=NOW + CONFIRMATION_LIFETIME - timedelta(seconds=1))
    assert deal.stage == OpportunityStage.won


def test_a_replayed_token_wins_nothing_more(session: Session, ws: Workspace) -> None:
    deal = a_deal(session)
    token = confirm(session, ws, deal)
    win(session, ws, deal, token)
    with pytest.raises(AlreadyDone, match="is already won"):
        win(session, ws, deal, token)
    reopened = a_deal(session)  # the same token on another deal: used up, and not its deal
    with pytest.raises(ConfirmationRequired):
        win(session, ws, reopened, token)
    assert reopened.stage == OpportunityStage.estimating and won_audits(session) == 1


def test_a_used_token_is_refused_even_if_the_deal_were_open_again(
    session: Session, ws: Workspace
) -> None:
    deal = a_deal(session)
    token = confirm(session, ws, deal)
    win(session, ws, deal, token)
    deal.stage = OpportunityStage.estimating  # as if someone reopened it by hand
    session.flush()
    with pytest.raises(ConfirmationRequired):
        win(session, ws, deal, token)
    assert won_audits(session) == 1


def test_a_token_of_another_workspace_is_refused(session: Session, ws: Workspace) -> None:
    other_ws = ensure_workspace(session, OTHER_TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
    theirs = a_deal(session, OTHER_TEAM)
    token = confirm(session, other_ws, theirs)
    ours = a_deal(session)
    with pytest.raises(ConfirmationRequired):
        win(session, ws, ours, token)
    assert ours.stage == OpportunityStage.estimating and won_audits(session) == 0
