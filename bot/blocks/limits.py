"""Block Kit's size limits in one place, and small constructors that never exceed them.

Slack refuses a whole message or view when one text is a character too long, so every builder
makes its blocks through these helpers: texts are cut with an ellipsis, long mrkdwn is split at
line ends, lists are capped with an "and N more" line. Ids and button values are never cut
(a cut id would point at nothing): a too-long one is a bug and raises `ValueError`. Elements
are then built with slack_sdk's Block Kit models (named fields, and the SDK's own checks as a
second guard); sections and actions stay dicts because they carry any element a builder made.
`bot.blocks.limit_check.limit_violations` walks any message or view and lists what breaks a
limit, for tests.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypedDict

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
)

Block = dict[str, Any]
View = dict[str, Any]  # a modal or the App Home tab, as `views.open` / `views.publish` take it


class Message(TypedDict):
    """What every builder returns and every handler sends: the fallback text and the blocks."""

    text: str
    blocks: list[Block]


# --- Slack's limits (api.slack.com/reference/block-kit) ------------------------------------------
MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100  # modal and App Home
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_SECTION_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_CALLBACK_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24  # submit and close
MAX_LABEL = 150  # input labels (Slack allows 2000; we keep them short like option texts)
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_INPUT_LENGTH = 3000  # plain_text_input max_length
MAX_PRIVATE_METADATA = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_FALLBACK_TEXT = 4000  # the notification text of a message; Slack cuts at 40,000

ELLIPSIS = "…"
BUTTON_STYLES = ("primary", "danger")

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{1,30}")
_MARK = "\ue000" + secrets.token_hex(6) + ":"
_MARK_END = "\ue001"
_MARKED = re.compile(re.escape(_MARK) + r"([UW][A-Z0-9]{1,30})" + re.escape(_MARK_END))
_STRAY_MARK = re.compile("\ue000[0-9a-f]{0,12}:?[A-Z0-9]*|\ue001")
_PARTIAL_LINK = re.compile(r"<[^<>]*$")


# --- text -----------------------------------------------------------------------------------------


def slack_len(text: str) -> int:
    """Length as Slack counts it (UTF-16 code units): an emoji like 🔧 counts two."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _prefix(text: str, units: int) -> str:
    """The longest prefix of at most `units` UTF-16 code units, never half an emoji."""
    if slack_len(text) <= units:
        return text
    return text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore")


def truncate(text: str, limit: int) -> str:
    """`text` if it fits, else cut to `limit` characters (as Slack counts) with an ellipsis."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if slack_len(text) <= limit:
        return text
    return _prefix(text, limit - 1).rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Escape &, < and > so a name like "A&B <Plumbing>" shows as typed in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_mention(user_id: str) -> str:
    """A mention the bot means (a Slack user id it was given, never typed text).

    It travels through builders as a marked token that `escape` leaves alone and becomes
    `<@U…>` only where a text object or a fallback is made; a typed `<@U123>` is escaped like
    any other text, and the mark carries a nonce made at start-up, so it cannot be typed.
    """
    if _SLACK_USER.fullmatch(user_id):
        return f"{_MARK}{user_id}{_MARK_END}"
    return escape(user_id)


def _with_mentions(text: str) -> str:
    """Marked mentions as Slack's `<@U…>`; a mark cut in half by truncation is dropped."""
    return _STRAY_MARK.sub("", _MARKED.sub(r"<@\1>", text))


def fallback_text(text: str) -> str:
    """A message's top-level `text` as Slack shows it: escaped (no ping), within its limit."""
    if not text.strip():
        return "—"
    shown = _with_mentions(escape(truncate(text, MAX_FALLBACK_TEXT)))
    return truncate_mrkdwn(shown, MAX_FALLBACK_TEXT)


