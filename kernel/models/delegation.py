"""Delegations: an account acting for another identity (a structure it belongs to, or a professional)."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account
from .identity import Identity

# What a delegate may do for its principal: its secure mail only (a secretary sorting a doctor's mail), or
# everything (mail and conversations). A structure's members act for it with ALL.
SCOPE_MAIL = "mail"
SCOPE_ALL = "all"
SCOPES = ((SCOPE_MAIL, "Messagerie sécurisée uniquement"), (SCOPE_ALL, "Messagerie et conversations"))


class Delegation(BaseModel):
    """``delegate`` may act for ``principal`` (a structure or another professional)."""

    delegate = pw.ForeignKeyField(Account, backref="delegations", on_delete="CASCADE")
    principal = pw.ForeignKeyField(Identity, backref="delegations", on_delete="CASCADE")
    granted_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    granted_at = pw.DateTimeField(default=utcnow)
    revoked_at = pw.DateTimeField(null=True)
    scope = pw.CharField(max_length=8, default=SCOPE_ALL, choices=SCOPES)

    class Meta:
        indexes = ((("delegate", "principal"), True),)
