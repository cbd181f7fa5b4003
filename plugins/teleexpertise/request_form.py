"""The request screen (TE-2, TE-3): its fields, their checks, and what a sent request stores.

The expert's prerequisites and structured questions depend on the expert chosen: the screen's
``answers`` field is a ``fieldset`` whose content the screen asks ``/teleexpertise/ecran/questions``
for whenever the expert changes (docs/plugins.md, compose_form). Every error is a French sentence at its
field (a question's at ``answers.<name>``); ``validate`` writes nothing, ``deliver`` writes everything.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kernel import OID_INS_NIA, FormField, Ins, InvalidIns, current_relais, known_patient, utcnow
from kernel.models import Account, Exchange, Identity, Membership, Patient

from .experts import expert_for_identity
from .models import DEMANDEE, Expert, Request, StatusChange
from .schemas import AM_NUMBER, AM_NUMBER_MESSAGE
from .sides import identity_ids

CHANNEL = "teleexpertise"
QUESTIONS_URL = "/teleexpertise/ecran/questions"
EXPERTS_URL = "/teleexpertise/experts"
ANSWER_MAX = 2000
YES, NO = "oui", "non"
BILLING_HELP = (
    "Le numéro de facturation (dit « numéro AM ») est l'identifiant à 9 chiffres que l'Assurance Maladie vous a "
    "attribué pour facturer vos actes ; il figure sur votre carte CPS et sur vos feuilles de soins. L'acte de "
    "demande de téléexpertise (RQD) est facturé sous ce numéro : pour un remplaçant ou un salarié, c'est celui "
    "du lieu d'exercice. Il est repris d'une demande à l'autre.")
CONSENT_LABEL = "Le patient a donné son consentement à cette téléexpertise"
CONSENT_MISSING = "Le consentement du patient est obligatoire : recueillez-le avant d'envoyer la demande."
CONSENT_HELP = "Il a été informé de la demande d'avis, du partage de ses données avec l'expert et de la facturation."


def fields(account: Account | None, patient: Patient | None) -> list[FormField]:
    """The screen's own fields (the kernel adds "Agir en tant que" first)."""
    return [
        FormField("expert", "person", "Expert sollicité", required=True, order=10,
                  placeholder="Nom, spécialité, périmètre…", options={"kind": "account", "url": EXPERTS_URL},
                  help="Les experts qui ne prennent pas de demandes en ce moment sont indiqués avec leur date de retour."),
        FormField("answers", "fieldset", "Ce que demande l'expert", order=15,
                  options={"url": QUESTIONS_URL, "watch": ["expert"]}),
        FormField("patient", "patient", "Patient", required=True, order=20),
        FormField("nir", "text", "NIR du patient", required=True, order=25, max_length=21,
                  default=_nir_of(patient), placeholder="15 caractères, clé comprise",
                  help="Numéro de sécurité sociale du patient, avec sa clé ; repris de son INS quand il est connu."),
        FormField("billing_number", "text", "Votre numéro de facturation (AM)", required=True, order=30,
                  max_length=12, default=_last_billing_number(account), placeholder="9 chiffres",
                  options={"more": BILLING_HELP}),
        FormField("consent", "checkbox", CONSENT_LABEL, required=True, order=35, help=CONSENT_HELP,
                  options={"unticked": CONSENT_MISSING}),
        FormField("subject", "text", "Objet", required=True, order=40, max_length=250,
                  default=f"Téléexpertise – {patient.short_name}" if patient else None),
        FormField("body", "message", "Votre question", required=True, order=50,
                  placeholder="Contexte clinique, ce que vous attendez de l'expert…"),
        FormField("attachments", "attachments", "Documents et photos", order=60),
    ]


def _nir_of(patient: Patient | None) -> str | None:
    if patient is None or not patient.ins or patient.ins_oid == OID_INS_NIA:
        return None  # a NIA is no NIR: the requester types the NIR
    return patient.ins


def _last_billing_number(account: Account | None) -> str | None:
    if account is None:
        return None
    last = (Request.select(Request.billing_number).where(Request.requested_by == account.id)
            .order_by(Request.id.desc()).first())
    return last.billing_number if last else None


# --- checking ------------------------------------------------------------------------------------

def check(draft: dict[str, Any], account: Account, acting_as: Identity) -> dict[str, list[str]]:
    """French errors by field for a new request (nothing written)."""
    errors: dict[str, list[str]] = {}
    expert = _check_expert(draft.get("expert"), account, acting_as, errors)
    _check_nir(draft, account, errors)
    number = _plain(draft.get("billing_number"))
    if number and not AM_NUMBER.fullmatch(number):
        errors["billing_number"] = [AM_NUMBER_MESSAGE]
    if draft.get("consent") is not True:
        errors["consent"] = [CONSENT_MISSING]
    if expert is not None:
        _, answer_errors = read_answers(expert, draft.get("answers") or {})
        errors.update(answer_errors)
    return errors


def _check_expert(identity_id: int | None, account: Account, acting_as: Identity,
                  errors: dict[str, list[str]]) -> Expert | None:
    if identity_id is None:
        return None  # the schema already said it is required
    expert = expert_for_identity(identity_id)
    if expert is None:
        errors["expert"] = ["Cette personne n'a pas déclaré de profil d'expert : choisissez un expert de la liste."]
        return None
    if identity_id == acting_as.id or identity_id in identity_ids(account):
        errors["expert"] = ["Vous ne pouvez pas vous adresser une téléexpertise : choisissez un autre expert."]
        return None
    if not expert.accepting:
        back = f" (de retour le {expert.back_on:%d/%m/%Y})" if expert.back_on else ""
        errors["expert"] = [f"{expert.identity.display_name} ne prend pas de demandes pour le moment{back} : "
                            "choisissez un autre expert."]
        return None
    return expert


