"""What a plain-words request is while it is answered, and what answering it gives back.

Shared by `bot.handlers.plain_words` (the table of answers) and `bot.handlers.record_words`
(the requests that read or change one record by name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import answers
from bot.blocks.audience import Audience, for_audience
from bot.blocks.limits import Message
from bot.context import BotContext
from core.errors import CRMError
from core.models import Workspace

__all__ = ["Answer", "Request", "finish_answer"]


@dataclass(frozen=True)
class Answer:
    """What to show the person, or the work to run once the transaction committed.

    `after_commit` returns the message to show instead of `message`.
    """

    message: Message
    after_commit: Callable[[WebClient], Message] | None = None


def finish_answer(answer: Answer, client: WebClient, audience: Audience) -> Message:
    """Run an answer's after-commit work; the message to show (a refusal in words if refused).

    `audience` is who reads it: the asker alone, or a channel (`bot.blocks.audience`).
    """
    if answer.after_commit is None:
        return for_audience(answer.message, audience)
    try:
        return for_audience(answer.after_commit(client), audience)
    except CRMError as error:
        return answers.notice(error.message)


@dataclass(frozen=True)
class Request:
    """One request being answered: who asks, in which workspace, about whom, and when."""

    ctx: BotContext
    session: Session
    workspace: Workspace
    actor: str
    now: datetime
    name: str
    detail: str | None = None

    @property
    def region(self) -> str:
        return self.workspace.default_phone_region
