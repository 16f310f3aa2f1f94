"""Owners' App Home lists the drafts waiting for approval, newest first, five to a page, with
the review message's own Approve / Edit / Discard; staff never see them.

Through signed requests into the real app: `home_opened`, then clicks on the published view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId, BlockId
from core.common.enums import DraftChannel, DraftStatus
from core.contacts.do_not_contact import set_do_not_contact
from core.models import Draft
from core.workspaces.service import get_workspace
from tests.bot.fakes import RecordingSender, harness_with, set_owners
from tests.bot.harness import (
    START,
    SlackHarness,
    block_texts,
    iter_buttons,
    labels,
    text_input,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact

HEADING = "*Drafts waiting for approval"


def waiting_drafts(sessions: sessionmaker[Session], n: int) -> list[str]:
    """`n` email drafts to n people, the first the oldest; their ids in that order."""
    ids = []
    with sessions.begin() as session:
        for i in range(n):
            person = make_contact(session, TEAM, f"Person{i}", "Lee", emails=[f"p{i}@example.com"])
            draft = Draft(
                draft_id=f"dr_{i:02d}",
                workspace_id=TEAM,
                contact_id=person.contact_id,
                channel=DraftChannel.email,
                recipient=f"p{i}@example.com",
                subject=f"Quote {i}",
                body=f"Hi Person{i}, about your quote.",
                requested_by=STAFF,
                created_at=START - timedelta(hours=n - i),
            )
            session.add(draft)
            ids.append(draft.draft_id)
    return ids


def home(slack: SlackHarness, user: str = OWNER) -> dict[str, Any]:
    return slack.api.published[user]


def listed(view: dict[str, Any]) -> list[str]:
    """The draft ids the view offers Approve for, in order."""
    return [
        b["value"].split(":")[0]
        for b in iter_buttons(view["blocks"])
        if b["action_id"] == ActionId.APPROVE
    ]


def status(sessions: sessionmaker[Session], draft_id: str) -> DraftStatus:
    with sessions() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft.status


def test_owners_see_the_newest_drafts_first_and_page_through_them(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    ids = waiting_drafts(sessions, 7)
    slack.home_opened(user=OWNER)
    first = home(slack)
    assert limit_violations(first) == []
    shown = block_texts(first["blocks"])
    assert f"{HEADING} (7) — page 1 of 2:*" in shown
    assert listed(first) == ids[::-1][:5]  # newest first
    assert "*Email to Person6 Lee (p6@example.com)*" in "\n".join(shown)
    assert [label for label in labels(first) if label.endswith("page")] == ["Next page"]
    assert labels(first).count("Approve") == 5 and labels(first).count("Discard") == 5

    slack.action(ActionId.HOME_DRAFTS_PAGE, view=first, user=OWNER)
    second = home(slack)
    assert f"{HEADING} (7) — page 2 of 2:*" in block_texts(second["blocks"])
    assert listed(second) == [ids[1], ids[0]]
    assert [label for label in labels(second) if label.endswith("page")] == ["Previous page"]

    slack.action(ActionId.HOME_DRAFTS_PAGE, view=second, user=OWNER)
    assert listed(home(slack)) == ids[::-1][:5]


def test_staff_never_see_the_drafts(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    waiting_drafts(sessions, 2)
    slack.home_opened(user=STAFF)
    view = home(slack, STAFF)
    assert not any(text.startswith(HEADING) for text in block_texts(view["blocks"]))
    assert listed(view) == []


def test_an_owner_with_nothing_to_review_is_told_so(slack: SlackHarness) -> None:
    slack.home_opened(user=OWNER)
    assert f"{HEADING}:* none" in block_texts(home(slack)["blocks"])


def test_approve_from_home_sends_once_and_the_home_refreshes(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER)
    ids = waiting_drafts(sessions, 6)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        slack.home_opened(user=OWNER)
        page_two = home(slack)
        slack.action(ActionId.HOME_DRAFTS_PAGE, view=page_two, user=OWNER)
        page_two = home(slack)
        assert listed(page_two) == [ids[0]]
        publishes = len(slack.api.calls_to("views.publish"))

        slack.action(ActionId.APPROVE, view=page_two, user=OWNER)
        assert sender.sent == [(ids[0], 1, "Hi Person0, about your quote.")]
        assert status(sessions, ids[0]) == DraftStatus.sent
        assert len(slack.api.calls_to("views.publish")) == publishes + 1
        refreshed = home(slack)
        # Five left: page 2 no longer exists, so the Home shows the last page there is.
        assert f"{HEADING} (5):*" in block_texts(refreshed["blocks"])
        assert ids[0] not in listed(refreshed)

        slack.action(ActionId.APPROVE, view=page_two, user=OWNER)  # the stale Home, again
        assert len(sender.sent) == 1
        with sessions() as session:
            assert session.scalars(select(Draft.status)).all().count(DraftStatus.sent) == 1


def test_discard_from_home_and_a_staff_click_changes_nothing(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    ids = waiting_drafts(sessions, 2)
    slack.home_opened(user=OWNER)
    view = home(slack)
    newest = {"type": "button", "action_id": ActionId.DISCARD, "value": f"{ids[1]}:1"}
    slack.action(ActionId.DISCARD, view=view, user=STAFF, element=newest)
    assert status(sessions, ids[1]) == DraftStatus.pending_approval

    slack.action(ActionId.DISCARD, view=view, user=OWNER, element=newest)
    assert status(sessions, ids[1]) == DraftStatus.discarded
    assert listed(home(slack)) == [ids[0]]


def test_a_draft_to_someone_marked_do_not_contact_says_so_on_the_home(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    waiting_drafts(sessions, 1)
    with sessions.begin() as session:
        draft = session.get(Draft, "dr_00")
        assert draft is not None and draft.contact_id is not None
        set_do_not_contact(
            session,
            workspace=get_workspace(session, TEAM),
            contact_id=draft.contact_id,
            actor=STAFF,
        )
    slack.home_opened(user=OWNER)
    assert (
        ":no_entry: Person0 Lee is marked do not contact: this draft can't be approved or sent."
    ) in "\n".join(block_texts(home(slack)["blocks"]))


def test_edit_from_home_shows_the_new_version_on_the_home(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    ids = waiting_drafts(sessions, 1)
    slack.home_opened(user=OWNER)
    slack.action(ActionId.EDIT, view=home(slack), user=OWNER)
    (form,) = slack.api.views.values()
    publishes = len(slack.api.calls_to("views.publish"))
    values = {BlockId.BODY: {ActionId.INPUT: text_input("Hi Person0, the quote is $350.")}}
    slack.submit_view(None, values, user=OWNER, view=form)

    assert len(slack.api.calls_to("views.publish")) == publishes + 1
    refreshed = home(slack)
    [approve] = [b for b in iter_buttons(refreshed["blocks"]) if b["action_id"] == ActionId.APPROVE]
    assert approve["value"] == f"{ids[0]}:2"
    assert ">Hi Person0, the quote is $350." in "\n".join(block_texts(refreshed["blocks"]))
