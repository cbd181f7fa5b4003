"""Account payloads of the administration: the API, the admin pages' forms, the CSV import and OpenAPI."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema
from stdnum import luhn

from ..models.roles import ROLES
from . import french as f
from .pagination import numbered_page

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,150}$")
LOGIN_RULE = ("L'identifiant compte de 1 à 150 caractères parmi lettres sans accent, chiffres et . _ - @, "
              "sans espace.")
MSSANTE_DOMAIN = "mssante.fr"
MIN_PASSWORD_LENGTH = 8  # CNIL: enough when failed logins are throttled, which the platform does
NOT_ELIGIBLE_WITH_ADDRESS = ("Un professionnel non éligible à MSSanté ne peut pas détenir d'adresse MSSanté "
                             "personnelle : retirez ses adresses (il écrira par délégation) ou cochez l'éligibilité.")


def rpps_problem(value: str) -> str | None:
    """Why ``value`` is not an RPPS number (11 digits whose last is a Luhn key), or None."""
    if not (len(value) == 11 and value.isascii() and value.isdigit()):
        return f"Le numéro RPPS « {value} » doit compter exactement 11 chiffres."
    if not luhn.is_valid(value):
        return f"Le numéro RPPS « {value} » est erroné : sa clé (dernier chiffre) ne correspond pas. Vérifiez-le."
    return None


def mssante_address_problem(address: str) -> str | None:
    """Why ``address`` is not an MSSanté address, or None."""
    try:
        validate.Email()(address)
    except ValidationError:
        return f"« {address} » n'est pas une adresse de messagerie valide."
    domain = address.rsplit("@", 1)[1]
    if len(address) > 254 or not (domain == MSSANTE_DOMAIN or domain.endswith("." + MSSANTE_DOMAIN)):
        return f"« {address} » n'est pas une adresse MSSanté : son domaine doit se terminer par « mssante.fr »."
    return None


def _login(value: str) -> None:
    if not LOGIN_RE.match(value):
        raise ValidationError(LOGIN_RULE)


def _rpps(value: str | None) -> None:
    problem = rpps_problem(value) if value else None
    if problem:
        raise ValidationError(problem)


class Rpps(f.String):
    """An RPPS number: spaces typed between digits are dropped, an empty value means none."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        text = "".join(super()._deserialize(value, attr, data, **kwargs).split())
        return text or None


class MssanteAddresses(f.List):
    """MSSanté addresses, lower-cased, each once, each checked (the error names the address)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(f.String(validate=f.length(max_length=254)), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        items = super()._deserialize(value, attr, data, **kwargs)
        addresses = list(dict.fromkeys(a.strip().lower() for a in items if a.strip()))
        problems = [p for p in map(mssante_address_problem, addresses) if p]
        if problems:
            raise ValidationError(problems)
        return addresses


def _addresses_need_eligibility(data: dict[str, Any]) -> None:
    if data.get("mssante_addresses") and data.get("mssante_eligible") is False:
        raise ValidationError({"mssante_addresses": [NOT_ELIGIBLE_WITH_ADDRESS]})


class AccountDetailsSchema(f.FrenchSchema):
    """What an administrator or a directory manager changes about an account (every field optional)."""

    first_name = f.Line(validate=[f.length(max_length=100), f.not_blank], metadata={"description": "Prénom."})
    last_name = f.Line(validate=[f.length(max_length=100), f.not_blank], metadata={"description": "Nom."})
    profession = f.Line(validate=f.length(max_length=100),
                        metadata={"description": "Profession, par exemple « Médecin généraliste »."})
    rpps = Rpps(allow_none=True, validate=_rpps,
                metadata={"description": "Numéro RPPS : 11 chiffres, le dernier est une clé de contrôle."})
    mssante_addresses = MssanteAddresses(metadata={"description": "Adresses MSSanté personnelles."})
    mssante_eligible = f.Boolean(metadata={"description": "Profession éligible à MSSanté (sinon le compte écrit "
                                                          "seulement par délégation)."})

    @validates_schema
    def _eligibility(self, data: dict[str, Any], **kwargs: Any) -> None:
        _addresses_need_eligibility(data)


class AccountCreateSchema(AccountDetailsSchema):
    login = f.Line(required=True, validate=_login, metadata={"description": "Identifiant de connexion."})
    first_name = f.Line(required=True, validate=[f.length(max_length=100), f.not_blank],
                        metadata={"description": "Prénom."})
    last_name = f.Line(required=True, validate=[f.length(max_length=100), f.not_blank],
                       metadata={"description": "Nom."})
    profession = f.Line(load_default="", validate=f.length(max_length=100),
                        metadata={"description": "Profession, par exemple « Médecin généraliste »."})
    rpps = Rpps(load_default=None, allow_none=True, validate=_rpps,
                metadata={"description": "Numéro RPPS : 11 chiffres, le dernier est une clé de contrôle."})
    mssante_addresses = MssanteAddresses(load_default=list, metadata={"description": "Adresses MSSanté personnelles."})
    mssante_eligible = f.Boolean(load_default=True, metadata={"description": "Profession éligible à MSSanté."})


class AccountRolesSchema(f.FrenchSchema):
    roles = f.List(f.String(validate=f.one_of(list(ROLES))), required=True,
                   metadata={"description": "Rôles : administrator, directory_manager (vide : aucun)."})


class PasswordChoiceSchema(f.FrenchSchema):
    """The password chosen through a one-time link."""

    password = f.String(required=True, validate=f.length(min_length=MIN_PASSWORD_LENGTH, max_length=1000))
    confirmation = f.String(required=True)

    @validates_schema
    def _same(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("password") != data.get("confirmation"):
            raise ValidationError({"confirmation": ["Les deux mots de passe saisis diffèrent."]})


class AccountListQuerySchema(f.FrenchSchema):
    q = f.Line(load_default="", validate=f.length(max_length=200),
               metadata={"description": "Nom, identifiant, RPPS ou adresse MSSanté (début ou partie)."})
    state = f.String(load_default="all", validate=f.one_of(["all", "active", "inactive"]))
    role = f.String(load_default="", validate=f.one_of(["", *ROLES]))
    page = f.Integer(load_default=1, validate=validate.Range(min=1, error="Une page commence à 1."))


class AdminAccountSchema(f.FrenchSchema):
    id = fields.Integer()
    login = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    full_name = fields.String()
    profession = fields.String()
    rpps = fields.String(allow_none=True)
    mssante_addresses = fields.List(fields.String())
    mssante_eligible = fields.Boolean()
    roles = fields.List(fields.String())
    active = fields.Boolean()
    created_at = f.UtcDateTime()
    last_login_at = f.UtcDateTime(allow_none=True)


class AccountEnvelopeSchema(f.FrenchSchema):
    account = fields.Nested(AdminAccountSchema)
    password_link = fields.String(metadata={"description": "Lien à usage unique pour choisir le mot de passe "
                                                           "(à la création seulement)."})
    password_link_expires_at = f.UtcDateTime()


class AccountListSchema(numbered_page("accounts", AdminAccountSchema)):
    """GET /admin/accounts: a page of accounts."""


class PasswordLinkSchema(f.FrenchSchema):
    link = fields.String()
    expires_at = f.UtcDateTime()


class ImportLineSchema(f.FrenchSchema):
    line = fields.Integer()
    login = fields.String()
    created = fields.Boolean()
    account_id = fields.Integer(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Colonne (en-tête du fichier) → raisons du refus."})


class ImportReportSchema(f.FrenchSchema):
    created = fields.Integer()
    refused = fields.Integer()
    lines = fields.List(fields.Nested(ImportLineSchema))