def truncate_mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Cut mrkdwn without leaving half an `&amp;` entity or half a `<@U…>` mention behind."""
    if slack_len(text) <= limit:
        return text
    cut = _prefix(text, limit - 1)
    cut = _PARTIAL_ENTITY.sub("", cut)
    cut = _PARTIAL_LINK.sub("", cut)
    return cut.rstrip() + ELLIPSIS


def _plain_text(text: str, limit: int) -> PlainTextObject:
    shown = " ".join(_with_mentions(text).split()) or "—"
    return PlainTextObject(text=truncate(shown, limit), emoji=True)


def plain(text: str, limit: int = MAX_LABEL) -> dict[str, Any]:
    """A plain_text object within `limit` (Slack refuses an empty one, so blank shows a dash)."""
    return _plain_text(text, limit).to_dict()


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> dict[str, Any]:
    """A mrkdwn text object within `limit` (blank shows a dash)."""
    shown = _with_mentions(text)
    return MarkdownTextObject(
        text=truncate_mrkdwn(shown, limit) if shown.strip() else "—"
    ).to_dict()


def split_mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends (a longer line is cut itself)."""
    pieces: list[str] = []
    chunk = ""
    for line in text.split("\n"):
        while slack_len(line) > limit:
            if chunk:
                pieces.append(chunk)
                chunk = ""
            head = _prefix(line, limit)
            pieces.append(head)
            line = line[len(head) :]
        candidate = f"{chunk}\n{line}" if chunk else line
        if slack_len(candidate) > limit:
            pieces.append(chunk)
            candidate = line
        chunk = candidate
    if chunk.strip():
        pieces.append(chunk)
    return [piece for piece in pieces if piece.strip()]


# --- blocks ---------------------------------------------------------------------------------------


def _id(value: str | StrEnum, limit: int, what: str) -> str:
    text = str(value)
    if not text or len(text) > limit:
        raise ValueError(f"{what} must be 1 to {limit} characters: {text[:80]!r}")
    return text


