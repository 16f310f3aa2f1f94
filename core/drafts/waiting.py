"""The drafts waiting for an owner's approval, newest first, one page at a time (App Home).

One statement per page: the page of `pending_approval` drafts with whom each is for (the
merge survivor's name, and whether they are marked do not contact) and the total, a COUNT
window computed before LIMIT/OFFSET. The filter is the (workspace_id, status) index; the
waiting drafts of a workspace are the few an office has not reviewed yet, sorted in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

from core.common.enums import DraftStatus
from core.models import Draft, Workspace
from core.reports.rows import ShownContact, display_name
from core.workspaces.service import require_owner

__all__ = ["DRAFTS_PER_PAGE", "DraftsWaiting", "WaitingDraft", "drafts_waiting"]

DRAFTS_PER_PAGE = 5


@dataclass(frozen=True)
class WaitingDraft:
    """One draft to review, with the name of the person it goes to."""

    draft: Draft
    contact_name: str | None
    do_not_contact: bool


@dataclass(frozen=True)
class DraftsWaiting:
    """One page of the drafts waiting for approval (page 1: the newest)."""

    items: tuple[WaitingDraft, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def drafts_waiting(
    session: Session,
    *,
    workspace: Workspace,
    viewer: str,
    page: int = 1,
    per_page: int = DRAFTS_PER_PAGE,
) -> DraftsWaiting:
    """Page `page` of the drafts waiting for approval, newest first; for owners only.

    A page past the end (drafts were approved meanwhile) gives the last page instead, at the
    cost of a second statement in that case only.
    """
    require_owner(workspace, viewer, "review drafts")
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    page = max(1, page)
    rows = _page(session, workspace, page, per_page)
    total = rows[0].total if rows else _count(session, workspace)
    last = max(1, -(-total // per_page))
    if not rows and page > last:
        page = last
        rows = _page(session, workspace, page, per_page) if total else []
    items = tuple(
        WaitingDraft(
            draft=row.Draft,
            contact_name=display_name(row.first_name, row.last_name),
            do_not_contact=bool(row.do_not_contact),
        )
        for row in rows
    )
    return DraftsWaiting(items=items, total=total, page=page, per_page=per_page)


def _page(session: Session, workspace: Workspace, page: int, per_page: int) -> list[Any]:
    params = {
        "ws": workspace.workspace_id,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    return list(session.execute(_page_statement(), params).all())


def _count(session: Session, workspace: Workspace) -> int:
    """The total when the page asked for came back empty (past the end, or none at all)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Draft)
            .where(
                Draft.workspace_id == workspace.workspace_id,
                Draft.status == DraftStatus.pending_approval,
            )
        )
        or 0
    )


@cache
def _page_statement() -> Select[Any]:
    """Built once; parameters `ws`, `limit` and `offset`."""
    shown = ShownContact()
    flagged = func.coalesce(shown.survivor.do_not_contact, shown.contact.do_not_contact)
    query = select(
        Draft, *shown.columns, flagged.label("do_not_contact"), func.count().over().label("total")
    ).where(
        Draft.workspace_id == bindparam("ws"),
        Draft.status == DraftStatus.pending_approval,
    )
    return (
        shown.join(query, Draft.contact_id)
        .order_by(Draft.created_at.desc(), Draft.draft_id.desc())
        .limit(bindparam("limit", type_=Integer()))
        .offset(bindparam("offset", type_=Integer()))
    )
