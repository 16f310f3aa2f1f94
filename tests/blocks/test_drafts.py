"""The draft review message: what owners read and press, in every state of a draft."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.drafts import (
    already_approved_text,
    already_sent_text,
    approval_reply,
    draft_requested_message,
    draft_review_message,
    when,
    who,
)
from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import fallback_text, mrkdwn
from bot.ids import ActionId
from bot.values import DraftVersion, decode
from core.common.enums import DraftChannel, DraftStatus, InteractionType
from core.drafts.approval import Approval, ApprovalOutcome
from core.drafts.compose import FollowUpDraft
from core.drafts.sending import AUTO_SEND_ACTOR, SendOutcome
from core.errors import InvalidInput
from core.models import Draft, Workspace
from core.reports.rows import Touchpoint
from tests.bot.harness import (
    block_texts,
    iter_buttons,
    labels,
    shown,
)

NEW_YORK = ZoneInfo("America/New_York")
MORNING = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)  # 9:05 AM in New York (EST)
BODY = (
    "Hi Dana, just checking in after your call about leaky faucet. I'd love to set up a quick "
    "visit to take a look and give you a firm price. Are you available Tuesday, March 3 at 10am?"
)


def make_draft(**changes: object) -> Draft:
    values: dict[str, object] = dict(
        draft_id="dr_1",
        workspace_id="T0TEST",
        contact_id="ct_1",
        channel=DraftChannel.email,
        recipient="dana@example.com",
        subject="Following up: leaky faucet",
        body=BODY,
        status=DraftStatus.pending_approval,
        version=2,
        requested_by="U0STAFF",
        review_refs=[],
        created_at=MORNING,
        updated_at=MORNING,
    )
    values.update(changes)
    return Draft(**values)


def test_pending_draft_shows_recipient_channel_subject_body_version_and_asker() -> None:
    review = draft_review_message(make_draft(), contact_name="Dana Smith", zone=NEW_YORK)
    text = shown(review)
    assert "Draft for review: follow-up to Dana Smith" in text
    assert "*To*\nDana Smith (dana@example.com)" in text
    assert "*Channel*\nEmail" in text
    assert "*Version*\n2" in text
    assert "*Asked by*\n<@U0STAFF>" in text
    assert "*Subject:* Following up: leaky faucet" in text
    assert ">" + BODY in text
    assert "Waiting for an owner's approval (version 2)." in text
    assert labels(review) == ["Approve", "Edit", "Discard"]
    buttons = list(iter_buttons(review["blocks"]))
    assert [b["action_id"] for b in buttons] == [ActionId.APPROVE, ActionId.EDIT, ActionId.DISCARD]
    assert {b["value"] for b in buttons} == {"dr_1:2"}
    assert buttons[2]["confirm"]["title"]["text"] == "Discard this draft?"
    assert review["text"].startswith("Draft follow-up to Dana Smith (Email): Waiting")
    assert limit_violations(review) == []


def test_last_touchpoint_is_shown_for_context() -> None:
    touch = Touchpoint(
        "ix_1",
        InteractionType.phone_call,
        MORNING,
        date(2026, 3, 2),
        "Wants a quote\nfor the faucet",
    )
    review = draft_review_message(make_draft(), last_touchpoint=touch, zone=NEW_YORK)
    assert "Last touchpoint: Mar 2, 9:05 AM EST, phone call: Wants a quote for the faucet" in shown(
        review
    )


def test_a_10_kb_body_is_shown_whole_within_the_limits() -> None:
    paragraph = 'Line with a quote " and an emoji 🔧 & <b>tags</b>.\n'
    body = (paragraph * 400)[:10000]
    review = draft_review_message(make_draft(body=body), contact_name="Dana")
    assert limit_violations(review) == []
    quoted = [t for t in block_texts(review["blocks"]) if t.startswith(">")]
    assert len(quoted) >= 4  # 10,000 characters need several 3,000-character sections
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    rebuilt = "\n".join(line[1:] for piece in quoted for line in piece.split("\n"))
    assert rebuilt == escaped
    assert "more characters" not in shown(review)


def test_a_body_past_eight_sections_is_cut_with_a_note() -> None:
    review = draft_review_message(make_draft(body="x" * 40000))
    assert limit_violations(review) == []
    assert "press *Edit* to see the whole text" in shown(review)
    assert len(review["blocks"]) <= 50


def test_quotes_emoji_and_markup_in_every_field_are_escaped() -> None:
    draft = make_draft(subject="O'Brien & <Sons> 🔧", body='"Hi" <@U0OWNER> & co 🔧')
    review = draft_review_message(draft, contact_name="Dana “D” O'Brien <&>")
    text = shown(review)
    assert "O'Brien &amp; &lt;Sons&gt; 🔧" in text
    assert '>"Hi" &lt;@U0OWNER&gt; &amp; co 🔧' in text
    assert "Dana “D” O'Brien &lt;&amp;&gt; (dana@example.com)" in text
    assert limit_violations(review) == []


def test_approved_email_without_mailbox_hands_the_text_over_with_mark_sent() -> None:
    draft = make_draft(
        status=DraftStatus.approved, approved_by="U0OWNER", approved_at=MORNING, approved_version=2
    )
    review = draft_review_message(draft, contact_name="Dana Smith", zone=NEW_YORK)
    text = shown(review)
    assert "Approved by <@U0OWNER> at Mar 2, 9:05 AM EST." in text
    assert "no mailbox is connected yet, so email the message above to dana@example.com" in text
    assert labels(review) == ["Mark sent", "Edit"]
    assert {b["value"] for b in iter_buttons(review["blocks"])} == {"dr_1:2"}
    assert ">" + BODY in text  # the text to send is right there


@pytest.mark.parametrize(
    ("channel", "words"),
    [
        (DraftChannel.sms, "text the message above to (555) 201-3344, then press *Mark sent*"),
        (DraftChannel.phone, "call (555) 201-3344 and say the above, then press *Mark sent*"),
    ],
)
def test_texts_and_calls_are_handed_over_by_number(channel: DraftChannel, words: str) -> None:
    draft = make_draft(
        channel=channel,
        recipient="+15552013344",
        subject=None,
        status=DraftStatus.approved,
        approved_by="U0OWNER",
        approved_at=MORNING,
        approved_version=2,
    )
    review = draft_review_message(draft, contact_name="Dana Smith", zone=NEW_YORK)
    assert words in shown(review)
    assert "*To*\nDana Smith ((555) 201-3344)" in shown(review)
    assert "Subject" not in shown(review)


def test_sent_draft_says_by_whom_and_when_and_has_no_buttons() -> None:
    draft = make_draft(
        status=DraftStatus.sent,
        approved_by="U0OWNER",
        approved_at=MORNING,
        approved_version=2,
        sent_by="U0OWNER",
        sent_at=datetime(2026, 7, 1, 16, 30, tzinfo=UTC),
    )
    review = draft_review_message(draft, zone=NEW_YORK)
    assert "Sent by <@U0OWNER> at Jul 1, 12:30 PM EDT." in shown(review)
    assert labels(review) == []
    assert (  # as Slack receives it: the owner is a mention, not escaped text
        fallback_text(already_sent_text(draft, NEW_YORK))
        == "Already sent by <@U0OWNER> at Jul 1, 12:30 PM EDT."
    )


def test_auto_sent_draft_says_so() -> None:
    draft = make_draft(status=DraftStatus.sent, sent_by=AUTO_SEND_ACTOR, sent_at=MORNING)
    review = draft_review_message(draft, zone=NEW_YORK)
    assert "Sent automatically (auto-send is on) at Mar 2, 9:05 AM EST." in shown(review)


def test_failed_send_shows_the_error_and_approve_again() -> None:
    draft = make_draft(status=DraftStatus.failed, error="Gmail said <quota exceeded>")
    review = draft_review_message(draft)
    assert "Sending failed: Gmail said &lt;quota exceeded&gt;. Approve again to retry." in shown(
        review
    )
    assert labels(review) == ["Approve", "Edit", "Discard"]


def test_discarded_draft_says_who_discarded_it() -> None:
    draft = make_draft(status=DraftStatus.discarded)
    review = draft_review_message(draft, zone=NEW_YORK, discarded_by="U0OWNER")
    assert "Discarded by <@U0OWNER> at Mar 2, 9:05 AM EST. Nothing was sent." in shown(review)
    assert labels(review) == []


def test_button_value_round_trip_and_refusals() -> None:
    review = draft_review_message(make_draft(), zone=NEW_YORK)
    assert {b["value"] for b in iter_buttons(review["blocks"])} == {"dr_1:2"}
    assert decode(DraftVersion, "dr_1:2") == DraftVersion("dr_1", 2)
    assert decode(DraftVersion, "dr:with:colons:12") == DraftVersion("dr:with:colons", 12)
    for bad in ("", None, "dr_1", "dr_1:", ":3", "dr_1:two"):
        with pytest.raises(InvalidInput):
            decode(DraftVersion, bad)


def test_who_and_when() -> None:
    assert fallback_text(who("U1")) == mrkdwn(who("U1"))["text"] == "<@U1>"
    assert who(AUTO_SEND_ACTOR) == "auto-send"
    assert who("system:gmail") == "gmail"
    assert who(None) == "someone"
    assert when(datetime(2026, 1, 5, 5, 0, tzinfo=UTC), NEW_YORK) == "Jan 5, 12:00 AM EST"
    assert when(datetime(2026, 1, 5, 17, 0, tzinfo=UTC), NEW_YORK) == "Jan 5, 12:00 PM EST"
    assert when(None) == "an unknown time"


def test_the_asker_is_told_where_the_draft_went() -> None:
    result = FollowUpDraft(make_draft(), "Dana Smith", None, "inquiry", True)
    staff = draft_requested_message(result, owners_told=1, by_owner=False)
    assert staff == (
        "I drafted a follow-up to Dana Smith. It is waiting for an owner's approval; "
        "nothing is sent before that."
    )
    owner = draft_requested_message(result, owners_told=2, by_owner=True)
    assert "sent it to you by direct message for review" in owner
    nobody = draft_requested_message(result, owners_told=0, by_owner=False)
    assert "no owner is set up to review it" in nobody
    auto = draft_requested_message(result, owners_told=1, by_owner=False, auto_sent=True)
    assert auto.startswith("Auto-send is on, so the follow-up to Dana Smith was sent by email")


# --- what pressing Approve shows ------------------------------------------------------------


def _ny_workspace() -> Workspace:
    return Workspace(workspace_id="T0TEST", timezone="America/New_York", default_phone_region="US")


def _approved(**changes: object) -> Draft:
    fields: dict[str, object] = dict(
        status=DraftStatus.approved,
        approved_by="U0OWNER",
        approved_at=MORNING,
        approved_version=2,
    )
    fields.update(changes)
    return make_draft(**fields)


def test_a_second_approve_answers_who_did_it_and_changes_no_copy() -> None:
    approved = _approved()
    reply = approval_reply(
        Approval(ApprovalOutcome.already_approved, approved, "Dana Smith"), None, _ny_workspace()
    )
    assert reply.review is None
    assert reply.note is not None and fallback_text(reply.note) == (
        "Already approved by <@U0OWNER> at Mar 2, 9:05 AM EST; send it, then press Mark sent."
    )
    assert already_approved_text(approved, NEW_YORK) == reply.note

    sent = _approved(status=DraftStatus.sent, sent_by="U0OWNER2", sent_at=MORNING)
    reply = approval_reply(
        Approval(ApprovalOutcome.already_sent, sent, None), None, _ny_workspace()
    )
    assert reply.review is None and reply.note is not None
    assert fallback_text(reply.note) == "Already sent by <@U0OWNER2> at Mar 2, 9:05 AM EST."


def test_an_approval_to_send_by_hand_rerenders_the_copies_with_mark_sent() -> None:
    approval = Approval(ApprovalOutcome.approved, _approved(), "Dana Smith")
    reply = approval_reply(approval, None, _ny_workspace())
    assert reply.note is None and reply.review is not None
    assert "Approved by <@U0OWNER> at Mar 2, 9:05 AM EST." in shown(reply.review)
    assert "*To*\nDana Smith (dana@example.com)" in shown(reply.review)
    assert labels(reply.review) == ["Mark sent", "Edit"]


def test_a_delivered_claim_shows_the_delivery_and_a_refusal_says_approve_again() -> None:
    claimed = _approved(status=DraftStatus.sent, sent_by="U0OWNER", sent_at=MORNING)
    approval = Approval(ApprovalOutcome.claimed, claimed, "Dana Smith")

    delivered = _approved(
        status=DraftStatus.sent, sent_by="U0OWNER", sent_at=MORNING, sent_message_id="gmail-1"
    )
    reply = approval_reply(approval, SendOutcome(delivered, sent=True), _ny_workspace())
    assert reply.note is None and reply.review is not None
    assert (
        "Approved by <@U0OWNER> at Mar 2, 9:05 AM EST. Sent by <@U0OWNER> at Mar 2, 9:05 AM EST."
    ) in shown(reply.review)
    assert labels(reply.review) == []

    refused = _approved(status=DraftStatus.failed, error="Gmail said no.")
    failure = SendOutcome(refused, failed=True, error="Gmail said no.")
    reply = approval_reply(approval, failure, _ny_workspace())
    assert reply.note == "Sending failed: Gmail said no. Approve again to retry."
    assert reply.review is not None and labels(reply.review) == ["Approve", "Edit", "Discard"]
