"""The directory ("annuaire"): professionals and services from the national MSSanté extraction and the
platform's own identities, their MSSanté addresses, and the import runs that fed them.

The search structure itself (SQLite FTS5 or a PostgreSQL table with GIN indexes, ordered by
``sort_rank``) is not a model: it differs per database, see kernel/directory/index.py.
"""
from __future__ import annotations

import peewee as pw

from ..db import BaseModel, utcnow
from .identity import Identity
from .names import NameField

PERSON_ENTRY = "person"
SERVICE_ENTRY = "service"
FROM_ANNUAIRE = "annuaire"  # the national extraction files
FROM_PLATFORM = "platform"  # accounts and structures of this platform
BAL_TYPES = ("PER", "ORG", "APP", "CAB")


class DirectoryImport(BaseModel):
    """One run of ``relais import-annuaire`` over one file: what it read and what it changed."""

    kind = pw.CharField(max_length=20)  # "mssante" (BAL extraction) or "ps" (PS_LibreAcces)
    file_name = pw.CharField(max_length=255)
    started_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)
    # running, done, failed (an error stopped the read: nothing was retired)
    status = pw.CharField(max_length=12, default="running")
    encoding = pw.CharField(max_length=20, default="utf-8")
    lines_read = pw.IntegerField(default=0)
    created = pw.IntegerField(default=0)
    updated = pw.IntegerField(default=0)
    unchanged = pw.IntegerField(default=0)
    retired = pw.IntegerField(default=0)
    rejected = pw.IntegerField(default=0)
    ignored = pw.IntegerField(default=0)
    report_path = pw.CharField(max_length=500, default="")
    error = pw.TextField(default="")


class DirectoryEntry(BaseModel):
    """A professional (grouped by national id) or a service (one mailbox), as the search shows it."""

    # Stable id: "pp:<national id>", "bal:<address>" (a mailbox of its own), "identity:<id>" (platform only).
    key = pw.CharField(max_length=300, unique=True)
    kind = pw.CharField(max_length=8)  # person | service
    source = pw.CharField(max_length=10)  # annuaire | platform
    national_id = pw.CharField(max_length=20, null=True, index=True)  # "8" + RPPS, "0" + ADELI
    title = pw.CharField(max_length=10, default="")  # civilité d'exercice, shown: "Dr", "Pr"
    first_name = pw.CharField(max_length=100, default="")
    last_name = pw.CharField(max_length=100, default="")
    display_name = NameField(max_length=300)
    profession = pw.CharField(max_length=150, default="")
    specialty = pw.CharField(max_length=200, default="")
    organisation = pw.CharField(max_length=300, default="")
    service = pw.CharField(max_length=300, default="")
    postcode = pw.CharField(max_length=10, default="")
    city = pw.CharField(max_length=100, default="")
    department = pw.CharField(max_length=3, default="")
    finess = pw.CharField(max_length=20, default="")
    # "mssante" or "ps": PS_LibreAcces facts are richer, an extraction re-import does not overwrite them.
    facts_from = pw.CharField(max_length=10, default="")
    identity = pw.ForeignKeyField(Identity, null=True, backref="directory_entries", on_delete="SET NULL")
    has_account = pw.BooleanField(default=False)  # linked to a platform identity that can take part
    has_address = pw.BooleanField(default=False)  # at least one active MSSanté address
    # What the search reads, folded in Python (kernel/directory/text.py) so both databases agree.
    sort_name = pw.CharField(max_length=300, default="")  # "C" collation on PostgreSQL: byte order
    search_q = pw.TextField(default="")
    search_where = pw.TextField(default="")
    name_key = pw.CharField(max_length=20, default="")
    # Place in the search index: the result order (account holders first, then alphabetical) is the
    # order of sort_rank, so a search reads its first results off the index and stops.
    rank_group = pw.SmallIntegerField(null=True)
    sort_rank = pw.BigIntegerField(null=True, index=True)
    search_dirty = pw.BooleanField(default=False)  # changed since its index row was written
    # Not indexed: written for every row of every import, never looked up.
    last_run = pw.ForeignKeyField(DirectoryImport, null=True, on_delete="SET NULL", index=False)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("rank_group", "sort_name", "key"), False),)


class DirectoryAddress(BaseModel):
    """An MSSanté mailbox ("BAL") of an entry; retired, not deleted, when the extraction drops it."""

    address = pw.CharField(max_length=254, unique=True)
    entry = pw.ForeignKeyField(DirectoryEntry, backref="addresses", on_delete="CASCADE")
    bal_type = pw.CharField(max_length=3)  # PER, ORG, APP, CAB
    source = pw.CharField(max_length=10)  # annuaire | platform
    organisation = pw.CharField(max_length=300, default="")
    service = pw.CharField(max_length=300, default="")
    postcode = pw.CharField(max_length=10, default="")
    city = pw.CharField(max_length=100, default="")
    department = pw.CharField(max_length=3, default="")
    active = pw.BooleanField(default=True)
    # The last run that saw it; not indexed: written for every row of every import, never looked up.
    last_run = pw.ForeignKeyField(DirectoryImport, null=True, on_delete="SET NULL", index=False)
    first_seen_at = pw.DateTimeField(default=utcnow)
    retired_at = pw.DateTimeField(null=True)

    @property
    def label(self) -> str:
        """What tells two addresses of one person apart: "Cardiologie, CHU DE LYON, LYON"."""
        return ", ".join(p for p in (self.service, self.organisation, self.city) if p)


class DirectoryTerm(BaseModel):
    """Every word indexed in a search field ("q" or "w"): SQLite expands a typed prefix into the words
    it stands for, which its full-text index then reads lazily, in rank order."""

    field = pw.CharField(max_length=1)
    term = pw.CharField(max_length=100)

    class Meta:
        primary_key = pw.CompositeKey("field", "term")


DIRECTORY_MODELS = (DirectoryImport, DirectoryEntry, DirectoryAddress, DirectoryTerm)
