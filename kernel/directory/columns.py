"""Which column is which in the national files, read from the header by a normalised name.

Published copies of the same extraction differ in their labels: the structure's address lines may or
may not end in " structure BAL", accents come and go, and a misspelt ``NL4TYPEVOIE`` is seen. A label
is therefore compared folded (no case, no accents, no punctuation, no suffix); the address lines,
whose labels vary most, fall back on their position; an unknown label is reported, never fatal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .text import fold

MSSANTE, PS = "mssante", "ps"
KIND_LABELS = {MSSANTE: "extraction des BAL MSSanté", PS: "PS_LibreAcces (activités des professionnels)"}
_SUFFIX = " structure bal"

# Canonical field -> folded labels it is known by. Every column of the published layout is listed,
# used or not, so that only genuinely unexpected labels are reported.
MSSANTE_FIELDS: dict[str, tuple[str, ...]] = {
    "bal_type": ("type de bal", "type bal"),
    "address": ("adresse bal", "adresse mssante"),
    "pp_id_type": ("type identifiant pp", "type d identifiant pp"),
    "pp_id": ("identifiant pp",),
    "national_id": ("identification nationale pp", "identifiant national pp"),
    "structure_id_type": ("type identifiant structure", "type d identifiant structure"),
    "structure_id": ("identification structure", "identifiant structure"),
    "service": ("service de rattachement",),
    "title": ("civilite d exercice", "libelle civilite d exercice", "code civilite d exercice"),
    "last_name": ("nom d exercice",),
    "first_name": ("prenom d exercice",),
    "category_code": ("categorie profession", "code categorie profession"),
    "category": ("libelle de categorie profession", "libelle categorie profession"),
    "profession_code": ("code profession",),
    "profession": ("libelle profession",),
    "specialty_code": ("code savoir faire",),
    "specialty": ("libelle savoir faire",),
    "paperless": ("dematerialisation",),
    "organisation": ("raison sociale",),
    "brand": ("enseigne commerciale",),
    "line2": ("l2complementlocalisation",),
    "line3": ("l3complementdistribution", "l3complementdestinataire"),
    "line4_number": ("l4numerovoie",),
    "line4_complement": ("l4complementnumerovoie",),
    "line4_type": ("l4typevoie", "nl4typevoie", "l4codetypevoie"),
    "line4_street": ("l4libellevoie",),
    "line5": ("l5lieuditmention",),
    "line6": ("l6ligneacheminement",),
    "postcode": ("code postal",),
    "department": ("departement", "code departement"),
    "country": ("pays", "code pays"),
}
# The structure's address family, by position in the 31-column layout: the fallback for a label
# nobody has seen yet.
MSSANTE_POSITIONS = {name: 20 + i for i, name in enumerate(
    ("line2", "line3", "line4_number", "line4_complement", "line4_type", "line4_street", "line5", "line6",
     "postcode", "department", "country"))}
MSSANTE_REQUIRED = ("bal_type", "address")

PS_FIELDS: dict[str, tuple[str, ...]] = {
    "pp_id_type": ("type d identifiant pp", "type identifiant pp"),
    "pp_id": ("identifiant pp",),
    "national_id": ("identification nationale pp",),
    "title": ("code civilite d exercice", "libelle civilite d exercice"),
    "last_name": ("nom d exercice",),
    "first_name": ("prenom d exercice",),
    "profession_code": ("code profession",),
    "profession": ("libelle profession",),
    "specialty": ("libelle savoir faire",),
    "organisation": ("raison sociale site",),
    "brand": ("enseigne commerciale site",),
    "postcode": ("code postal coord structure",),
    "city": ("libelle commune coord structure",),
    "department": ("code departement structure",),
    "finess": ("numero finess site",),
}
# Columns of the published PS_LibreAcces file that the directory does not use (not reported).
PS_OTHER = {fold(label) for label in (
    "Code civilité", "Libellé civilité", "Code catégorie professionnelle", "Libellé catégorie professionnelle",
    "Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire", "Code mode exercice",
    "Libellé mode exercice", "Numéro SIRET site", "Numéro SIREN site", "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure", "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)", "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)", "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)", "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)", "Bureau cedex (coord. structure)",
    "Code commune (coord. structure)", "Code pays (coord. structure)", "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)", "Téléphone 2 (coord. structure)", "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)", "Libellé Département (structure)", "Ancien identifiant de la structure",
    "Autorité d'enregistrement", "Code secteur d'activité", "Libellé secteur d'activité",
    "Code section tableau pharmaciens", "Libellé section tableau pharmaciens", "Code rôle", "Libellé rôle",
    "Code genre activité", "Libellé genre activité")}
PS_REQUIRED = ("national_id",)


def label_key(label: str) -> str:
    """``"L4NUMEROVOIE structure BAL"`` and ``"l4numerovoie"`` -> ``"l4numerovoie"``."""
    key = fold(label)
    return key[: -len(_SUFFIX)] if key.endswith(_SUFFIX) else key


@dataclass
class Layout:
    """Where each field is in the lines of one file."""

    kind: str
    width: int  # fields per line
    positions: dict[str, int]
    unknown: list[str] = field(default_factory=list)  # labels not recognised (ignored)
    by_position: list[str] = field(default_factory=list)  # labels read by their position instead

    def get(self, fields: list[str], name: str) -> str:
        index = self.positions.get(name)
        return fields[index].strip() if index is not None else ""


class HeaderError(Exception):
    """The header is not one of the national files'; the message is a French sentence."""


