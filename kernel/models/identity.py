"""Who things are sent in the name of: a professional or a structure (organisational mailbox, service, team)."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .names import NameField

PERSON = "person"
STRUCTURE = "structure"


class Identity(BaseModel):
    """An identity one may write for ("Agir en tant que"). Every account has its own; structures too."""

    kind = pw.CharField(max_length=16, choices=[(PERSON, "Professionnel"), (STRUCTURE, "Structure")])
    display_name = NameField(max_length=200)
    # Structures: what kind of structure (coordination team, hospital service...), and its FINESS.
    structure_type = pw.CharField(max_length=60, null=True)
    finess = pw.CharField(max_length=9, null=True)
    # Eligibility to MSSanté: an organisational mailbox is; a person's depends on the profession.
    mssante_eligible = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def is_structure(self) -> bool:
        return self.kind == STRUCTURE


class MailAddress(BaseModel):
    """An MSSanté address held by an identity (a professional may hold several)."""

    identity = pw.ForeignKeyField(Identity, backref="addresses", on_delete="CASCADE")
    address = pw.CharField(max_length=254, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
