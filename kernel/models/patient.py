"""Patient identities attached to exchanges ("centrage patient"), and each account's recent patients."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import peewee as pw

from ..db import BaseModel, utcnow
from .account import Account
from .identity import Identity

SEXES = [("F", "Féminin"), ("M", "Masculin"), ("I", "Indéterminé")]
# NFKD leaves these whole: spell them out so "Lætitia" is found by "laetitia".
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
                            "đ": "d", "Đ": "d", "ł": "l", "Ł": "l"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """Names as searched: no accents, lowercase, words of [a-z0-9] separated by single spaces.

    Hyphens and apostrophes split words ("Le-Gall" is found by "gall"), and folded words hold no LIKE
    wildcard, so they go into patterns without escaping."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", text).strip()


class Patient(BaseModel):
    birth_name = pw.CharField(max_length=100)
    used_name = pw.CharField(max_length=100, default="")
    first_names = pw.CharField(max_length=200)  # every birth first name, in order, separated by spaces
    birth_date = pw.DateField(index=True)  # a date typed in the picker finds the patient without a scan
    sex = pw.CharField(max_length=1, choices=SEXES)
    birthplace_code = pw.CharField(max_length=5, default="")  # INSEE code (commune, or 99 + country)
    # Only a qualified identity carries its INS (matricule + OID); one INS, one patient.
    ins = pw.CharField(max_length=15, null=True, unique=True)
    ins_oid = pw.CharField(max_length=40, null=True)
    qualified = pw.BooleanField(default=False)
    created_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    # Written by save(), never by hand. search_text is " word word…" (a space before each folded word)
    # so that "LIKE '% pre%'" is a prefix match on any word, the same on SQLite and PostgreSQL.
    search_text = pw.TextField(default="", index=True)
    # Same folded birth name, first first name and birth date: possibly two people, or one twice.
    homonym_key = pw.TextField(default="", index=True)

    def save(self, force_insert: bool = False, only: Any = None) -> Any:
        self.search_text = "".join(f" {w}" for w in
                                   fold(f"{self.birth_name} {self.used_name} {self.first_names}").split())
        self.homonym_key = f"{fold(self.birth_name)}|{fold(self.first_name)}|{self.birth_date}"
        if only is not None:
            only = list(only) + [Patient.search_text, Patient.homonym_key]
        return super().save(force_insert=force_insert, only=only)

    @property
    def first_name(self) -> str:
        names = (self.first_names or "").split()
        return names[0] if names else ""

    @property
    def short_name(self) -> str:
        """"Prénom NOM": what channels propose as the subject once a patient is chosen (CONV-3)."""
        return f"{self.first_name} {(self.used_name or self.birth_name).upper()}"

    @property
    def display_name(self) -> str:
        """``Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901``: used name, birth name in brackets."""
        born = {"F": "née", "M": "né"}.get(self.sex, "né(e)")
        last = (self.used_name or self.birth_name).upper()
        text = f"{self.first_name} {last} ({born} {self.birth_name.upper()})"
        return f"{text} {born} le {self.birth_date:%d/%m/%Y}"


class PatientUse(BaseModel):
    """When an account last attached a patient to an exchange: the patient picker lists these first."""

    account = pw.ForeignKeyField(Account, on_delete="CASCADE", index=False)  # led by the unique index
    patient = pw.ForeignKeyField(Patient, on_delete="CASCADE")
    last_used_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("account", "patient"), True), (("account", "last_used_at"), False))


class PatientCare(BaseModel):
    """``identity`` (a professional, or a structure for all who act for it) takes care of ``patient``:
    its name searches find them (docs/security.md, "Who sees a patient"). Written when an identity is
    created for it, when it is reached by its full INS or full traits, and by whoever seeds a platform."""

    identity = pw.ForeignKeyField(Identity, on_delete="CASCADE", index=False)  # led by the unique index
    patient = pw.ForeignKeyField(Patient, on_delete="CASCADE")
    since = pw.DateTimeField(default=utcnow)
    granted_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("identity", "patient"), True),)