def kind_of(labels: list[str]) -> str | None:
    keys = {label_key(label) for label in labels}
    if "adresse bal" in keys or "type de bal" in keys:
        return MSSANTE
    # Only the "Personne_activite" file: the other PS_LibreAcces files have no place of practice.
    if "identification nationale pp" in keys and keys & {"libelle commune coord structure", "raison sociale site",
                                                         "code postal coord structure"}:
        return PS
    return None


def layout_of(labels: list[str]) -> Layout:
    """The layout announced by a header line's labels (a trailing empty label is dropped)."""
    if labels and not labels[-1].strip():
        labels = labels[:-1]
    kind = kind_of(labels)
    if kind is None:
        raise HeaderError("en-tête non reconnu : ce fichier n'est ni une extraction des BAL MSSanté "
                          "(Extraction_Correspondance_MSSante_*.txt) ni un fichier PS_LibreAcces_Personne_activite_*.txt "
                          "(la première ligne doit nommer les colonnes, séparées par « | »).")
    known = MSSANTE_FIELDS if kind == MSSANTE else PS_FIELDS
    alias = {a: name for name, aliases in known.items() for a in aliases}
    layout = Layout(kind=kind, width=len(labels), positions={})
    unmatched: dict[int, str] = {}
    for index, label in enumerate(labels):
        name = alias.get(label_key(label))
        if name is not None and name not in layout.positions:
            layout.positions[name] = index
        elif name is None and not (kind == PS and label_key(label) in PS_OTHER):
            unmatched[index] = label
    if kind == MSSANTE:
        for name, index in MSSANTE_POSITIONS.items():
            if name not in layout.positions and index in unmatched:
                layout.positions[name] = index
                layout.by_position.append(f"{unmatched.pop(index)} ({_FRENCH_NAMES[name]})")
    layout.unknown = list(unmatched.values())
    missing = [n for n in (MSSANTE_REQUIRED if kind == MSSANTE else PS_REQUIRED) if n not in layout.positions]
    if missing:
        raise HeaderError(f"colonne obligatoire absente de l'en-tête : {', '.join(_FRENCH_NAMES[m] for m in missing)}.")
    return layout


_FRENCH_NAMES = {
    "bal_type": "Type de BAL", "address": "Adresse BAL", "national_id": "Identification nationale PP",
    "line2": "complément de localisation", "line3": "complément de distribution", "line4_number": "numéro de voie",
    "line4_complement": "complément de numéro", "line4_type": "type de voie", "line4_street": "libellé de voie",
    "line5": "lieu-dit", "line6": "ligne d'acheminement", "postcode": "code postal", "department": "département",
    "country": "pays",
}
