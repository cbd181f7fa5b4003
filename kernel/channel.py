"""What a channel declares: its place in the send panel and the fields of its single screen."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUP_MONSISRA = "MonSisra"
GROUP_MSSANTE = "MSSanté"
GROUP_MES = "Mon Espace Santé"
GROUPS = (GROUP_MONSISRA, GROUP_MSSANTE, GROUP_MES)

# Field types the generic form renderer knows how to draw.
FIELD_TYPES = ("text", "message", "person", "patient", "select", "date", "checkbox", "attachments", "suggestions",
               "fieldset")
# Types shown on the screen but never sent: "suggestions" lists things the user may open instead of
# sending (existing conversations...). Its options: {"url": GET endpoint, "watch": [field names]};
# the screen calls url?<field>=<value>... whenever a watched field changes and shows
# {"title": str, "lines": [str], "items": [{"label", "detail", "url"}], "errors": {field: [str]}}: lines and
# items under the title, errors at the watched fields they name (who an INS reaches, or what is wrong in it).
DISPLAY_ONLY = ("suggestions",)
# "fieldset": fields known only at runtime (an expert's own questions, once the expert is chosen). Its
# options: {"url": GET endpoint, "watch": [field names]}; whenever a watched field changes the screen calls
# url?<field>=<value>... and draws the answer {"title", "notice": {"title", "text", "level"} | null,
# "fields": [FormField JSON]} with its usual renderers. Its value is an object {sub-field name: value};
# errors about a sub-field are named "<fieldset>.<sub-field>".

# Field names with a meaning to the kernel: it stores them on the exchange and the first message.
SUBJECT, MEMBERS, PATIENT, BODY, ATTACHMENTS = "subject", "members", "patient", "body", "attachments"


@dataclass(frozen=True)
class Channel:
    """A way to send, offered in the "+" panel. ``space`` says which inbox its exchanges live in.

    ``receives_mail``: the platform's free secure mail channel. MSSanté mail received for a mailbox is
    filed as an exchange of this channel (the ``mail_inbound_channel`` setting chooses when several
    declare it), and the shell offers it to write to a professional who has no account.

    ``sender_needs_mailbox``: only an identity eligible to MSSanté that holds an address may send on it;
    the send screen then pre-selects such an identity in "Agir en tant que" (a secretary's structure
    rather than her own name). Left None, it follows the space: True in "mail", False in "chat".
    """

    name: str
    label: str
    group: str
    space: str  # "chat" or "mail": a conversation never becomes a mail
    order: int = 100
    description: str = ""
    receives_mail: bool = False
    sender_needs_mailbox: bool | None = None

    @property
    def needs_mailbox(self) -> bool:
        return self.space == "mail" if self.sender_needs_mailbox is None else self.sender_needs_mailbox

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"channel {self.name}: group must be one of {GROUPS}, not {self.group!r}")
        if self.space not in ("chat", "mail"):
            raise ValueError(f"channel {self.name}: space must be 'chat' or 'mail'")
        if self.receives_mail and self.space != "mail":
            raise ValueError(f"channel {self.name}: only a channel of the mail space can receive mail")


@dataclass(frozen=True)
class FormField:
    """One field of a channel's screen. ``options`` are given to the widget (e.g. the picker's ``kind``)."""

    name: str
    type: str
    label: str
    required: bool = False
    default: Any = None
    order: int = 100
    help: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    many: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}; known: {FIELD_TYPES}")

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "label": self.label, "required": self.required,
            "default": self.default, "help": self.help, "placeholder": self.placeholder,
            "choices": [{"value": v, "label": label} for v, label in self.choices],
            "max_length": self.max_length, "many": self.many, "options": dict(self.options),
        }
