"""Experts (TE-1): declaring a profile, reading it, finding experts.

A profile belongs to an identity: a professional's own, or a structure's (a hospital department) that its
members and delegates edit and answer for ("acting as"). The search is accent-insensitive like the
directory's (``kernel.fold``): words of the name, profession, speciality and scope for ``q``, words of the
city, postcode, département and establishment for ``where``; every word typed must start a word found.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kernel import current_relais, fold, identities_for, may_administer, utcnow, write_transaction
from kernel.models import PERSON, STRUCTURE, Account, DirectoryEntry, Identity

from .models import Expert

FIRST_PAGE = 5
MAX_PAGE = 50


class ProfileRefused(Exception):
    """The profile cannot be saved: ``errors`` are French messages by field, ``status`` the HTTP status."""

    def __init__(self, errors: dict[str, list[str]], status: int = 422) -> None:
        super().__init__(errors)
        self.errors, self.status = errors, status


def editable_identities(account: Account) -> list[Identity]:
    """The identities whose expert profile ``account`` may edit: its own and those it acts for."""
    return identities_for(account)


def profile_of(identity_id: int) -> Expert | None:
    return Expert.get_or_none(Expert.identity == identity_id)


def save_profile(account: Account, identity_id: int, data: dict[str, Any], today: dt.date | None = None) -> Expert:
    """Create or update the expert profile of ``identity_id`` from a loaded ExpertProfileSchema payload."""
    identity = next((i for i in editable_identities(account) if i.id == identity_id), None)
    if identity is None:
        raise ProfileRefused({"identity": ["Vous n'agissez pas pour cette identité : son profil d'expert "
                                           "ne peut être modifié que par elle ou ses délégués."]}, 403)
    return _store(account, identity, data, today, via="profile")


NOT_A_STRUCTURE = "Cette structure est introuvable."
MANAGERS_ONLY = ("Réservé aux administrateurs et aux gestionnaires de l’annuaire. Les membres d’une structure "
                 "modifient son profil d’expert depuis « Mon profil d’expert », en agissant pour elle.")


def structure_for_administration(account: Account, structure_id: int) -> Identity:
    """The structure whose profile an administrator or a directory manager opens (ProfileRefused otherwise:
    403 for other accounts, 404 for what is no structure)."""
    if not may_administer(account):
        raise ProfileRefused({"_schema": [MANAGERS_ONLY]}, 403)
    structure = Identity.get_or_none((Identity.id == structure_id) & (Identity.kind == STRUCTURE))
    if structure is None:
        raise ProfileRefused({"_schema": [NOT_A_STRUCTURE]}, 404)
    return structure


def save_structure_profile(account: Account, structure_id: int, data: dict[str, Any],
                           today: dt.date | None = None) -> Expert:
    """The administration's edit of a structure's expert profile (a hospital department's): administrators and
    directory managers, who manage structures, whether or not they act for it. Audited as any save, with
    ``via=administration`` and the fields changed."""
    structure = structure_for_administration(account, structure_id)
    return _store(account, structure, data, today, via="administration")


def _store(account: Account, identity: Identity, data: dict[str, Any], today: dt.date | None, via: str) -> Expert:
    identity_id = identity.id
    errors: dict[str, list[str]] = {}
    today = today or dt.date.today()
    if data.get("back_on") is not None and data["back_on"] < today:
        errors["back_on"] = ["La date de retour est passée : choisissez une date à venir, ou laissez vide."]
    if data.get("accepting", True):
        data["back_on"] = None  # a return date only means something while not accepting
    if identity.kind != PERSON and data.get("billing_number"):
        errors["billing_number"] = ["Une structure n'a pas de numéro de facturation : chaque professionnel "
                                    "qui répond pour elle a le sien."]
    form, form_errors = _named_fields(data.get("form") or [])
    errors.update(form_errors)
    if errors:
        raise ProfileRefused(errors)
    values = {"scope": data["scope"].strip(), "prerequisites": (data.get("prerequisites") or "").strip(),
              "form": form, "accepting": bool(data.get("accepting", True)), "back_on": data.get("back_on"),
              "billing_number": data.get("billing_number") or None, "updated_at": utcnow(), "updated_by": account.id}
    with write_transaction():
        expert = profile_of(identity_id)
        if expert is None:
            changed = ["created"]
            expert = Expert.create(identity=identity_id, **values)
        else:
            changed = [k for k in ("scope", "prerequisites", "form", "accepting", "back_on", "billing_number")
                       if getattr(expert, k) != values[k]]
            Expert.update(values).where(Expert.id == expert.id).execute()
            expert = Expert.get_by_id(expert.id)
        # The identity the profile is about, so that its trail shows who changed it; field names only.
        detail = f"accepting={expert.accepting} fields={len(form)}"
        if via != "profile":
            detail += f" via={via} changed={','.join(changed) or 'none'}"
        current_relais().audit.record("teleexpertise.expert.save", account_id=account.id, acting_as_id=identity_id,
                                      target=f"teleexpertise_expert:{expert.id}", detail=detail)
    return expert


def _named_fields(fields: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Each question with a stable technical name (from its label when none was given), none twice."""
    out: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    taken: set[str] = set()
    for index, field in enumerate(fields):
        name = field.get("name") or _slug(field["label"])
        if name in taken:
            if field.get("name"):
                errors.setdefault("form", []).append(f"Question {index + 1} : identifiant « {name} » déjà utilisé.")
                continue
            name = f"{name}_{index + 1}"
        taken.add(name)
        clean = {"name": name, "label": field["label"].strip(), "type": field["type"],
                 "required": bool(field.get("required")), "choices": [], "unit": "", "help": field.get("help", "")}
        if field["type"] == "choice":
            clean["choices"] = [c.strip() for c in field.get("choices") or []]
        if field["type"] == "number":
            clean["unit"] = (field.get("unit") or "").strip()
        out.append(clean)
    return out, errors


def _slug(label: str) -> str:
    words = fold(label).split()
    slug = "_".join(words)[:36].strip("_") or "question"
    return slug if slug[0].isalpha() else f"q_{slug}"[:36]


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What a requester sees of an expert: name, profession and place (from the directory when linked)."""

    profession: str = ""
    specialty: str = ""
    organisation: str = ""
    city: str = ""
    postcode: str = ""
    department: str = ""


def facts_by_identity(identity_ids: list[int]) -> dict[int, Facts]:
    """The directory's facts on each identity (a national entry rather than the platform's own), else the
    account's profession. Two queries."""
    facts: dict[int, Facts] = {}
    if not identity_ids:
        return facts
    entries = (DirectoryEntry.select(DirectoryEntry.identity, DirectoryEntry.profession, DirectoryEntry.specialty,
                                     DirectoryEntry.organisation, DirectoryEntry.city, DirectoryEntry.postcode,
                                     DirectoryEntry.department, DirectoryEntry.source)
               .where(DirectoryEntry.identity.in_(identity_ids)).order_by(DirectoryEntry.id))
    for e in entries:
        richer = Facts(e.profession, e.specialty, e.organisation, e.city, e.postcode, e.department)
        known = facts.get(e.identity_id)
        if known is None or (e.source != "platform" and not known.city):
            facts[e.identity_id] = richer
    for account in Account.select(Account.identity, Account.profession).where(Account.identity.in_(identity_ids)):
        known = facts.get(account.identity_id)
        if known is None:
            facts[account.identity_id] = Facts(profession=account.profession)
        elif not known.profession:
            facts[account.identity_id] = Facts(account.profession, known.specialty, known.organisation, known.city,
                                               known.postcode, known.department)
    return facts


