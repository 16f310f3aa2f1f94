"""`for_audience`: one place fits owner-only buttons to who reads the message."""

from __future__ import annotations

from bot.blocks.audience import OWNER_ONLY, Audience, for_audience
from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import (
    actions,
    button,
    confirm_dialog,
    message,
    mrkdwn_section,
)
from bot.ids import ActionId


def _card() -> dict[str, object]:
    dialog = confirm_dialog("Discard?", "It stays in the history.", confirm="Discard")
    return dict(
        message(
            "A job",
            [
                mrkdwn_section("*Kitchen remodel*"),
                actions(
                    "crm-opportunity-actions-op_1",
                    [
                        button("Log call", ActionId.LOG_CALL, "op_1"),
                        button("Mark won", ActionId.MARK_WON, "op_1", style="primary"),
                    ],
                ),
                actions(
                    "crm-only-owners", [button("Discard", ActionId.DISCARD, "d:1", confirm=dialog)]
                ),
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "QuickBooks"},
                    "accessory": button("Connect QuickBooks", ActionId.CONNECT_QUICKBOOKS, "home"),
                },
            ],
        )
    )


def _labels(shown: dict[str, object]) -> list[str]:
    found = []
    for block in shown["blocks"]:  # type: ignore[attr-defined]
        elements = block.get("elements") if block["type"] == "actions" else [block.get("accessory")]
        found += [e["text"]["text"] for e in elements or [] if e and e.get("type") == "button"]
    return found


def test_an_owner_sees_every_button_as_built() -> None:
    card = _card()
    assert for_audience(card, Audience.owner) == card


def test_staff_alone_are_not_offered_what_they_may_not_press() -> None:
    shown = for_audience(_card(), Audience.staff)
    assert _labels(shown) == ["Log call"]
    # the actions block left empty is gone, the section keeps its text without the button
    assert [b.get("block_id") for b in shown["blocks"]] == [  # type: ignore[attr-defined]
        None,
        "crm-opportunity-actions-op_1",
        None,
    ]
    assert limit_violations(shown["blocks"]) == []  # type: ignore[arg-type]


def test_a_shared_message_labels_owner_buttons_and_asks_nothing_before_the_bot() -> None:
    shown = for_audience(_card(), Audience.shared)
    assert _labels(shown) == [
        "Log call",
        "Mark won (owner)",
        "Discard (owner)",
        "Connect QuickBooks (owner)",
    ]
    buttons = [e for b in shown["blocks"] for e in b.get("elements", [])]  # type: ignore[attr-defined]
    assert not any("confirm" in e for e in buttons)  # Slack would ask before the bot could refuse
    assert for_audience(shown, Audience.shared) == shown  # labelled once


def test_the_owner_only_list_names_what_core_refuses() -> None:
    assert OWNER_ONLY[ActionId.MARK_WON] == "mark a deal won"
    assert ActionId.LOG_CALL not in OWNER_ONLY and ActionId.MARK_SENT not in OWNER_ONLY
