"""Patient identities attached to exchanges ("centrage patient")."""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account


class Patient(BaseModel):
    birth_name = pw.CharField(max_length=100)
    used_name = pw.CharField(max_length=100, default="")
    first_names = pw.CharField(max_length=200)
    birth_date = pw.DateField()
    sex = pw.CharField(max_length=1, choices=[("F", "Féminin"), ("M", "Masculin"), ("I", "Indéterminé")])
    birthplace_code = pw.CharField(max_length=5, default="")
    ins = pw.CharField(max_length=15, null=True, index=True)
    ins_oid = pw.CharField(max_length=40, null=True)
    qualified = pw.BooleanField(default=False)
    created_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def first_name(self) -> str:
        return self.first_names.split(" ")[0] if self.first_names else ""

    @property
    def display_name(self) -> str:
        """``Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901``."""
        born = "née" if self.sex == "F" else "né"
        last = (self.used_name or self.birth_name).upper()
        text = f"{self.first_name} {last} ({born} {self.birth_name.upper()})"
        return f"{text} {born} le {self.birth_date:%d/%m/%Y}"
