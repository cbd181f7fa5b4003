"""The acts export (TE-8): the acts a professional may see over a period, as JSON rows or as a CSV file that a
spreadsheet opens with its accents intact (UTF-8 with a byte order mark, « ; » between columns)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import peewee as pw

from kernel import identities_for
from kernel.models import Account, Identity, Patient

from .billing import act_label
from .finalisation_models import RQD, TE2, Act
from .models import Request

# (key in the JSON rows, French column header)
COLUMNS = (
    ("date", "Date de l'acte"), ("code", "Code acte"), ("label", "Libellé"), ("professional", "Professionnel"),
    ("rpps", "RPPS"), ("billing_number", "N° de facturation"), ("structure", "Structure"),
    ("patient", "Patient"), ("patient_birth_date", "Date de naissance"), ("patient_nir", "NIR du patient"),
    ("reference", "Référence"),
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def visible_acts(account: Account, start: dt.date, end: dt.date, professional: int | None = None,
                 structure: int | None = None) -> pw.SelectQuery:
    """Acts dated within the period that ``account`` may see: its own, those done for a structure it acts for
    (a requester or expert structure). Administering the platform gives no right to patients (docs/security.md):
    an administrator sees their own acts like anyone."""
    query = (Act.select(Act, Request, Patient, Account)
             .join(Request, on=(Act.request == Request.id))
             .join(Patient, on=(Request.patient == Patient.id))
             .switch(Act).join(Account, pw.JOIN.LEFT_OUTER, on=(Act.account == Account.id))
             .where((Act.act_date >= start) & (Act.act_date <= end)))
    mine = [i.id for i in identities_for(account)]
    query = query.where((Act.account == account.id) | Act.professional.in_(mine)
                        | ((Act.code == RQD) & Request.requester.in_(mine))
                        | ((Act.code == TE2) & Request.expert_identity.in_(mine)))
    if professional is not None:
        query = query.where(Act.professional == professional)
    if structure is not None:
        query = query.where(((Act.code == RQD) & (Request.requester == structure))
                            | ((Act.code == TE2) & (Request.expert_identity == structure)))
    return query.order_by(Act.act_date, Act.request, Act.code)


def act_rows(query: pw.SelectQuery) -> list[dict[str, Any]]:
    acts = list(query)
    names = {i.id: i.display_name for i in Identity.select(Identity.id, Identity.display_name)
             .where(Identity.id.in_({a.professional_id for a in acts} or {0}))}
    rows = []
    for act in acts:
        patient = act.request.patient
        rows.append({
            "id": act.id, "request_id": act.request_id, "exchange_id": act.request.exchange_id,
            "date": act.act_date.isoformat(), "code": act.code, "label": act_label(act.code),
            "professional": act.account.full_name if act.account_id else names.get(act.professional_id, ""),
            "professional_id": act.professional_id, "rpps": act.rpps, "billing_number": act.billing_number,
            "structure": act.structure,
            "patient": f"{(patient.used_name or patient.birth_name).upper()} {patient.first_name}",
            "patient_birth_date": patient.birth_date.isoformat(), "patient_nir": act.patient_nir,
            "reference": f"TE-{act.request_id:06d}",
        })
    return rows


def _cell(key: str, value: Any) -> str:
    if key in ("date", "patient_birth_date") and value:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    # Names come from people: one starting like a formula must not run as one in a spreadsheet.
    return "'" + text if text[:1] in FORMULA_STARTS else text


def acts_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM (so a spreadsheet reads the accents), « ; » separated (French locales' list separator)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([_cell(key, row[key]) for key, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
