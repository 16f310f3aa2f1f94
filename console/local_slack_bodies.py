"""Reading the request bodies slack_sdk and Bolt send (JSON, form, multipart) into params.

The local Web API stand-in (`console.local_slack`) records every call as plain params, so tests
and the console read what was sent as objects, not encoded strings.
"""

from __future__ import annotations

import json
from contextlib import suppress
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs

JSON_FIELDS = {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Split multipart form data by hand because `cgi` is gone; file parts stay bytes."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    msg = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    out: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = str(part.get_param("name", "", header="content-disposition"))
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)  # non-multipart parts always decode to bytes
        if part.get_filename() is not None:
            out[name or "file"] = payload
            out.setdefault("filename", part.get_filename())
        elif name:
            out[name] = payload.decode("utf-8", "replace")
    return out


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Accept the JSON, form and multipart bodies slack_sdk and Bolt send."""
    ctype = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8") or "{}")
        return data if isinstance(data, dict) else {"_body": data}
    if ctype == "multipart/form-data":
        return parse_multipart(content_type, body)
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    """Turn JSON-encoded form fields back into objects so assertions read naturally."""
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            with suppress(ValueError):
                params[key] = json.loads(params[key])
    return params
