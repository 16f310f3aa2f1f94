"""Owners' App Home: the drafts waiting for approval, newest first, a page at a time.

Two blocks a draft and one for the pager, so a page of five fits the Home's 100 blocks
beside the lists.

Each draft carries the review message's own **Approve** / **Edit** / **Discard** (the same
action ids and `"<draft_id>:<version>"` values, so the same handlers decide); **Previous
page** / **Next page** publish the Home again at another page, which the view keeps in its
`private_metadata` so a refresh after Approve stays on it.
"""

from __future__ import annotations

import json
from datetime import UTC, tzinfo

from bot.blocks.do_not_contact import do_not_contact_line
from bot.blocks.drafts import CHANNEL_WORDS, review_buttons, show_recipient, when, who
from bot.blocks.limits import (
    Block,
    actions,
    button,
    divider,
    escape,
    mrkdwn_section,
    truncate,
)
from bot.ids import ActionId, BlockId
from bot.values import DraftsPage
from core.drafts.waiting import DraftsWaiting, WaitingDraft

__all__ = ["BODY_PREVIEW", "drafts_page_of", "home_drafts_blocks", "home_metadata"]

BODY_PREVIEW = 280
HEADING = "Drafts waiting for approval"


def home_metadata(drafts: DraftsWaiting | None) -> str:
    """The Home view's `private_metadata`: the page of drafts it shows."""
    return json.dumps({"drafts_page": drafts.page if drafts is not None else 1})


def drafts_page_of(metadata: str | None) -> int:
    """The page a published Home showed (1 when it says nothing readable)."""
    try:
        page = json.loads(metadata or "{}").get("drafts_page", 1)
    except (ValueError, AttributeError):
        return 1
    return page if isinstance(page, int) and page >= 1 else 1


def _draft_blocks(waiting: WaitingDraft, zone: tzinfo, region: str) -> list[Block]:
    draft = waiting.draft
    to = escape(show_recipient(draft, region))
    name = escape(waiting.contact_name) if waiting.contact_name else None
    channel = CHANNEL_WORDS[draft.channel]
    lines = [
        f"*{channel} to {name} ({to})*" if name else f"*{channel} to {to}*",
        f"Asked by {who(draft.requested_by)} · {when(draft.created_at, zone)} · "
        f"version {draft.version}",
    ]
    if draft.subject:
        lines.append(f"Subject: {escape(draft.subject)}")
    preview = " ".join(draft.body.split())
    lines.append(">" + escape(truncate(preview, BODY_PREVIEW)))
    if waiting.do_not_contact:
        lines.append(do_not_contact_line(waiting.contact_name))
    return [
        mrkdwn_section("\n".join(lines)),
        actions(f"{BlockId.DRAFT_ACTIONS}-{draft.draft_id}", review_buttons(draft)),
    ]


def _pager(drafts: DraftsWaiting) -> list[Block]:
    buttons = []
    if drafts.has_previous:
        back = DraftsPage(drafts.page - 1).encode()
        buttons.append(button("Previous page", ActionId.HOME_DRAFTS_PAGE, back))
    if drafts.has_next:
        on = DraftsPage(drafts.page + 1).encode()
        buttons.append(button("Next page", ActionId.HOME_DRAFTS_PAGE, on))
    return [actions(f"{BlockId.HOME_DRAFTS}-pages", buttons)] if buttons else []


def home_drafts_blocks(
    drafts: DraftsWaiting, *, zone: tzinfo = UTC, region: str = "US"
) -> list[Block]:
    """The section of an owner's Home: heading, each draft with its buttons, the pager."""
    blocks: list[Block] = [divider()]
    if drafts.total == 0:
        return [*blocks, mrkdwn_section(f"*{HEADING}:* none")]
    of = f" — page {drafts.page} of {drafts.pages}" if drafts.pages > 1 else ""
    blocks.append(mrkdwn_section(f"*{HEADING} ({drafts.total}){of}:*"))
    for waiting in drafts.items:
        blocks += _draft_blocks(waiting, zone, region)
    return blocks + _pager(drafts)
