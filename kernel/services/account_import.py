"""Bulk account creation from a CSV file, with a report line by line: each line is created whole or refused
whole with its reasons at their column; one bad line never stops the others.

The file: UTF-8 (with or without BOM), ``;`` or ``,`` between columns, a first line of French headers
(case and accents ignored). The admin page shows the same table (HEADERS).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from ..models import Account
from ..schemas.accounts import AccountCreateSchema
from ..services.sending import flatten_errors
from .accounts import AccountRefused, create_account

MAX_LINES = 5000
# Header -> (schema field, required, what to write), in the order the page documents them.
HEADERS: tuple[tuple[str, str, bool, str], ...] = (
    ("identifiant", "login", True, "Identifiant de connexion : lettres sans accent, chiffres, . _ - @"),
    ("prénom", "first_name", True, "Prénom"),
    ("nom", "last_name", True, "Nom"),
    ("profession", "profession", False, "Par exemple « Infirmier »"),
    ("rpps", "rpps", False, "11 chiffres, le dernier est une clé de contrôle"),
    ("adresses mssanté", "mssante_addresses", False, "Une ou plusieurs, séparées par des espaces"),
    ("éligible mssanté", "mssante_eligible", False, "oui ou non (vide : oui)"),
)
YES, NO = {"oui", "o", "yes", "1", "vrai", ""}, {"non", "n", "no", "0", "faux"}


class ImportRefused(ValueError):
    """The file as a whole cannot be read (encoding, headers): nothing was created."""


@dataclass
class ImportLine:
    line: int
    login: str
    account_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)  # header as in the file -> reasons

    @property
    def created(self) -> bool:
        return self.account_id is not None


def _key(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header.strip().lower())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


KNOWN = {_key(name): (name, field_name, required) for name, field_name, required, _ in HEADERS}


def read_rows(content: bytes) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """(schema field -> header as written, [(line number, {schema field: value})]) or ImportRefused."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("Le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 » puis "
                            "recommencez.") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRefused("Le fichier est vide : sa première ligne doit nommer les colonnes.")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader)
    columns: dict[int, str] = {}
    written: dict[str, str] = {}
    unknown = []
    for index, header in enumerate(headers):
        known = KNOWN.get(_key(header))
        if known is None:
            if header.strip():
                unknown.append(header.strip())
            continue
        columns[index] = known[1]
        written[known[1]] = header.strip()
    missing = [name for name, field_name, required, _ in HEADERS if required and field_name not in written]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append("colonne(s) inconnue(s) : " + ", ".join(f"« {u} »" for u in unknown))
        if missing:
            problems.append("colonne(s) obligatoire(s) absente(s) : " + ", ".join(f"« {m} »" for m in missing))
        raise ImportRefused("La première ligne ne nomme pas les colonnes attendues (" + " ; ".join(problems)
                            + "). Les en-têtes possibles sont décrits sur la page.")
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        rows.append((reader.line_num, {columns[i]: v.strip() for i, v in enumerate(values) if i in columns}))
        if len(rows) > MAX_LINES:
            raise ImportRefused(f"Le fichier dépasse {MAX_LINES} lignes : découpez-le en plusieurs fichiers.")
    return written, rows


def _payload(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    payload: dict[str, Any] = {k: v for k, v in row.items() if k not in ("mssante_addresses", "mssante_eligible")}
    payload["mssante_addresses"] = row.get("mssante_addresses", "").replace(",", " ").replace("|", " ").split()
    errors = {}
    eligible = row.get("mssante_eligible", "").lower()
    if eligible in YES:
        payload["mssante_eligible"] = True
    elif eligible in NO:
        payload["mssante_eligible"] = False
    else:
        errors["mssante_eligible"] = [f"« {row['mssante_eligible']} » : écrivez oui ou non."]
    return payload, errors


def import_accounts(content: bytes, by: Account | None) -> list[ImportLine]:
    """Create an account per line; raises ImportRefused when the file itself cannot be read."""
    written, rows = read_rows(content)
    report = []
    for number, row in rows:
        line = ImportLine(number, row.get("login", ""))
        payload, errors = _payload(row)
        try:
            data = AccountCreateSchema().load(payload)
        except ValidationError as exc:
            errors.update(flatten_errors(exc.messages))
            data = None
        if data is not None and not errors:
            try:
                line.account_id = create_account(data, by).id
            except AccountRefused as exc:
                errors.update(exc.errors)
        # In the file's own column order, so the report reads like the line.
        order = list(written)
        line.errors = {written.get(name, name if name != "_schema" else "ligne"): errors[name]
                       for name in sorted(errors, key=lambda n: order.index(n) if n in order else len(order))}
        report.append(line)
    return report
