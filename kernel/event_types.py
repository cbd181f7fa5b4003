"""The event catalogue: every live event type the kernel publishes, and the fields of its payload.

Plugins declare their own types the same way, with the ``register_event_types`` hook; the app's
catalogue (``current_relais().event_types``) is the kernel's types plus theirs. An event published with
a type nobody declared, a declared field missing from its data, or a field nobody declared, is refused
in tests and logged as an error in production (kernel/services/events.py), so the catalogue and
docs/plugins.md (a test compares them) stay the whole truth about what a socket or a listener receives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class EventType:
    """One kind of live event: its name, when it is published, and the fields of its ``data``.

    :param name: ``"message.created"``; a plugin's own types start with its name (``"exemple_rappel.programme"``).
    :param description: when it is published (English, for the documentation).
    :param fields: the fields every event of this type carries in ``data``: name -> what it holds.
    :param optional: fields only some events of this type carry (name -> what it holds).
    """

    name: str
    description: str
    fields: Mapping[str, str] = field(default_factory=dict)
    optional: Mapping[str, str] = field(default_factory=dict)

    def problems(self, data: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``data`` for this type (English, for logs and tests); [] when nothing."""
        missing = [name for name in self.fields if name not in data]
        unknown = [name for name in data if name not in self.fields and name not in self.optional]
        found = [f"field {name!r} missing" for name in missing]
        return found + [f"field {name!r} not in the catalogue" for name in unknown]


MESSAGE_CREATED = EventType(
    "message.created",
    "A message was added to an exchange: a member's send (after ``deliver``, before the events "
    "``deliver`` published), a received mail, a system line, a synthesis.",
    fields={"id": "the message id", "exchange_id": "its exchange", "kind": '"text", "mail", "system", "synthesis"...',
            "body": "its text (sanitised HTML for mail)", "created_at": "ISO 8601, UTC",
            "author": "{id, name, identity_id} of the account, or null (received mail, system line)",
            "acting_as": "{id, name, label} of the identity it was sent as, or null (label: how « pour le compte "
                         "de » names it, « Dr BERNARD » for a physician)",
            "attachments": "[{id, filename, content_type, size, sha256, url, created_at}]",
            "data": "what the channel stored with it (e.g. a mail's headers under \"mail\")"})
EXCHANGE_CREATED = EventType(
    "exchange.created", "An exchange started: a send on a channel, or a mail received in a new thread.",
    fields={"exchange_id": "the new exchange", "channel": "its channel's name"})
EXCHANGE_UPDATED = EventType(
    "exchange.updated", "An exchange changed: renamed, its status or patient set, members added, or "
    "marked unread (then only to the account that did it).",
    fields={"exchange_id": "the exchange"},
    optional={"subject": "its subject (after PATCH)", "status": "its status (after PATCH)",
              "patient": "its patient id or null (after PATCH)",
              "members": "its members, [{id, kind, display_name, role}] (after members were added)",
              "unread": "how many messages are unread again for this account (marked unread)"})
EXCHANGE_DELETED = EventType(
    "exchange.deleted", "An exchange was deleted (a mail thread removed from its mailbox).",
    fields={"exchange_id": "the deleted exchange"})
RECEIPT_CREATED = EventType(
    "receipt.created", "A member read messages of an exchange (read receipts).",
    fields={"account": "{id, name, on_behalf_of, label} of the reader (on_behalf_of: « Dr BERNARD » when read "
                       "through a delegation, else null; label: « Prénom NOM pour le compte de … »)",
            "messages": "ids of the messages newly read",
            "read_at": "ISO 8601, UTC"})
MAIL_STATUS = EventType(
    "mail.status", "Where a mail of the exchange stands moved: queued, sent, delivered, read, failed.",
    fields={"message_id": "the kernel message the mail carries", "outgoing": "the outbox row's id",
            "recipients": "[{address, role, status, label, reason, updated_at}]"})

INTEGRATION_STATUS = EventType(
    "integration.status", "A push of a document into a hospital software (DPI) was recorded or moved: en attente, "
    "intégré, échec. Sent to the account that pushed it only.",
    fields={"id": "the push (integration) id", "attachment_id": "the document", "exchange_id": "its exchange or null",
            "patient_id": "its patient or null", "target": '"logiciel", "dossier_regional" or "dmp"',
            "connector": "the connector instance's name", "connector_label": "its label",
            "state": '"en_attente", "integre" or "echec"', "message": "French, what the software answered",
            "reference": "the software's id for the document, or \"\"", "attempts": "tries so far",
            "created_at": "ISO 8601, UTC", "updated_at": "ISO 8601, UTC",
            "integrated_at": "ISO 8601, UTC, or null"})

RIGHTS_CHANGED = EventType(
    "rights.changed", "What its recipients may receive shrank: a session ended, a token revoked, an account "
    "deactivated, a delegation withdrawn, a member removed. Never sent to a socket: each open socket of the "
    "recipients re-checks its credential and what it sees before it delivers anything else (kernel/ws.py).",
    fields={"reason": '"session", "token", "account", "delegation" or "membership"'})

KERNEL_EVENT_TYPES: tuple[EventType, ...] = (MESSAGE_CREATED, EXCHANGE_CREATED, EXCHANGE_UPDATED, EXCHANGE_DELETED,
                                             RECEIPT_CREATED, MAIL_STATUS, INTEGRATION_STATUS,
                                             RIGHTS_CHANGED)


class UncataloguedEvent(ValueError):
    """An event that the catalogue does not describe (raised in tests; logged in production)."""