def _plain(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def _check_nir(draft: dict[str, Any], account: Account, errors: dict[str, list[str]]) -> None:
    text = draft.get("nir")
    if not text:
        return
    try:
        nir = Ins.parse(text)
    except InvalidIns as exc:
        errors["nir"] = [str(exc).replace("Le matricule INS", "Le NIR").replace("le matricule INS", "le NIR")
                         .replace("matricule INS", "NIR")]
        return
    # Only a patient in the sender's care is compared (an unknown one is already an error at « patient »):
    # else the answer would tell whether a NIR belongs to any patient of the platform.
    patient = known_patient(account.id, draft["patient"]) if draft.get("patient") else None
    if patient is not None and patient.ins and patient.ins_oid != OID_INS_NIA and patient.ins != nir.value:
        errors["nir"] = ["Ce NIR ne correspond pas à l'INS connu du patient : vérifiez le patient choisi ou le numéro."]


def read_answers(expert: Expert, raw: Any) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The answers to the expert's questions, each with its French display; errors at ``answers.<name>``."""
    answers: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    raw = raw if isinstance(raw, dict) else {}
    for question in expert.form or []:
        name, kind = question["name"], question["type"]
        key = f"answers.{name}"
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.get("required"):
                errors[key] = ["Cette question de l'expert est obligatoire."]
            continue
        try:
            value, display = _read(question, value)
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        answers.append({"name": name, "label": question["label"], "type": kind, "value": value, "display": display})
    return answers, errors


def _read(question: dict[str, Any], value: Any) -> tuple[Any, str]:
    kind = question["type"]
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("Saisissez un texte.")
        if len(value) > ANSWER_MAX:
            raise ValueError(f"{ANSWER_MAX} caractères au plus.")
        return value.strip(), value.strip()
    if kind == "choice":
        if value not in question.get("choices", []):
            raise ValueError("Choisissez une des réponses proposées.")
        return value, value
    if kind == "yesno":
        answer = {True: YES, False: NO}.get(value, value) if isinstance(value, bool) else str(value).lower()
        if answer not in (YES, NO):
            raise ValueError("Répondez par oui ou par non.")
        return answer == YES, "Oui" if answer == YES else "Non"
    if kind == "number":
        text = str(value).strip().replace(",", ".").replace(" ", "")
        if isinstance(value, bool) or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            raise ValueError("Saisissez un nombre (par exemple 12 ou 12,5).")
        number = float(text) if "." in text else int(text)
        unit = question.get("unit") or ""
        shown = str(number).replace(".", ",")
        return number, f"{shown} {unit}".strip()
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValueError("Saisissez une date valide (JJ/MM/AAAA).") from None
        return day.isoformat(), f"{day:%d/%m/%Y}"
    raise ValueError("Type de question inconnu.")


def question_fields(expert: Expert) -> list[dict[str, Any]]:
    """The expert's questions as the screen's field renderers draw them (FormField JSON)."""
    out = []
    for index, q in enumerate(expert.form or []):
        label = q["label"] + (f" ({q['unit']})" if q["type"] == "number" and q.get("unit") else "")
        common = {"required": bool(q.get("required")), "order": index, "help": q.get("help") or ""}
        if q["type"] == "choice":
            field = FormField(q["name"], "select", label, choices=tuple((c, c) for c in q["choices"]),
                              placeholder="— Choisir —", **common)
        elif q["type"] == "yesno":
            field = FormField(q["name"], "select", label, choices=((YES, "Oui"), (NO, "Non")),
                              placeholder="— Oui ou non ? —", **common)
        elif q["type"] == "date":
            field = FormField(q["name"], "date", label, **common)
        elif q["type"] == "number":
            field = FormField(q["name"], "text", label, max_length=20, placeholder="Nombre", **common)
        else:
            field = FormField(q["name"], "text", label, max_length=ANSWER_MAX, **common)
        out.append(field.as_json())
    return out


# --- storing -------------------------------------------------------------------------------------

def store(exchange: Exchange, draft: dict[str, Any], context: Any) -> Request:
    """Write the request of a new téléexpertise in the send's transaction; the expert side becomes a member."""
    expert = expert_for_identity(draft["expert"])
    answers, _ = read_answers(expert, draft.get("answers") or {})
    now = utcnow()
    request = Request.create(
        exchange=exchange.id, expert=expert.id, expert_identity=expert.identity_id, requester=context.acting_as.id,
        requested_by=context.account.id, patient=draft["patient"], nir=Ins.parse(draft["nir"]).value,
        billing_number=_plain(draft["billing_number"]), consent=True, prerequisites=expert.prerequisites,
        answers=answers, status=DEMANDEE, status_changed_at=now, requested_at=now)
    if not Membership.select().where((Membership.exchange == exchange.id)
                                     & (Membership.identity == expert.identity_id)).exists():
        Membership.create(exchange=exchange.id, identity=expert.identity_id, role="expert", added_by=context.account.id)
    StatusChange.create(request=request.id, status=DEMANDEE, previous="", by=context.account.id, at=now)
    current_relais().audit.record("teleexpertise.request", account_id=context.account.id,
                                  acting_as_id=context.acting_as.id, target=f"exchange:{exchange.id}",
                                  detail=f"request={request.id} expert={expert.id} answers={len(answers)}")
    return request
