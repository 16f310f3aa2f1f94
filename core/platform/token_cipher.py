"""Encrypting stored third-party tokens (Slack, QuickBooks, Gmail) with `CRM_SECRET_KEY`.

`CRM_SECRET_KEY` is one or more comma-separated Fernet keys: the first encrypts, every one
decrypts, so a new key is put first, `crm secrets rotate` re-encrypts what is stored, and the
old key is dropped afterwards (docs/security.md). cryptography's MultiFernet does exactly
this (authenticated AES with a timestamp), so nothing here is hand-rolled cryptography.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import CRMError

__all__ = [
    "MAKE_KEY_HINT",
    "MissingSecretKey",
    "TokenCipher",
    "UnreadableToken",
    "cipher_from_keys",
]

MAKE_KEY_HINT = (
    'set CRM_SECRET_KEY to a key made with: python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"'
)

# Every Fernet token is the base64 of a version byte 0x80 then a timestamp: it starts so.
_FERNET_PREFIX = "gAAAAA"


class MissingSecretKey(CRMError):
    """Stored tokens must be encrypted, and CRM_SECRET_KEY is unset or not a Fernet key."""


class UnreadableToken(CRMError):
    """A stored token was encrypted with a key that is no longer in CRM_SECRET_KEY."""


class TokenCipher:
    """Seal a token before it is stored and open it when it is read back."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise MissingSecretKey(f"No key to encrypt stored tokens: {MAKE_KEY_HINT}")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except (ValueError, TypeError):
            raise MissingSecretKey(
                f"CRM_SECRET_KEY holds something that is not a Fernet key: {MAKE_KEY_HINT}"
            ) from None

    def seal(self, token: str) -> str:
        """The token encrypted with the first key (sealing a sealed token leaves it as is)."""
        if self.is_sealed(token):
            return token
        return self._fernet.encrypt(token.encode()).decode()

    def open(self, stored: str) -> str:
        """The plain token; a value stored before encryption existed is returned as it is."""
        if not stored.startswith(_FERNET_PREFIX):
            return stored  # written before tokens were encrypted; `crm secrets rotate` seals it
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise UnreadableToken(
                "A stored token was encrypted with a key no longer in CRM_SECRET_KEY; "
                "put the old key back (after the new one) and run `crm secrets rotate`."
            ) from None

    def rotate(self, stored: str) -> str:
        """The stored value re-encrypted with the first key (a plaintext one is sealed)."""
        if not stored.startswith(_FERNET_PREFIX):
            return self._fernet.encrypt(stored.encode()).decode()
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise UnreadableToken(
                "A stored token was encrypted with a key not in CRM_SECRET_KEY; "
                "add that key (after the new one) and run `crm secrets rotate` again."
            ) from None

    def is_sealed(self, value: str) -> bool:
        """Whether the value is a token this cipher can open (so it is stored encrypted)."""
        if not value.startswith(_FERNET_PREFIX):
            return False
        try:
            self._fernet.decrypt(value.encode())
        except InvalidToken:
            return False
        return True


def cipher_from_keys(secret_key: str | None) -> TokenCipher:
    """The cipher of `CRM_SECRET_KEY` (comma-separated keys, the first encrypts)."""
    keys = [part.strip() for part in (secret_key or "").split(",") if part.strip()]
    return TokenCipher(keys)
