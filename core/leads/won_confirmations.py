"""The owner's confirmation to win a deal, as a state core checks (hard stop 4).

Winning a deal sets off QuickBooks and scheduling, so `mark_won` needs more than a flag any
caller could pass: the confirm step (an owner's tap on Mark won, which opens the confirmation
form asking the final amount) issues a confirmation bound to the workspace, the deal and that
owner, valid for a few minutes, and submitting the form (`mark_won`) consumes it with one
conditional UPDATE, so it wins at most one deal, once (docs/transitions.md).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from core.common.enums import OpportunityStage
from core.errors import AlreadyDone, ConfirmationRequired, InvalidTransition
from core.models import Opportunity, WonConfirmation, Workspace
from core.platform.audit import audit
from core.workspaces.service import get_in_workspace, require_owner

__all__ = ["CONFIRMATION_LIFETIME", "confirm_won", "consume_won_confirmation"]

#: Long enough to tap through a confirm dialog, short enough that a leaked token is useless.
CONFIRMATION_LIFETIME = timedelta(minutes=10)


def confirm_won(
    *, session: Session, workspace: Workspace, actor: str, opportunity_id: str, now: datetime
) -> WonConfirmation:
    """An owner confirmed winning this deal: a single-use confirmation, valid briefly."""
    require_owner(workspace, actor, "mark a deal won")
    opportunity = get_in_workspace(
        session, Opportunity, opportunity_id, workspace=workspace, field="opportunity"
    )
    if opportunity.stage == OpportunityStage.won:
        raise AlreadyDone(f"{opportunity.name} is already won; nothing more to do.")
    if opportunity.stage == OpportunityStage.lost:
        raise InvalidTransition(f"{opportunity.name} is already lost, so I can't mark it won.")
    confirmation = WonConfirmation(
        token=secrets.token_urlsafe(24),
        workspace_id=workspace.workspace_id,
        opportunity_id=opportunity.opportunity_id,
        owner=actor,
        created_at=now,
        expires_at=now + CONFIRMATION_LIFETIME,
    )
    session.add(confirmation)
    # The audit names the deal, not the token: the token is a key, not history.
    audit(session, workspace, actor=actor, action="confirm_won", entity=opportunity)
    return confirmation


def consume_won_confirmation(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    opportunity: Opportunity,
    token: str | None,
    now: datetime,
) -> None:
    """Use up the confirmation for this deal and owner; any other token is refused.

    One conditional UPDATE: a token of another deal, owner or workspace, an expired one, or
    one already used matches no row, and the deal is not won.
    """
    used = 0
    if token:
        used = cast(
            CursorResult[Any],
            session.execute(
                update(WonConfirmation)
                .where(
                    WonConfirmation.token == token,
                    WonConfirmation.workspace_id == workspace.workspace_id,
                    WonConfirmation.opportunity_id == opportunity.opportunity_id,
                    WonConfirmation.owner == actor,
                    WonConfirmation.used_at.is_(None),
                    WonConfirmation.expires_at > now,
                )
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
    if used != 1:
        raise ConfirmationRequired(
            f"Mark {opportunity.name} as won? Winning a deal starts QuickBooks and scheduling, "
            "so please confirm first (press Mark won again)."
        )
