"""The documents plugin's table: the files of an account's document draft (DOC-5, the virtual printer)."""
from __future__ import annotations

import peewee as pw

from kernel import BaseModel, utcnow
from kernel.models import Account, Attachment

PRINTED, WATCHED = "impression", "dossier"


class DraftFile(BaseModel):
    """A file put into ``account``'s document draft by ``relais print`` (or its watched folder), waiting for the
    user to complete the single screen. Its upload is an ordinary attachment: never sent within the kernel's
    lifetime for unsent uploads (a day), it goes, and its row with it."""

    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    attachment = pw.ForeignKeyField(Attachment, on_delete="CASCADE", unique=True)
    source = pw.CharField(max_length=12, default=PRINTED)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "documents_draft_file"
