"""The attachment store: content-addressed files outside any web root, type sniffed from content."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

import magic
import peewee as pw

from ..db import utcnow
from ..models import Account, Attachment, MessageAttachment
from ..plain_text import strip_bidi
from .drafts import named_by_drafts

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
CHUNK = 1024 * 1024
# An upload is for a message being written: one never attached after this long was abandoned.
UNATTACHED_LIFETIME = dt.timedelta(days=1)


class AttachmentRejected(ValueError):
    """The upload cannot be stored; ``message`` is a French sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sanitize_filename(name: str | None) -> str:
    """Keep the name a professional gave (accents included) but nothing a file system or header abuses."""
    name = strip_bidi(unicodedata.normalize("NFC", name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers on Windows send full paths
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "piece-jointe"


class AttachmentStore:
    def __init__(self, root: str | Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, stream: BinaryIO, filename: str | None, uploaded_by: Account | None) -> Attachment:
        """Stream the upload to disk, hashing and measuring it; reject empty or oversized files."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise AttachmentRejected(
                            f"Le fichier dépasse la taille maximale de {_human(self.max_bytes)}.")
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    tmp.write(chunk)
            if size == 0:
                raise AttachmentRejected("Le fichier est vide.")
            sha = digest.hexdigest()
            final = self.path_for(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)  # same content, same name: a second upload costs no space
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        content_type = magic.from_buffer(head, mime=True) or "application/octet-stream"
        return Attachment.create(sha256=sha, size=size, content_type=content_type,
                                 filename=sanitize_filename(filename), uploaded_by=uploaded_by)

    def open(self, attachment: Attachment) -> BinaryIO:
        return open(self.path_for(attachment.sha256), "rb")

    def remove(self, attachments: list[Attachment], *, older_than: dt.datetime | None = None) -> int:
        """Delete the rows (never linked to a message: the caller checked) and each file no other row names.
        A file written after ``older_than`` stays: an upload of the same content may be on its way to its row.
        Returns how many files went."""
        if not attachments:
            return 0
        Attachment.delete().where(Attachment.id.in_([a.id for a in attachments])).execute()
        return self.remove_unnamed_files({a.sha256 for a in attachments}, older_than=older_than)

    def remove_unnamed_files(self, hashes: set[str], *, older_than: dt.datetime | None = None) -> int:
        """Unlink the file of each of ``hashes`` that no Attachment row names (rows deleted by a committed
        transaction); a file written after ``older_than`` stays. Returns how many files went."""
        if not hashes:
            return 0
        kept = {sha for (sha,) in Attachment.select(Attachment.sha256).where(Attachment.sha256.in_(sorted(hashes)))
                .tuples()}
        removed = 0
        for sha in sorted(hashes - kept):
            path = self.path_for(sha)
            try:
                if older_than is not None and dt.datetime.utcfromtimestamp(path.stat().st_mtime) > older_than:
                    continue
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed


def _unattached() -> pw.Expression:
    return ~pw.fn.EXISTS(MessageAttachment.select(MessageAttachment.id)
                         .where(MessageAttachment.attachment == Attachment.id))


def quota_refusal(account_id: int, quota_bytes: int, daily_bytes: int) -> str:
    """Why the account's uploads so far (the one just stored included) are over its limits, in French, or "".
    ``quota_bytes``: uploads not attached to any message yet; ``daily_bytes``: everything of the last 24 hours."""
    mine = Attachment.uploaded_by == account_id
    pending = (Attachment.select(pw.fn.COALESCE(pw.fn.SUM(Attachment.size), 0)).where(mine & _unattached()).scalar())
    if int(pending or 0) > quota_bytes:
        return (f"Vos fichiers en attente d'envoi dépassent {_human(quota_bytes)} : envoyez ou retirez ceux déjà "
                "joints avant d'en ajouter d'autres (les fichiers jamais envoyés ni gardés dans un brouillon sont "
                "effacés après un jour).")
    day = (Attachment.select(pw.fn.COALESCE(pw.fn.SUM(Attachment.size), 0))
           .where(mine & (Attachment.created_at > utcnow() - dt.timedelta(days=1))).scalar())
    if int(day or 0) > daily_bytes:
        return f"Vous avez déposé plus de {_human(daily_bytes)} de fichiers en 24 heures : réessayez demain."
    return ""


def purge_unattached(store: AttachmentStore, lifetime: dt.timedelta = UNATTACHED_LIFETIME) -> int:
    """Delete the uploads never attached to a message within ``lifetime`` and named by no draft of their
    uploader (a draft keeps its files for as long as it lives), and their files when no other attachment
    shares the content. Returns how many uploads went."""
    cutoff = utcnow() - lifetime
    stale = list(Attachment.select().where((Attachment.created_at < cutoff) & _unattached()))
    in_drafts = named_by_drafts(stale)
    stale = [a for a in stale if a.id not in in_drafts]
    store.remove(stale, older_than=cutoff)
    return len(stale)


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo" if size >= 1024 * 1024 else f"{size / 1024:.0f} Ko"
