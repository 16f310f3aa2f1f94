"""What the local Slack stand-in answers each Web API method, in Slack's documented shapes.

`console.local_slack.LocalSlackAPI` is the HTTP server that receives and records the calls;
this mixin is what Slack would say back: message timestamps that count up, users and channels
made up from their ids, views kept with a fresh hash, files uploaded in two steps, the OAuth
code exchange. It keeps what a test or the console asserts on (`views`, `published`,
`uploads`, and every message shown) on the stand-in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

BASE_TS = 1_700_000_000_000_000  # microseconds; message ts values count up from here
BOT_ID = "B0LOCAL"
PERMALINK = "https://local.slack.com/archives/"


class SlackMethodAnswers:
    """Slack's answers and the state they need; `LocalSlackAPI` sets every attribute."""

    team_id: str
    bot_user_id: str
    installer_user_id: str
    users: dict[str, str]
    views: dict[str, dict[str, Any]]
    published: dict[str, dict[str, Any]]
    uploads: list[dict[str, Any]]
    on_message: Callable[[dict[str, Any]], None] | None
    root: str
    _messages: list[dict[str, Any]]
    _pending_files: dict[str, dict[str, Any]]
    _channels: dict[str, None]
    _lock: threading.RLock
    _counter: int

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _ts(self) -> str:
        """Mint a unique, increasing message ts like Slack's."""
        v = BASE_TS + self._next() * 100
        return f"{v // 1_000_000}.{v % 1_000_000:06d}"

    def _record_message(self, **msg: Any) -> None:
        """Append to `messages` and tell the console, if it is listening."""
        with self._lock:
            self._messages.append(msg)
        if self.on_message is not None:
            self.on_message(dict(msg))

    def _user(self, uid: str) -> dict[str, Any]:
        """Invent a plausible user so any id the app looks up resolves to a name."""
        real = self.users.get(uid) or ("CRM Bot" if uid == self.bot_user_id else f"User {uid}")
        name = real.lower().replace(" ", ".")
        profile = {"real_name": real, "display_name": name, "email": f"{name}@example.com"}
        info: dict[str, Any] = {"id": uid, "team_id": self.team_id, "name": name, "real_name": real}
        info |= {"tz": "America/New_York", "tz_offset": -18000, "deleted": False}
        return info | {"is_bot": uid == self.bot_user_id, "profile": profile}

    def _channel(self, cid: str) -> dict[str, Any]:
        """Describe a channel by its id prefix: C public, D direct message, G group."""
        info: dict[str, Any] = {"id": cid, "name": cid.lower(), "is_im": cid[:1] == "D"}
        info["is_channel"] = cid[:1] == "C"
        info |= {"is_member": True, "is_archived": False}
        return info | ({"user": cid[1:]} if info["is_im"] else {})

    def _view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Stamp a submitted view with the fields Slack adds, with a fresh hash each time."""
        n = self._next()
        vid = view_id or f"V{n:010d}"
        base = {"callback_id": "", "private_metadata": "", "external_id": "", "root_view_id": vid}
        meta = {"id": vid, "team_id": self.team_id, "state": {"values": {}}, "app_id": "A0LOCAL"}
        return base | view | meta | {"hash": f"1700000000.{n:08x}", "bot_id": BOT_ID}

    def _chat(self, kind: str, p: dict[str, Any], ts: Any, **extra: Any) -> None:
        """Record one chat.* message in the shape `messages` promises."""
        fields = {k: p.get(k) for k in ("text", "blocks", "thread_ts")}
        self._record_message(kind=kind, channel=p.get("channel"), ts=ts, **fields, **extra)

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """Build Slack's documented response shape for one method."""
        ok: dict[str, Any] = {"ok": True}
        channel = p.get("channel") or p.get("channel_id")
        if channel:
            with self._lock:
                self._channels.setdefault(str(channel))
        if method == "oauth.v2.access":
            return ok | self._oauth_access(p)
        if method == "auth.test":
            ids = {"team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": BOT_ID}
            return ok | {"url": "https://local.slack.com/", "team": "Local", "user": "crm"} | ids
        if method == "chat.postMessage":
            ts = self._ts()
            self._chat("message", p, ts)
            msg = {"type": "message", "user": self.bot_user_id, "bot_id": BOT_ID, "ts": ts}
            msg |= {k: p[k] for k in ("text", "blocks", "thread_ts") if p.get(k) is not None}
            return ok | {"channel": channel, "ts": ts, "message": msg}
        if method == "chat.postEphemeral":
            ts = self._ts()
            self._chat("ephemeral", p, ts, user=p.get("user"))
            return ok | {"message_ts": ts}
        if method == "chat.update":
            old_ts, text = p.get("ts"), p.get("text")
            self._chat("update", p, old_ts)
            return ok | {"channel": channel, "ts": old_ts, "text": text, "message": {"text": text}}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            return ok | {"channel": channel, "permalink": f"{PERMALINK}{channel}/p{ts}"}
        if method == "conversations.open":
            users = [u for u in str(p.get("users") or "").split(",") if u]
            cid = channel or ("D" + users[0] if len(users) == 1 else "G" + "".join(users))
            with self._lock:
                self._channels.setdefault(cid)
            return ok | {"channel": self._channel(cid)}
        if method == "conversations.info":
            return ok | {"channel": self._channel(str(channel))}
        if method == "conversations.list":
            chans = [self._channel(c) for c in list(self._channels) if not c.startswith("D")]
            return ok | {"channels": chans, "response_metadata": {"next_cursor": ""}}
        if method == "users.info":
            return ok | {"user": self._user(str(p.get("user")))}
        if method == "users.list":
            members = [self._user(u) for u in {self.bot_user_id, *self.users}]
            return ok | {"members": members, "response_metadata": {"next_cursor": ""}}
        if method.startswith("views."):
            return self._views(method, p)
        if method == "files.getUploadURLExternal":
            fid = f"F{self._next():010d}"
            with self._lock:
                self._pending_files[fid] = {"filename": p.get("filename"), "content": b""}
            return ok | {"upload_url": f"{self.root}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            done = []
            for f in p.get("files") or []:
                with self._lock:
                    pending = self._pending_files.pop(f["id"], {})
                name, content = pending.get("filename"), pending.get("content", b"")
                title = f.get("title") or name
                extra = {k: p.get(k) for k in ("initial_comment", "thread_ts")}
                upload = {"id": f["id"], "filename": name, "title": title, "content": content}
                with self._lock:
                    self.uploads.append(upload | {"channel_id": channel} | extra)
                done.append({"id": f["id"], "title": title, "name": name})
            return ok | {"files": done}
        return ok

    def _oauth_access(self, p: dict[str, Any]) -> dict[str, Any]:
        """Exchange an install code for a bot token the way Slack's oauth.v2.access answers."""
        scope = "commands,chat:write,chat:write.public,im:write,im:history,im:read"
        scope += ",app_mentions:read,users:read,files:write,channels:read,groups:read"
        return {
            "app_id": "A0LOCAL",
            "authed_user": {"id": self.installer_user_id},
            "scope": scope,
            "token_type": "bot",
            "access_token": f"xoxb-{self.team_id}-{p.get('code', 'code')}",
            "bot_user_id": self.bot_user_id,
            "team": {"id": self.team_id, "name": "Local"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _views(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """Answer views.open/push/update/publish, keeping the latest version of each view."""
        with self._lock:
            if method in ("views.open", "views.push", "views.publish"):
                view = self._view(p.get("view") or {})
                if method == "views.publish":
                    self.published[str(p.get("user_id"))] = view
                else:
                    self.views[view["id"]] = view
                return {"ok": True, "view": view}
            if method != "views.update":
                return {"ok": True}
            ext = p.get("external_id")
            vid = p.get("view_id") or next(
                (k for k, v in self.views.items() if ext and v.get("external_id") == ext), ""
            )
            old = self.views.get(vid)
            if old is None:
                return {"ok": False, "error": "not_found"}
            if p.get("hash") and p["hash"] != old["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            self.views[vid] = view = self._view(p.get("view") or {}, view_id=vid)
            return {"ok": True, "view": view}
