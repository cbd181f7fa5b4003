"""A channel's single screen: fields gathered from every plugin, and the schema that checks a draft."""
from __future__ import annotations

from typing import Any

import pluggy
from marshmallow import Schema, ValidationError

from .channel import DISPLAY_ONLY, Channel, FormField
from .plugin_calls import call_each
from .models import Account, Patient
from .relais import current_relais
from .schemas import french as f

ACTING_AS = "acting_as"
MAX_MESSAGE = 100_000


def acting_as_field(account: Account | None, channel: Channel | None = None) -> FormField:
    """The identities the account may write for on ``channel`` (its space: a mail-only delegation is not
    offered for a conversation), the first that may send there chosen (one's own when it may)."""
    from .services.acting_as import identities_for, may_send

    choices: tuple[tuple[Any, str], ...] = ()
    default = None
    if account is not None:
        identities = identities_for(account, channel.space if channel else None)
        choices = tuple((i.id, i.display_name) for i in identities)
        fit = may_send(identities, channel.needs_mailbox) if channel else {i.id for i in identities}
        default = next((i.id for i in identities if i.id in fit), account.identity_id)
    return FormField(ACTING_AS, "select", "Agir en tant que", required=True, default=default, order=0,
                     choices=choices, help="L'identité au nom de laquelle vous écrivez.")


def gather_fields(pm: pluggy.PluginManager, channel: str, account: Account | None,
                  patient: Patient | None = None) -> list[FormField]:
    """The kernel's "Agir en tant que" first, then every plugin's fields, ordered; a later duplicate name loses."""
    fields = [acting_as_field(account, current_relais().channels.get(channel))]
    seen = {ACTING_AS}
    for _plugin, contribution in call_each(pm, "compose_form", channel=channel, account=account, patient=patient):
        for field in contribution:
            if field.name not in seen:
                seen.add(field.name)
                fields.append(field)
    return sorted(fields, key=lambda fl: (fl.order, fields.index(fl)))


def _marshmallow_field(field: FormField) -> Any:
    common: dict[str, Any] = {"required": field.required, "metadata": {"description": field.label}}
    if not field.required:
        common.update(load_default=field.default if field.type != "checkbox" else bool(field.default),
                      allow_none=True)
    kind = field.type
    if kind in ("text", "message"):
        validators = [f.length(max_length=field.max_length or (250 if kind == "text" else MAX_MESSAGE))]
        if field.required:
            validators.append(f.not_blank)
        # A "text" is one line (a subject goes into a mail header): kernel.schemas.french.Line.
        return (f.Line if kind == "text" else f.String)(validate=validators, **common)
    if field.name == ACTING_AS:
        # Checked against delegations by the send service, which says why it is refused.
        return f.Integer(**common)
    if kind == "select":
        values = [v for v, _ in field.choices]
        base = f.Integer if values and all(isinstance(v, int) for v in values) else f.String
        return base(validate=f.one_of(values) if values else None, **common)
    if kind == "date":
        return f.Date(**common)
    if kind == "checkbox":
        # Present, true or false: whether a required one is ticked is ``unticked()``'s to say, with every other
        # error of the screen (the channel's own checks included), not in the schema that stops at its errors.
        return f.Boolean(**common)
    if kind == "person" and field.options.get("kind") == "mssante":
        # MSSanté recipients are addresses (a professional may have several), not platform identities.
        address = f.String(validate=f.length(max_length=254))
        if not field.many:
            return f.String(validate=f.length(max_length=254), **common)
        if not field.required:
            common["load_default"] = lambda: list(field.default or [])
        return f.List(address, validate=[_at_least_one(kind)] if field.required else [], **common)
    if kind in ("person", "attachments"):
        if kind == "attachments" or field.many:
            validators = [_at_least_one(kind)] if field.required else []
            if not field.required:
                common["load_default"] = lambda: list(field.default or [])
            return f.List(f.Integer(), validate=validators, **common)
        return f.Integer(**common)
    if kind == "patient":
        return f.Integer(**common)
    if kind == "fieldset":
        # Its sub-fields depend on other fields: the channel's validate checks each value.
        if not field.required:
            common["load_default"] = dict
        return f.Dict(keys=f.String(validate=f.length(max_length=60)), **common)
    raise ValueError(f"no schema for field type {kind}")


UNTICKED = "Cochez cette case pour continuer."


def unticked(fields: list[FormField], values: Any) -> dict[str, list[str]]:
    """The required checkboxes of ``fields`` not ticked in ``values`` (a payload or a loaded draft): a required
    checkbox must be ticked (a patient's consent), refused in the channel's words (``options["unticked"]``)."""
    values = values if isinstance(values, dict) else {}
    return {field.name: [field.options.get("unticked") or UNTICKED] for field in fields
            if field.type == "checkbox" and field.required and values.get(field.name) is not True}


def _at_least_one(kind: str):
    message = "Ajoutez au moins une pièce jointe." if kind == "attachments" else "Choisissez au moins une personne."

    def check(value: list) -> None:
        if not value:
            raise ValidationError(message)
    return check


def build_schema(channel: str, fields: list[FormField]) -> Schema:
    declared = {field.name: _marshmallow_field(field) for field in fields if field.type not in DISPLAY_ONLY}
    return f.FrenchSchema.from_dict(declared, name=f"{_camel(channel)}Draft")()


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
