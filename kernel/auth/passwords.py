"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the login does not exist, so timing does not reveal which logins exist.
_DUMMY_HASH = _hasher.hash("relais-dummy-password")
UNUSABLE = "!"  # a stored hash starting with it matches no password (an account yet to choose one)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    # An unknown login and an account without a usable password (its hash starts with "!") pay the same
    # argon2 verification as a real one, on the dummy hash, then fail: timing tells none of them apart.
    usable = bool(password_hash) and not password_hash.startswith(UNUSABLE)
    try:
        return _hasher.verify(password_hash if usable else _DUMMY_HASH, password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
