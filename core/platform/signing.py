"""Signing HTTP bodies with a shared secret, the way Slack signs what it sends.

`v1=` + hex HMAC-SHA256 of `v1:<unix timestamp>:<body>`: the web form checks it on signed posts
and every outgoing webhook carries it (docs/web-form.md, docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign_v1", "signature_matches"]


def sign_v1(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    signed = b"v1:" + timestamp.encode() + b":" + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_matches(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether `signature` is `sign_v1(secret, timestamp, body)`, compared in constant time."""
    return hmac.compare_digest(sign_v1(secret, timestamp, body), signature)
