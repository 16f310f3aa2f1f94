"""The `state` of an owner's OAuth consent link: bound to a workspace and owner, used once.

An owner asks for a consent link in Slack; the provider sends their browser back with the
state and a code. `issue_oauth_state` stores a hash of a fresh random state (ten minutes) and
`redeem_oauth_state` spends it with one conditional UPDATE, so an expired, forged, reused or
other provider's state matches no row and connects nothing (docs/security.md). A state is no
record of history: `forget_oauth_states` drops those long expired, so the table stays small.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import OAuthState, Workspace

__all__ = [
    "STATE_LIFETIME",
    "ConsentFor",
    "forget_oauth_states",
    "issue_oauth_state",
    "redeem_oauth_state",
]

STATE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class ConsentFor:
    """Whose consent a redeemed state was: where the tokens go, and who connected them."""

    workspace_id: str
    owner: str
    code_verifier: str | None


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", errors="replace")).hexdigest()


def issue_oauth_state(
    session: Session,
    *,
    workspace: Workspace,
    owner: str,
    provider: str,
    now: datetime,
    code_verifier: str | None = None,
) -> str:
    """A new state for this owner's link (the caller checked they are an owner)."""
    state = secrets.token_urlsafe(32)
    session.add(
        OAuthState(
            state_hash=_hash(state),
            provider=provider,
            workspace_id=workspace.workspace_id,
            owner=owner,
            code_verifier=code_verifier,
            created_at=now,
            expires_at=now + STATE_LIFETIME,
        )
    )
    return state


def redeem_oauth_state(
    session: Session, *, state: str, provider: str, now: datetime, expired_text: str
) -> ConsentFor:
    """Spend the state once; `expired_text` (InvalidInput) when it is not a live one."""
    state_hash = _hash(state)
    spent = cast(
        CursorResult[Any],
        session.execute(
            update(OAuthState)
            .where(
                OAuthState.state_hash == state_hash,
                OAuthState.provider == provider,
                OAuthState.used_at.is_(None),
                OAuthState.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if spent != 1:
        raise InvalidInput(expired_text, field="state")
    row = session.execute(
        select(OAuthState.workspace_id, OAuthState.owner, OAuthState.code_verifier).where(
            OAuthState.state_hash == state_hash
        )
    ).one()
    return ConsentFor(workspace_id=row[0], owner=row[1], code_verifier=row[2])


def forget_oauth_states(session: Session, *, expired_before: datetime) -> int:
    """Drop states that expired before then, spent or not: none of them can connect anything."""
    statement = delete(OAuthState).where(OAuthState.expires_at < expired_before)
    return cast(CursorResult[Any], session.execute(statement)).rowcount