def mrkdwn_section(
    text: str, *, block_id: str | None = None, accessory: Block | None = None
) -> Block:
    """One section of mrkdwn, cut at 3,000 characters (use `mrkdwn_sections` to keep it all)."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = _id(block_id, MAX_BLOCK_ID, "block_id")
    if accessory is not None:
        block["accessory"] = accessory
    return block


def mrkdwn_sections(text: str, *, max_blocks: int | None = None) -> list[Block]:
    """As many sections as the text needs, split at line ends; past `max_blocks` the rest is cut."""
    pieces = split_mrkdwn(text) or [""]
    if max_blocks is not None and len(pieces) > max_blocks:
        pieces = pieces[:max_blocks]
        pieces[-1] = truncate_mrkdwn(pieces[-1] + "\n" + ELLIPSIS * 2)
    return [mrkdwn_section(piece) for piece in pieces]


def fields_section(pairs: Iterable[tuple[str, str]]) -> Block:
    """A two-column section of `*label*\\nvalue` fields (at most 10, each cut at 2,000)."""
    fields = [
        mrkdwn(f"*{label}*\n{value}", MAX_FIELD_TEXT)
        for label, value in list(pairs)[:MAX_SECTION_FIELDS]
    ]
    return {"type": "section", "fields": fields or [mrkdwn("—")]}


def header(text: str) -> Block:
    """A header block (plain text, 150 characters)."""
    return HeaderBlock(text=_plain_text(text, MAX_HEADER_TEXT)).to_dict()


def context(*texts: str) -> Block:
    """A context block of up to 10 mrkdwn texts."""
    elements = [mrkdwn(text) for text in texts[:MAX_CONTEXT_ELEMENTS]]
    return {"type": "context", "elements": elements or [mrkdwn("—")]}


def divider() -> Block:
    return DividerBlock().to_dict()


def confirm_dialog(
    title: str, text: str, *, confirm: str = "Yes", deny: str = "Cancel", danger: bool = False
) -> Block:
    """The "are you sure?" dialog a button opens before its action runs."""
    return ConfirmObject(
        title=_plain_text(title, MAX_CONFIRM_TITLE),
        text=_plain_text(text, MAX_CONFIRM_TEXT),
        confirm=_plain_text(confirm, MAX_CONFIRM_BUTTON),
        deny=_plain_text(deny, MAX_CONFIRM_BUTTON),
        style="danger" if danger else None,
    ).to_dict()


def button(
    text: str,
    action_id: str | StrEnum,
    value: str,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    """A button: label cut at 75; an action_id over 255 or a value over 2,000 is a bug."""
    if slack_len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"a button value is {len(value)} characters; Slack allows 2000")
    if style is not None and style not in BUTTON_STYLES:
        raise ValueError(f"button style must be one of {BUTTON_STYLES}")
    return ButtonElement(
        text=_plain_text(text, MAX_BUTTON_TEXT),
        action_id=_id(action_id, MAX_ACTION_ID, "action_id"),
        value=value or None,  # Slack refuses an empty value; a button that needs none has none
        style=style,
        confirm=confirm,
    ).to_dict()


def link_button(text: str, action_id: str | StrEnum, url: str) -> Block:
    """A primary button that opens `url` in the browser (Slack still sends the click)."""
    return {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": _id(action_id, MAX_ACTION_ID, "action_id"),
        "url": url,
        "style": "primary",
    }


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    """An actions block of up to 25 elements (its block_id is unique within the message)."""
    return {
        "type": "actions",
        "block_id": _id(block_id, MAX_BLOCK_ID, "block_id"),
        "elements": list(elements[:MAX_ACTIONS_ELEMENTS]),
    }


def option(text: str, value: str) -> Block:
    """A select option: text cut at 75; a value over 150 is a bug."""
    return Option(
        text=_plain_text(text, MAX_OPTION_TEXT), value=_id(value, MAX_OPTION_VALUE, "value")
    ).to_dict()


# --- lists ----------------------------------------------------------------------------------------

Item = Block | Sequence[Block]
MoreText = str | Callable[[int], str]


def more_line(count: int, more_text: MoreText) -> Block:
    """The context line that says how many were left out and how to see them."""
    text = more_text(count) if callable(more_text) else more_text.format(n=count)
    return context(text)


def cap_blocks(items: Sequence[Item], limit: int, more_text: MoreText) -> list[Block]:
    """Keep whole items (a block, or a record's group of blocks) within `limit` blocks.

    When some must go, the last kept block is a context line from `more_text` (a format
    string with `{n}`, or a function of n) saying how many items were left out.
    """
    groups = [[item] if isinstance(item, Mapping) else list(item) for item in items]
    total = sum(len(group) for group in groups)
    if total <= limit:
        return [block for group in groups for block in group]
    kept: list[Block] = []
    shown = 0
    for group in groups:
        if len(kept) + len(group) > limit - 1:
            break
        kept.extend(group)
        shown += 1
    return kept + [more_line(len(groups) - shown, more_text)]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A chat message: the fallback `text` (notifications) plus at most 50 blocks.

    Every builder assembles its fallback here from plain words and what people typed, so it
    is escaped here: Slack reads `<!channel>` or `<@U…>` in a message's `text` as a ping.
    """
    return {
        "text": fallback_text(text),
        "blocks": list(blocks[:MAX_BLOCKS_MESSAGE]),
    }


def modal(
    *,
    callback_id: str | StrEnum,
    title: str,
    blocks: Sequence[Block],
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> View:
    """A modal view: title and buttons cut at 24, at most 100 blocks, metadata within 3,000."""
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is {len(private_metadata)} characters; max 3000")
    view: View = {
        "type": "modal",
        "callback_id": _id(callback_id, MAX_CALLBACK_ID, "callback_id"),
        "title": plain(title, MAX_MODAL_TITLE),
        "close": plain(close, MAX_MODAL_BUTTON),
        "blocks": list(blocks[:MAX_BLOCKS_VIEW]),
    }
    if submit is not None:
        view["submit"] = plain(submit, MAX_MODAL_BUTTON)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view