def availability_note(expert: Expert) -> str:
    """"" when the expert takes requests, else why not and until when, in French."""
    if expert.accepting:
        return ""
    if expert.back_on:
        return f"Ne prend pas de demandes pour le moment : de retour le {expert.back_on:%d/%m/%Y}."
    return "Ne prend pas de demandes pour le moment."


def profile_json(expert: Expert, identity: Identity | None = None, facts: Facts | None = None, *,
                 editable: bool = False) -> dict[str, Any]:
    """A profile as the API shows it; its billing (AM) number only to those who edit it (``editable``): the
    expert themself and the delegates of an expert structure."""
    identity = identity or expert.identity
    facts = facts or facts_by_identity([identity.id]).get(identity.id, Facts())
    return {
        "id": expert.id, "identity_id": identity.id, "display_name": identity.display_name, "kind": identity.kind,
        "scope": expert.scope, "prerequisites": expert.prerequisites, "form": expert.form or [],
        "accepting": expert.accepting, "back_on": expert.back_on.isoformat() if expert.back_on else None,
        "availability": availability_note(expert),
        "profession": facts.profession, "specialty": facts.specialty, "organisation": facts.organisation,
        "city": facts.city, "postcode": facts.postcode,
        **({"billing_number": expert.billing_number} if editable else {}),
    }


