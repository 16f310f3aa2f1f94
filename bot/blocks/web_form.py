"""`/crm form`: the web form's address, its state, a snippet to paste, and the owner's buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.limits import (
    Message,
    actions,
    button,
    confirm_dialog,
    context,
    escape,
    message,
    mrkdwn_section,
)
from bot.ids import ActionId, BlockId

__all__ = ["FormState", "form_message"]


@dataclass(frozen=True)
class FormState:
    """What an owner sees of the form: its URL (None before it is set up), on or off, redirect."""

    url: str | None
    enabled: bool
    redirect_url: str | None = None


def _snippet(url: str) -> str:
    return (
        f'<form action="{url}" method="post">\n'
        '  <input name="name" placeholder="Name" required>\n'
        '  <input name="phone" type="tel" placeholder="Phone">\n'
        '  <input name="email" type="email" placeholder="Email">\n'
        '  <input name="address" placeholder="Service address">\n'
        '  <textarea name="message" placeholder="How can we help?"></textarea>\n'
        '  <input name="crm_hp" tabindex="-1" autocomplete="off" style="display:none">\n'
        '  <button type="submit">Send</button>\n'
        "</form>"
    )


def form_message(state: FormState) -> Message:
    """The form's address and snippet when it is on; how to turn it on when it is not."""
    if state.url is None or not state.enabled:
        text = "The web form is off: inquiries from your website do not reach the CRM."
        blocks = [
            mrkdwn_section(escape(text)),
            actions(BlockId.FORM_ACTIONS, [button("Turn on", ActionId.FORM_ON, "on", "primary")]),
        ]
        return message(text, blocks)
    text = f"Your web form takes inquiries at {state.url}"
    blocks = [
        mrkdwn_section(
            f"*Web form* — on. Inquiries posted to\n`{escape(state.url)}`\nbecome leads."
        ),
        mrkdwn_section("Paste this into your website:\n```" + escape(_snippet(state.url)) + "```"),
        context(
            "After sending, visitors see "
            + (escape(state.redirect_url) if state.redirect_url else "a thank-you page")
            + " (`/crm form redirect https://…` or `off`). JSON posts and signatures: "
            "docs/web-form.md. The link is a secret: keep it to your site."
        ),
        actions(
            BlockId.FORM_ACTIONS,
            [
                button(
                    "New form link",
                    ActionId.FORM_NEW_LINK,
                    "rotate",
                    confirm=confirm_dialog(
                        "New form link?",
                        "The current link stops working at once; paste the new snippet into "
                        "your website.",
                        confirm="New link",
                    ),
                ),
                button("Turn off", ActionId.FORM_OFF, "off", "danger"),
            ],
        ),
    ]
    return message(text, blocks)
