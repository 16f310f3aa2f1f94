"""The shared Block Kit limit helpers: nothing they build can exceed a limit Slack enforces."""

from __future__ import annotations

from typing import Any

import pytest

from bot.blocks import limits
from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import (
    button,
    cap_blocks,
    confirm_dialog,
    context,
    escape,
    fallback_text,
    header,
    message,
    modal,
    mrkdwn,
    mrkdwn_section,
    mrkdwn_sections,
    option,
    plain,
    split_mrkdwn,
    truncate,
    truncate_mrkdwn,
    user_mention,
)
from bot.ids import ActionId, BlockId, ViewId

EMOJI = "🔧"
HUGE = "Dana “the plumber” O'Brien & <Sons> " + EMOJI * 5000  # ~10 KB


def test_the_limits_are_slacks() -> None:
    assert limits.MAX_BLOCKS_MESSAGE == 50
    assert limits.MAX_BLOCKS_VIEW == 100
    assert limits.MAX_SECTION_TEXT == 3000
    assert limits.MAX_BUTTON_TEXT == 75
    assert limits.MAX_ACTION_ID == 255
    assert limits.MAX_BUTTON_VALUE == 2000
    assert limits.MAX_MODAL_TITLE == 24
    assert limits.MAX_LABEL == 150 and limits.MAX_OPTION_TEXT <= 150


def test_truncate_keeps_short_text_and_cuts_long_with_an_ellipsis() -> None:
    assert truncate("Dana", 10) == "Dana"
    assert truncate("abcdefghij", 10) == "abcdefghij"
    assert truncate("abcdefghijk", 10) == "abcdefghi…"
    assert 73 <= limits.slack_len(truncate(HUGE, 75)) <= 75


def test_plain_text_is_cut_and_never_empty() -> None:
    assert plain(HUGE, 24)["text"] == "Dana “the plumber” O'Br…"
    assert plain("   ")["text"] == "—"
    assert plain("two\nlines")["text"] == "two lines"


def test_escape_and_cutting_mrkdwn_never_leave_half_an_entity() -> None:
    assert escape("A&B <Plumbing>") == "A&amp;B &lt;Plumbing&gt;"
    text = "x" * 2996 + "&amp;tail"
    cut = truncate_mrkdwn(text, 3000)
    assert len(cut) <= 3000 and cut.endswith("x…")
    mention = "y" * 2990 + "<@U0OWNER> later"
    assert truncate_mrkdwn(mention, 3000).endswith("y…")


def test_a_long_text_splits_into_sections_at_line_ends() -> None:
    lines = [f"— line {n} " + "z" * 90 for n in range(100)]  # ~10 KB
    pieces = split_mrkdwn("\n".join(lines))
    assert all(len(piece) <= 3000 for piece in pieces)
    assert "\n".join(pieces) == "\n".join(lines)
    one_line = split_mrkdwn("q" * 7000)
    assert [len(p) for p in one_line] == [3000, 3000, 1000]
    sections = mrkdwn_sections("\n".join(lines), max_blocks=2)
    assert len(sections) == 2 and limit_violations(sections) == []


def test_a_section_is_cut_at_3000() -> None:
    block = mrkdwn_section(HUGE, block_id="crm-x")
    assert len(block["text"]["text"]) <= 3000 and block["block_id"] == "crm-x"
    assert mrkdwn_section("")["text"]["text"] == "—"


def test_button_cuts_its_label_and_refuses_ids_and_values_it_cannot_keep() -> None:
    b = button(HUGE, ActionId.LOG_CALL, "ld_1", style="primary")
    assert limits.slack_len(b["text"]["text"]) <= 75 and b["action_id"] == "crm-log-call"
    assert b["style"] == "primary" and b["value"] == "ld_1"
    with pytest.raises(ValueError):
        button("Go", ActionId.LOG_CALL, "v" * 2001)
    with pytest.raises(ValueError):
        button("Go", "a" * 256, "v")
    with pytest.raises(ValueError):
        button("Go", ActionId.LOG_CALL, "v", style="green")
    assert button("Go", "a" * 255, "v" * 2000)["value"] == "v" * 2000


def test_confirm_dialog_fits() -> None:
    dialog = confirm_dialog(HUGE, HUGE, confirm=HUGE, deny=HUGE, danger=True)
    b = button("Mark won", ActionId.MARK_WON, "op_1", confirm=dialog)
    assert limits.slack_len(dialog["title"]["text"]) <= 100
    assert 298 <= limits.slack_len(dialog["text"]["text"]) <= 300
    assert limits.slack_len(dialog["confirm"]["text"]) <= 30 and dialog["style"] == "danger"
    assert limit_violations([{"type": "actions", "block_id": "a", "elements": [b]}]) == []


