"""Platform accounts: professionals who log in."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .identity import Identity
from .names import NameField


class Account(BaseModel):
    login = pw.CharField(max_length=150, unique=True)
    password_hash = pw.CharField(max_length=255)
    first_name = NameField(max_length=100)
    last_name = NameField(max_length=100)
    profession = pw.CharField(max_length=100, default="")
    rpps = pw.CharField(max_length=11, null=True, unique=True)
    identity = pw.ForeignKeyField(Identity, unique=True, backref="account_rows", on_delete="RESTRICT")
    is_admin = pw.BooleanField(default=False)
    # Manages structures and the directory, never accounts' roles (kernel/models/roles.py).
    directory_manager = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_login_at = pw.DateTimeField(null=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    @property
    def mssante_eligible(self) -> bool:
        return self.identity.mssante_eligible


class ApiToken(BaseModel):
    """A bearer token for programs; only its SHA-256 is kept."""

    account = pw.ForeignKeyField(Account, backref="tokens", on_delete="CASCADE")
    name = pw.CharField(max_length=100)
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)


class LoginAttempt(BaseModel):
    """Login attempts, counted to throttle password guessing across every instance. A row is written before
    the password is checked (so parallel attempts see each other) and deleted when the password was right."""

    login = pw.CharField(max_length=150, index=True)
    remote_addr = pw.CharField(max_length=64, index=True)
    at = pw.DateTimeField(default=utcnow, index=True)
    # A known device (kernel/auth/devices.py) is judged by its own failures only; null: counted by address.
    device = pw.CharField(max_length=32, null=True)
    # Failures against real accounts count towards an address's limit; a login that does not exist only
    # throttles itself, so spraying made-up logins cannot lock real professionals out.
    real_account = pw.BooleanField(default=False)
