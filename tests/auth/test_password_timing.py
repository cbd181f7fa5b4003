"""An account without a usable password (hash « !… ») costs the same argon2 verification as an unknown login
and a real account: the number of verifications, not seconds, is what the test counts."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from kernel.auth import passwords
from kernel.auth.passwords import hash_password, verify_password


class CountingHasher(PasswordHasher):
    """argon2-cffi's real hasher, counting the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        self.verified.append(hash)
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


@pytest.mark.parametrize("stored", [None, "", "!0123456789abcdef", "!psc"])
def test_no_usable_password_pays_one_verification_on_the_dummy_hash(hasher, stored):
    assert verify_password(stored, "n'importe quoi") is False
    assert hasher.verified == [passwords._DUMMY_HASH]


def test_the_dummy_password_opens_no_account_without_a_password(hasher):
    assert verify_password("!0123456789abcdef", "relais-dummy-password") is False


def test_a_real_hash_is_verified_once(hasher):
    stored = hash_password("correct horse")
    assert verify_password(stored, "correct horse") is True
    assert verify_password(stored, "wrong") is False
    assert hasher.verified == [stored, stored]
