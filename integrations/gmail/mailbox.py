"""`GmailMailbox`: core's `Mailbox` port over the Gmail API.

Transient answers (429, 5xx) are retried by the client library with backoff
(`execute(num_retries=...)`); a refused refresh token or a 401 after refreshing is
`MailboxRefused` (the owners are asked to reconnect); a 404 on `history.list` means the stored
history id is too old, `HistoryExpired`, and the caller syncs recent mail again.
"""

from __future__ import annotations

from typing import Any

from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from core.ports import HistoryExpired, InboundEmail, MailboxRefused, OutboundEmail, SentEmail
from integrations.gmail.messages import inbound_email, mime_message

__all__ = ["GmailMailbox"]

RETRIES = 3
_ME = "me"


class GmailMailbox:
    """One connected Gmail account; `address` is the mailbox's own address."""

    def __init__(self, service: Any, *, address: str) -> None:
        self._service = service
        self.address = address

    def _execute(self, request: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = request.execute(num_retries=RETRIES)
        except RefreshError as error:
            raise MailboxRefused(f"Google refused the stored token ({error.args[0]})") from None
        except HttpError as error:
            if error.resp.status in (401, 403):
                raise MailboxRefused(f"Gmail answered {error.resp.status}") from None
            raise
        return result

    def send(self, email: OutboundEmail) -> SentEmail:
        body: dict[str, Any] = {"raw": mime_message(email, from_address=self.address)}
        if email.thread_id:
            body["threadId"] = email.thread_id
        sent = self._execute(self._service.users().messages().send(userId=_ME, body=body))
        return SentEmail(message_id=str(sent["id"]), thread_id=sent.get("threadId"))

    def profile_address(self) -> str:
        """The mailbox's own address, as Gmail knows it (checks the credentials too)."""
        return str(self._execute(self._service.users().getProfile(userId=_ME))["emailAddress"])

    def current_history_id(self) -> str:
        return str(self._execute(self._service.users().getProfile(userId=_ME))["historyId"])

    def recent_message_ids(self, *, days: int, limit: int) -> list[str]:
        """Ids of mail received in the last `days` days, newest first, at most `limit`."""
        ids: list[str] = []
        token = None
        while len(ids) < limit:
            page = self._execute(
                self._service.users()
                .messages()
                .list(
                    userId=_ME,
                    q=f"newer_than:{days}d -in:sent -in:chats",
                    maxResults=min(100, limit - len(ids)),
                    pageToken=token,
                )
            )
            ids += [str(m["id"]) for m in page.get("messages") or []]
            token = page.get("nextPageToken")
            if not token:
                break
        return ids[:limit]

    def message_ids_since(self, history_id: str, *, limit: int) -> tuple[list[str], str]:
        """Ids of messages added since `history_id`, oldest first, and the new history id."""
        ids: list[str] = []
        latest, token = history_id, None
        while True:
            try:
                page = self._execute(
                    self._service.users()
                    .history()
                    .list(
                        userId=_ME,
                        startHistoryId=history_id,
                        historyTypes="messageAdded",
                        pageToken=token,
                    )
                )
            except HttpError as error:
                if error.resp.status == 404:
                    raise HistoryExpired(history_id) from None
                raise
            for record in page.get("history") or []:
                for added in record.get("messagesAdded") or []:
                    labels = added.get("message", {}).get("labelIds") or []
                    if "SENT" not in labels and "DRAFT" not in labels:
                        ids.append(str(added["message"]["id"]))
            latest = str(page.get("historyId") or latest)
            token = page.get("nextPageToken")
            if not token or len(ids) >= limit:
                return list(dict.fromkeys(ids))[:limit], latest

    def fetch(self, message_id: str) -> InboundEmail:
        resource = self._execute(
            self._service.users().messages().get(userId=_ME, id=message_id, format="full")
        )
        return inbound_email(resource)
