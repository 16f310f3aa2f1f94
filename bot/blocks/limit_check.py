"""Check a finished message or view against Block Kit's limits, for tests and assertions.

The builders keep within the limits by construction (`bot.blocks.limits`); this walks any
payload, whoever built it, and lists every limit it breaks, so a test can say "none".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.limits import (
    MAX_ACTION_ID,
    MAX_ACTIONS_ELEMENTS,
    MAX_BLOCK_ID,
    MAX_BLOCKS_MESSAGE,
    MAX_BLOCKS_VIEW,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CALLBACK_ID,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_LABEL,
    MAX_MODAL_BUTTON,
    MAX_MODAL_TITLE,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_OPTIONS,
    MAX_PLACEHOLDER,
    MAX_PRIVATE_METADATA,
    MAX_SECTION_FIELDS,
    MAX_SECTION_TEXT,
    Block,
    slack_len,
)

_TEXT_LIMITS = {
    "header": MAX_HEADER_TEXT,
    "section": MAX_SECTION_TEXT,
    "context": MAX_SECTION_TEXT,
    "button": MAX_BUTTON_TEXT,
    "option": MAX_OPTION_TEXT,
    "input": MAX_LABEL,
    "placeholder": MAX_PLACEHOLDER,
}


def _text_of(obj: Any) -> str | None:
    text = obj.get("text") if isinstance(obj, Mapping) else None
    return text if isinstance(text, str) else None


def _check_element(element: Mapping[str, Any], where: str, problems: list[str]) -> None:
    kind = element.get("type")
    if kind == "button":
        label = _text_of(element.get("text")) or ""
        if not label or slack_len(label) > MAX_BUTTON_TEXT:
            problems.append(f"{where}: button text {slack_len(label)} chars")
        if len(str(element.get("action_id", ""))) > MAX_ACTION_ID:
            problems.append(f"{where}: action_id too long")
        if slack_len(str(element.get("value", ""))) > MAX_BUTTON_VALUE:
            problems.append(f"{where}: button value {len(str(element.get('value')))} chars")
        dialog = element.get("confirm")
        if dialog:
            for key, limit in (("title", MAX_CONFIRM_TITLE), ("text", MAX_CONFIRM_TEXT)):
                if slack_len(_text_of(dialog.get(key)) or "") > limit:
                    problems.append(f"{where}: confirm {key} too long")
    for opt in list(element.get("options") or []) + [element.get("initial_option") or {}]:
        if opt and slack_len(_text_of(opt.get("text")) or "") > MAX_OPTION_TEXT:
            problems.append(f"{where}: option text too long")
        if opt and len(str(opt.get("value", ""))) > MAX_OPTION_VALUE:
            problems.append(f"{where}: option value too long")
    if len(element.get("options") or []) > MAX_OPTIONS:
        problems.append(f"{where}: more than {MAX_OPTIONS} options")
    placeholder = _text_of(element.get("placeholder"))
    if placeholder is not None and slack_len(placeholder) > MAX_PLACEHOLDER:
        problems.append(f"{where}: placeholder too long")


def _check_block(block: Mapping[str, Any], where: str, problems: list[str]) -> None:
    kind = str(block.get("type"))
    if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
        problems.append(f"{where}: block_id too long")
    text = _text_of(block.get("text"))
    if text is not None:
        limit = _TEXT_LIMITS.get(kind, MAX_SECTION_TEXT)
        if not text or slack_len(text) > limit:
            problems.append(f"{where}: {kind} text is {slack_len(text)} chars (limit {limit})")
    for field in block.get("fields") or []:
        if slack_len(_text_of(field) or "") > MAX_FIELD_TEXT:
            problems.append(f"{where}: field text too long")
    if len(block.get("fields") or []) > MAX_SECTION_FIELDS:
        problems.append(f"{where}: more than {MAX_SECTION_FIELDS} fields")
    if kind == "context":
        if len(block.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"{where}: context has too many elements")
        for element in block.get("elements") or []:
            if slack_len(_text_of(element) or "") > MAX_SECTION_TEXT:
                problems.append(f"{where}: context text too long")
    if kind == "actions" and len(block.get("elements") or []) > MAX_ACTIONS_ELEMENTS:
        problems.append(f"{where}: actions has too many elements")
    if kind == "input":
        label = _text_of(block.get("label")) or ""
        if not label or slack_len(label) > MAX_LABEL:
            problems.append(f"{where}: input label is {slack_len(label)} chars")
    elements = list(block.get("elements") or []) if kind == "actions" else []
    for extra in (block.get("accessory"), block.get("element")):
        if isinstance(extra, Mapping):
            elements.append(extra)
    for n, element in enumerate(elements):
        _check_element(element, f"{where}.element[{n}]", problems)


def limit_violations(payload: Mapping[str, Any] | Sequence[Block]) -> list[str]:
    """Every Block Kit limit a message, a view or a list of blocks breaks (empty when fine)."""
    problems: list[str] = []
    if isinstance(payload, Mapping):
        blocks = list(payload.get("blocks") or [])
        kind = payload.get("type")
        max_blocks = MAX_BLOCKS_VIEW if kind in ("modal", "home") else MAX_BLOCKS_MESSAGE
        if kind == "modal":
            for key, limit in (
                ("title", MAX_MODAL_TITLE),
                ("submit", MAX_MODAL_BUTTON),
                ("close", MAX_MODAL_BUTTON),
            ):
                value = _text_of(payload.get(key))
                if value is not None and (not value or slack_len(value) > limit):
                    problems.append(f"view {key} is {slack_len(value)} chars (limit {limit})")
        if len(str(payload.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
            problems.append("private_metadata too long")
        if len(str(payload.get("callback_id", ""))) > MAX_CALLBACK_ID:
            problems.append("callback_id too long")
    else:
        blocks, max_blocks = list(payload), MAX_BLOCKS_MESSAGE
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (limit {max_blocks})")
    block_ids = [str(b["block_id"]) for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("block_ids repeat")
    for n, block in enumerate(blocks):
        _check_block(block, f"block[{n}]", problems)
    return problems
