"""The MSSanté mail transport every mail-ish channel uses: outbox, SMTP relay, receiver, IMAP, MDNs.

This package is the transport's public API for plugins (docs/plugins.md, "The mail transport"):
``from kernel.mail import queue_mail, MailDraft, clean_html, ...``. Its submodules are the kernel's
own (kernel/mail/README.md). Names are loaded on first use: ``kernel.models`` imports the
transport's tables, and an eager import here would import the models back while they load.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> submodule that defines it
_EXPORTS = {
    # composing a mail and queuing it in deliver (transactional outbox)
    "MailDraft": "compose", "MailPart": "compose", "new_message_id": "compose", "parse": "compose",
    "header_ids": "compose",
    "queue_mail": "outbox", "parts_of": "outbox", "MailTooLarge": "outbox", "STATUS_EVENT": "outbox",
    # HTML bodies
    "clean_html": "sanitize", "text_to_html": "sanitize", "html_to_text": "sanitize", "looks_like_html": "sanitize",
    # addresses
    "normalize": "addresses", "is_valid": "addresses", "is_local": "addresses", "domain_of": "addresses",
    "addresses_of": "addresses", "held_addresses": "addresses", "mailbox_identity": "addresses",
    # what every MSSanté sending requires (MAIL-2), French messages for the channel's fields
    "sender_errors": "rules", "recipient_errors": "rules", "published_addresses": "rules", "size_errors": "rules",
    "human_size": "rules",
    # statuses per recipient
    "recipient_rows": "outbox", "statuses_by_message": "outbox",
    "PENDING": "models", "SENT": "models", "DELIVERED": "models", "READ": "models", "FAILED": "models",
    "STATUS_LABELS": "models", "MAIL": "models", "MDN": "models",
    "OutgoingMail": "models", "OutgoingRecipient": "models", "MailIndex": "models",
    # receiving: the one way in (receiver, IMAP, local delivery), filed under the inbound channel
    "accept": "inbound", "inbound_channel": "mailbox", "NoInboundChannel": "mailbox",
    # the mail space: rows, search, unread
    "search_mail": "mailboxes", "mail_rows": "mailboxes", "mark_unread": "mailboxes", "preview_text": "mailboxes",
    "remove_thread": "hidden", "hidden_threads": "hidden",
    # threads that take no reply (a message to a patient with "ne pas permettre de réponse")
    "refuse_replies": "closed_threads", "allow_replies": "closed_threads", "refused_answer": "closed_threads",
    # mail no mailbox could take (« Mails non distribués »)
    "UndeliveredMail": "models", "HELD": "models", "RELEASED": "models", "DISCARDED": "models",
    "NotHeld": "undelivered", "release": "undelivered", "discard": "undelivered", "held_count": "undelivered",
    "refusal_reason": "undelivered", "undelivered_rows": "undelivered",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # next time, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .addresses import addresses_of, domain_of, held_addresses, is_local, is_valid, mailbox_identity, normalize
    from .compose import MailDraft, MailPart, header_ids, new_message_id, parse
    from .closed_threads import allow_replies, refuse_replies, refused_answer
    from .hidden import hidden_threads, remove_thread
    from .inbound import accept
    from .mailbox import NoInboundChannel, inbound_channel
    from .mailboxes import mail_rows, mark_unread, preview_text, search_mail
    from .models import (DELIVERED, DISCARDED, FAILED, HELD, MAIL, MDN, PENDING, READ, RELEASED, SENT,
                         STATUS_LABELS, MailIndex, OutgoingMail, OutgoingRecipient, UndeliveredMail)
    from .outbox import STATUS_EVENT, MailTooLarge, parts_of, queue_mail, recipient_rows, statuses_by_message
    from .rules import human_size, published_addresses, recipient_errors, sender_errors, size_errors
    from .sanitize import clean_html, html_to_text, looks_like_html, text_to_html
    from .undelivered import NotHeld, discard, held_count, refusal_reason, release, undelivered_rows