# --- searching ----------------------------------------------------------------------------------

def search(q: str = "", where: str = "", group: str = "", limit: int = FIRST_PAGE, offset: int = 0,
           exclude: set[int] | None = None) -> dict[str, Any]:
    """Experts matching ``q`` and ``where``, shaped like the directory's answer (GET /api/v1/directory):
    ``{"professionals": [...], "services": [...], "more": {...}}``; the accepting ones first, then by name."""
    limit = max(1, min(limit, MAX_PAGE))
    q_words, where_words = fold(q).split(), fold(where).split()
    rows = list(Expert.select(Expert, Identity).join(Identity, on=(Expert.identity == Identity.id)))
    facts = facts_by_identity([e.identity_id for e in rows])
    found: dict[str, list[dict[str, Any]]] = {"professionals": [], "services": []}
    for expert in rows:
        if exclude and expert.identity_id in exclude:
            continue
        fact = facts.get(expert.identity_id, Facts())
        what = fold(" ".join([expert.identity.display_name, fact.profession, fact.specialty, expert.scope]))
        place = fold(" ".join([fact.city, fact.postcode, fact.department, fact.organisation]))
        if not _all_found(q_words, what.split()) or not _all_found(where_words, place.split()):
            continue
        key = "professionals" if expert.identity.kind == PERSON else "services"
        found[key].append(_entry(expert, fact))
    out: dict[str, Any] = {"more": {}}
    for key, entries in found.items():
        entries.sort(key=lambda e: (bool(e["unavailable"]), fold(e["display_name"])))
        if group and key != group:
            out[key], out["more"][key] = [], False
            continue
        out[key] = entries[offset:offset + limit]
        out["more"][key] = len(entries) > offset + limit
    return out


def _all_found(wanted: list[str], words: list[str]) -> bool:
    return all(any(w.startswith(x) for w in words) for x in wanted)


def _entry(expert: Expert, fact: Facts) -> dict[str, Any]:
    scope = expert.scope if len(expert.scope) <= 90 else expert.scope[:89].rstrip() + "…"
    return {
        "id": f"expert-{expert.id}", "expert_id": expert.id, "identity_id": expert.identity_id,
        "display_name": expert.identity.display_name, "has_account": True, "kind": expert.identity.kind,
        "profession": fact.profession, "specialty": fact.specialty or scope, "organisation": fact.organisation,
        "city": fact.city, "postcode": fact.postcode, "department": fact.department, "addresses": [],
        "scope": expert.scope, "unavailable": availability_note(expert),
        "badge": "Expert" if expert.accepting else "",
    }


def expert_for_identity(identity_id: int | None) -> Expert | None:
    """The expert profile of ``identity_id`` whatever its availability (None if the identity is no expert)."""
    if identity_id is None:
        return None
    return Expert.select(Expert, Identity).join(Identity).where(Expert.identity == identity_id).first()

