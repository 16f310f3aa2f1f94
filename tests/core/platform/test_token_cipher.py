"""Stored tokens are sealed with the first key of CRM_SECRET_KEY and opened with any of them."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from core.platform.token_cipher import (
    MissingSecretKey,
    UnreadableToken,
    cipher_from_keys,
)

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
TOKEN = "xoxb-1234-5678-abcdefabcdef"


def test_a_sealed_token_is_not_the_token_and_opens_back() -> None:
    cipher = cipher_from_keys(OLD)
    sealed = cipher.seal(TOKEN)
    assert TOKEN not in sealed and sealed.startswith("gAAAAA")
    assert cipher.open(sealed) == TOKEN
    assert cipher.seal(sealed) == sealed  # sealing twice does not double-encrypt
    assert cipher.seal(TOKEN) != sealed  # a fresh nonce each time


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    sealed_with_old = cipher_from_keys(OLD).seal(TOKEN)
    both = cipher_from_keys(f"{NEW}, {OLD}")
    assert both.open(sealed_with_old) == TOKEN
    rotated = both.rotate(sealed_with_old)
    assert cipher_from_keys(NEW).open(rotated) == TOKEN  # the old key can now be dropped
    with pytest.raises(UnreadableToken, match="no longer in CRM_SECRET_KEY"):
        cipher_from_keys(OLD).open(rotated)


def test_plaintext_from_before_encryption_is_read_and_sealed_by_rotation() -> None:
    cipher = cipher_from_keys(NEW)
    assert cipher.open(TOKEN) == TOKEN
    rotated = cipher.rotate(TOKEN)
    assert rotated != TOKEN and cipher.open(rotated) == TOKEN


@pytest.mark.parametrize("value", [None, "", " , ", "not-a-fernet-key"])
def test_no_usable_key_says_how_to_make_one(value: str | None) -> None:
    with pytest.raises(MissingSecretKey) as refused:
        cipher_from_keys(value)
    assert (
        'python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"' in refused.value.message
    )
    assert "\n" not in refused.value.message