def test_header_context_and_option_fit() -> None:
    assert 148 <= limits.slack_len(header(HUGE)["text"]["text"]) <= 150
    assert len(context(*[HUGE] * 20)["elements"]) == 10
    assert limits.slack_len(option(HUGE, "phone_call")["text"]["text"]) <= 75
    with pytest.raises(ValueError):
        option("x", "v" * 151)


def test_cap_blocks_keeps_whole_records_and_says_how_many_more() -> None:
    groups = [[mrkdwn_section(f"lead {n}"), context("buttons")] for n in range(500)]
    capped = cap_blocks(groups, 50, "…and {n} more stale leads — type `/followups`.")
    assert len(capped) == 49  # 24 records of 2 blocks, then the "more" line
    assert capped[-1]["elements"][0]["text"] == "…and 476 more stale leads — type `/followups`."
    assert capped[-3]["text"]["text"] == "lead 23"


def test_cap_blocks_takes_single_blocks_and_a_plural_function() -> None:
    blocks = [mrkdwn_section(str(n)) for n in range(5)]
    assert cap_blocks(blocks, 5, "{n} more") == blocks
    capped = cap_blocks(blocks, 4, lambda n: f"{n} more {'item' if n == 1 else 'items'}")
    assert [b["type"] for b in capped] == ["section"] * 3 + ["context"]
    assert capped[-1]["elements"][0]["text"] == "2 more items"


def test_message_and_modal_enforce_their_sizes() -> None:
    many = [mrkdwn_section(str(n)) for n in range(120)]
    assert len(message(HUGE, many)["blocks"]) == 50
    assert len(message(HUGE, many)["text"]) <= limits.MAX_FALLBACK_TEXT
    view = modal(callback_id=ViewId.NEW_LEAD, title=HUGE, blocks=many, submit=HUGE)
    assert len(view["blocks"]) == 100 and view["title"]["text"] == "Dana “the plumber” O'Br…"
    assert limits.slack_len(view["submit"]["text"]) <= 24 and limit_violations(view) == []
    with pytest.raises(ValueError):
        modal(callback_id=ViewId.NEW_LEAD, title="x", blocks=[], private_metadata="m" * 3001)


def test_limit_violations_finds_what_slack_would_refuse() -> None:
    bad_button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "crm-x",
        "value": "v" * 2001,
    }
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}},
        {"type": "actions", "block_id": BlockId.LEAD_ACTIONS.value, "elements": [bad_button]},
        {"type": "actions", "block_id": BlockId.LEAD_ACTIONS.value, "elements": []},
    ]
    blocks += [{"type": "divider"}] * 50
    problems = limit_violations(blocks)
    assert any("53 blocks" in p for p in problems)
    assert any("section text is 3001" in p for p in problems)
    assert any("button text 76" in p for p in problems)
    assert any("button value 2001" in p for p in problems)
    assert "block_ids repeat" in problems
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
    assert limit_violations(view) == ["view title is 25 chars (limit 24)"]


def test_emoji_count_as_slack_counts_them() -> None:
    assert limits.slack_len(EMOJI) == 2 and limits.slack_len("é") == 1
    cut = truncate(EMOJI * 100, 75)
    assert limits.slack_len(cut) <= 75 and cut.endswith("…")
    assert cut[:-1] == EMOJI * 37  # never half an emoji
    pieces = split_mrkdwn(EMOJI * 4000)
    assert [limits.slack_len(p) for p in pieces] == [3000, 3000, 2000]
    assert limit_violations([mrkdwn_section(EMOJI * 4000)]) == []


def test_a_mention_the_bot_means_survives_escaping_and_a_typed_one_does_not() -> None:
    typed = "<!channel> Eve <@U123> <#C9> & \ue000deadbeef:U1\ue001"
    sent = fallback_text(f"Approved by {user_mention('U0OWNER')} for {typed}")
    assert sent == (
        # a guessed mark is dropped: the real one carries a nonce made at start-up
        "Approved by <@U0OWNER> for &lt;!channel&gt; Eve &lt;@U123&gt; &lt;#C9&gt; &amp; "
    )
    assert mrkdwn(f"*{escape(typed)}* by {user_mention('U0OWNER')}")["text"].endswith(
        " by <@U0OWNER>"
    )
    assert user_mention("<!channel>") == "&lt;!channel&gt;"  # not a user id: escaped text
