"""marshmallow fields and a base schema whose error messages are French sentences for users."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..plain_text import has_lone_surrogate, one_line

_BASE = {
    "required": "Ce champ est obligatoire.",
    "null": "Ce champ est obligatoire.",
    "validator_failed": "Valeur invalide.",
}


class String(fields.String):
    default_error_messages = {**_BASE, "invalid": "Saisissez un texte.", "invalid_utf8": "Texte illisible (UTF-8 attendu).",
                              "surrogate": "Le texte contient un caractère invalide (code isolé)."}

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's own hook
        text = super()._deserialize(value, attr, data, **kwargs)
        # A payload built in code (not read from JSON, which kernel/json.py checks) may still carry one.
        if has_lone_surrogate(text):
            raise self.make_error("surrogate")
        return text


class Line(String):
    """A single line (a subject, a name): line breaks and control characters become a space and
    bidirectional controls go, so the text can never open a new mail header nor read backwards."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's own hook
        return one_line(super()._deserialize(value, attr, data, **kwargs))


class Integer(fields.Integer):
    default_error_messages = {**_BASE, "invalid": "Saisissez un nombre entier.", "too_large": "Nombre trop grand."}
    # Every integer ends up in a 64-bit column (or names a row by one): a larger one is refused here,
    # at its field, rather than by the database driver (OverflowError, a 500).
    BIGGEST = 2**63 - 1

    def _validated(self, value):  # noqa: ANN001, ANN202 - marshmallow's own hook
        number = super()._validated(value)
        if number is not None and abs(number) > self.BIGGEST:
            raise self.make_error("too_large")
        return number


def plain_number(text: str | None) -> int | None:
    """A query-string number: ASCII digits (``str.isdigit`` also takes "²", which ``int`` refuses) that
    a 64-bit column holds; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= Integer.BIGGEST else None


class Boolean(fields.Boolean):
    default_error_messages = {**_BASE, "invalid": "Choisissez oui ou non."}


class Date(fields.Date):
    default_error_messages = {**_BASE, "invalid": "Saisissez une date valide (AAAA-MM-JJ).",
                              "format": "Date impossible à afficher."}


class DateTime(fields.DateTime):
    default_error_messages = {**_BASE, "invalid": "Saisissez une date et une heure valides.",
                              "invalid_awareness": "Saisissez une date et une heure valides.",
                              "format": "Date impossible à afficher."}


class List(fields.List):
    """A list of at most ``max_items`` (MAX_ITEMS by default), counted before any item is read: 100,000 ids
    are refused at their field at the cost of one ``len``."""

    MAX_ITEMS = 1000
    default_error_messages = {**_BASE, "invalid": "Une liste est attendue.",
                              "too_many": "{max_items} éléments au plus."}

    def __init__(self, cls_or_instance, *, max_items: int | None = None, **kwargs):  # noqa: ANN001
        super().__init__(cls_or_instance, **kwargs)
        self.max_items = max_items or self.MAX_ITEMS

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's own hook
        if isinstance(value, (list, tuple)) and len(value) > self.max_items:
            raise self.make_error("too_many", max_items=self.max_items)
        return super()._deserialize(value, attr, data, **kwargs)


class Dict(fields.Dict):
    default_error_messages = {**_BASE, "invalid": "Un objet est attendu."}


class Nested(fields.Nested):
    default_error_messages = {**_BASE, "type": "Un objet est attendu."}


class Email(fields.Email):
    default_error_messages = {**_BASE, "invalid": "Saisissez une adresse e-mail valide."}


class FrenchSchema(Schema):
    """Base of every payload schema: unknown fields are refused with a French message."""

    error_messages = {"unknown": "Champ inconnu.", "type": "Un objet JSON est attendu."}

    class Meta:
        unknown = RAISE


def length(max_length: int | None = None, min_length: int | None = None) -> validate.Length:
    if min_length and max_length:
        msg = f"Entre {min_length} et {max_length} caractères."
    elif max_length:
        msg = f"{max_length} caractères au plus."
    else:
        msg = "Ce champ est obligatoire." if min_length == 1 else f"{min_length} caractères au moins."
    return validate.Length(min=min_length, max=max_length, error=msg)


def one_of(choices: list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error="Choisissez une des valeurs proposées.")


def not_blank(value: str) -> bool:
    from marshmallow import ValidationError

    if value is None or not str(value).strip():
        raise ValidationError("Ce champ est obligatoire.")
    return True


class UtcDateTime(fields.DateTime):
    """Timestamps are stored as naive UTC; say so on the wire (ISO 8601 with ``Z``)."""

    def _serialize(self, value, attr, obj, **kwargs):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        from ..json import iso_utc

        return iso_utc(value)
