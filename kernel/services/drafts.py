"""Drafts kept on the server: one per account and screen, so that nothing typed is lost.

A screen is ``channel:<name>`` (a send screen), ``channel:<name>:patient:<id>`` (a send screen opened
about a patient) or ``exchange:<id>`` (a thread's message box). A send removes its screen's draft in its
own transaction: the draft goes if and only if the message is stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import peewee as pw

from ..db import utcnow
from ..models import Attachment, Draft

# A draft is what a person types: far below this. The limit keeps a runaway script from filling the table.
MAX_DRAFT_BYTES = 256 * 1024

_SCREEN = re.compile(r"^(?:exchange:(?P<exchange>[1-9][0-9]{0,17})"
                     r"|channel:(?P<channel>[a-z][a-z0-9_]{0,59})(?::patient:(?P<patient>[1-9][0-9]{0,17}))?)$")


@dataclass(frozen=True)
class Screen:
    key: str
    exchange_id: int | None = None
    channel: str | None = None
    patient_id: int | None = None


def parse_screen(key: str) -> Screen | None:
    """The screen a key names, or None when it names none."""
    found = _SCREEN.match(key or "")
    if found is None:
        return None
    number = (lambda name: int(found[name]) if found[name] else None)
    return Screen(key, number("exchange"), found["channel"], number("patient"))


def channel_screens(channel: str, patient_id: int | None) -> list[str]:
    """The keys a send screen of ``channel`` may have saved under: with the patient it was opened about, and without
    (the screen may have been opened blank and the patient picked afterwards)."""
    keys = [f"channel:{channel}"]
    if patient_id is not None:
        keys.append(f"channel:{channel}:patient:{patient_id}")
    return keys


def discard(account_id: int, screens: list[str]) -> None:
    """Remove the account's drafts of these screens (called in the send's transaction)."""
    Draft.delete().where((Draft.account == account_id) & Draft.screen.in_(screens)).execute()


def save(account_id: int, screen: str, fields: dict, attachments: list[int]) -> Draft:
    now = utcnow()
    (Draft.insert(account=account_id, screen=screen, fields=fields, attachments=attachments, updated_at=now)
        .on_conflict(conflict_target=[Draft.account, Draft.screen],
                     update={Draft.fields: fields, Draft.attachments: attachments, Draft.updated_at: now})
        .execute())
    return Draft.get((Draft.account == account_id) & (Draft.screen == screen))


def named_by_drafts(attachments: list[Attachment]) -> set[int]:
    """The ids among ``attachments`` that a draft of their uploader still names (the stale-upload purge keeps
    them: the file was joined to a message being written). A draft naming someone else's upload keeps nothing
    alive: it would never open it (own_attachments)."""
    wanted: dict[int, set[int]] = {}
    for attachment in attachments:
        if attachment.uploaded_by_id is not None:
            wanted.setdefault(attachment.uploaded_by_id, set()).add(attachment.id)
    named: set[int] = set()
    owners = sorted(wanted)
    for start in range(0, len(owners), 500):  # under SQLite's limit of bound parameters
        with_files = pw.fn.LENGTH(Draft.attachments) > 2  # the text is not "[]"
        rows = (Draft.select(Draft.account, Draft.attachments)
                .where(Draft.account.in_(owners[start:start + 500]) & with_files).tuples())
        for account_id, ids in rows:
            named |= wanted[account_id] & {i for i in ids or [] if isinstance(i, int)}
    return named


def own_attachments(account_id: int, ids: list[int]) -> list[Attachment]:
    """The draft's attachments the account uploaded itself, in the draft's order (others are dropped: a draft
    never opens a file its owner could not send)."""
    if not ids:
        return []
    found = {a.id: a for a in Attachment.select().where(Attachment.id.in_(ids) & (Attachment.uploaded_by == account_id))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]
