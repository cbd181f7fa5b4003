"""Demo data (``relais demo``): two experts, one a hospital department, and one téléexpertise in each status.

Everything goes through the send path and the status machine, as a request would; a second start adds
nothing. The request meant to be finalised is left answered: finalisation's own seed_demo finalises it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from kernel import current_relais, utcnow
from kernel.models import STRUCTURE, Delegation, Exchange, Identity

from . import statuses
from .models import ANNULEE, EN_COURS, REFUSEE, REPONDUE, Expert, Request

DEPARTMENT = "Cardiologie – CH de démonstration"
REQUESTER_AM = "741123456"  # fictitious AM numbers: 9 digits
SOPHIE_AM = "741987654"
DERMATOLOGY_FORM = [
    {"name": "localisation", "label": "Localisation de la lésion", "type": "text", "required": True},
    {"name": "taille", "label": "Taille de la lésion", "type": "number", "unit": "mm", "required": True},
    {"name": "evolution", "label": "Évolution récente (taille, couleur, saignement)", "type": "yesno",
     "required": True},
    {"name": "anciennete", "label": "Ancienneté", "type": "choice", "required": False,
     "choices": ["Moins d'un mois", "De 1 à 6 mois", "Plus de 6 mois"]},
    {"name": "apparition", "label": "Date d'apparition, si connue", "type": "date", "required": False},
]
CARDIOLOGY_FORM = [
    {"name": "motif", "label": "Motif de la demande", "type": "choice", "required": True,
     "choices": ["ECG à interpréter", "Souffle cardiaque", "Insuffisance cardiaque", "Anticoagulants"]},
    {"name": "frequence", "label": "Fréquence cardiaque", "type": "number", "unit": "bpm", "required": False},
    {"name": "douleur", "label": "Douleurs thoraciques", "type": "yesno", "required": True},
]


def _form(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"choices": [], "unit": "", "help": "", **f} for f in fields]


def seed(accounts: dict[str, Any], patients: list[Any]) -> None:
    sophie, thomas, julie = accounts["sophie.laurent"], accounts["thomas.durand"], accounts["julie.bernard"]
    dermatologist = _expert(sophie.identity_id, sophie, SOPHIE_AM,
                            "Dermatologie : lésions pigmentées (suspicion de mélanome), dermatoses inflammatoires, "
                            "plaies chroniques et ulcères de jambe.",
                            "Merci de préciser les traitements en cours et de transmettre des photos nettes de la "
                            "lésion : une vue d'ensemble et un gros plan avec une règle graduée.", DERMATOLOGY_FORM)
    department = _department(thomas)
    cardiology = _expert(department.id, thomas, None,
                         "Cardiologie (Annecy) : ECG à interpréter, souffle, insuffisance cardiaque, adaptation des "
                         "anticoagulants.",
                         "Joindre l'ECG (photo lisible ou PDF) et la liste des traitements en cours.", CARDIOLOGY_FORM)
    if Request.select().exists():
        return  # seeded on a previous start
    with_ins = [p for p in patients if p.ins] or patients
    dupont, robert, albertini = (with_ins * 3)[:3]
    derm = {"localisation": "Dos, région scapulaire gauche", "taille": 7, "evolution": "oui",
            "anciennete": "De 1 à 6 mois"}
    cardio = {"motif": "ECG à interpréter", "frequence": 52, "douleur": "non"}
    _request(julie, dermatologist, dupont, derm, "Lésion pigmentée du dos",
             "Bonjour, lésion pigmentée apparue il y a quelques mois, asymétrique. Faut-il une exérèse rapide ?",
             days_ago=1)
    ecg = _request(julie, cardiology, robert, cardio, "ECG : bradycardie",
                   "Bonjour, bradycardie à 52 sur l'ECG de contrôle, patient asymptomatique sous bêtabloquant. "
                   "Votre avis sur l'ECG joint ?", days_ago=3)
    _reply(ecg, thomas, department.id, "Je regarde l'ECG et je reviens vers vous dans la journée.")
    statuses.change(ecg, EN_COURS, thomas, acting_as_id=department.id)
    answered = _request(julie, dermatologist, albertini, {**derm, "localisation": "Jambe droite", "taille": 15,
                                                          "evolution": "non", "anciennete": "Plus de 6 mois"},
                        "Ulcère de jambe", "Ulcère de jambe qui ne cicatrise pas malgré les soins infirmiers.",
                        days_ago=6)
    statuses.change(answered, EN_COURS, sophie)
    _reply(answered, sophie, sophie.identity_id, "Aspect d'ulcère veineux. Je propose une compression et un doppler "
           "veineux ; à revoir dans un mois.")
    statuses.change(answered, REPONDUE, sophie)
    refused = _request(julie, cardiology, dupont, {"motif": "Souffle cardiaque", "douleur": "non"},
                       "Souffle à l'auscultation", "Souffle systolique découvert en consultation.", days_ago=9)
    statuses.change(refused, REFUSEE, thomas, "Un souffle nouveau demande une échographie cardiaque : adressez la "
                    "patiente en consultation, nous la recevrons rapidement.", acting_as_id=department.id)
    cancelled = _request(julie, dermatologist, robert, {**derm, "localisation": "Visage", "taille": 4},
                         "Lésion du visage", "Petite lésion croûteuse de la tempe.", days_ago=12)
    statuses.change(cancelled, ANNULEE, julie, "Le patient a vu un dermatologue entre-temps.")
    to_finalise = _request(julie, cardiology, albertini, {**cardio, "frequence": 88, "motif": "Anticoagulants"},
                           "Anticoagulants et fibrillation atriale",
                           "Fibrillation atriale sous apixaban, insuffisance rénale modérée : faut-il adapter la dose ?",
                           days_ago=15)
    _reply(to_finalise, thomas, department.id, "Avec une clairance à 40 mL/min, l'âge et le poids, la dose pleine "
           "reste indiquée : apixaban 5 mg deux fois par jour. Contrôle de la créatinine dans 3 mois.")
    statuses.change(to_finalise, REPONDUE, thomas, acting_as_id=department.id)


def _expert(identity_id: int, editor: Any, billing_number: str | None, scope: str, prerequisites: str,
            form: list[dict[str, Any]]) -> Expert:
    expert = Expert.get_or_none(Expert.identity == identity_id)
    if expert is None:
        expert = Expert.create(identity=identity_id, scope=scope, prerequisites=prerequisites, form=_form(form),
                               accepting=True, billing_number=billing_number, updated_by=editor.id)
    return expert


def _department(member: Any) -> Identity:
    department = Identity.get_or_none((Identity.kind == STRUCTURE) & (Identity.display_name == DEPARTMENT))
    if department is None:
        department = Identity.create(kind=STRUCTURE, display_name=DEPARTMENT, structure_type="service hospitalier",
                                     mssante_eligible=True)
    if not Delegation.select().where((Delegation.delegate == member.id)
                                     & (Delegation.principal == department.id)).exists():
        Delegation.create(delegate=member.id, principal=department.id)
    return department


def _request(julie: Any, expert: Expert, patient: Any, answers: dict[str, Any], title: str, body: str,
             days_ago: int) -> Request:
    exchange, _ = current_relais().sender.start_exchange("teleexpertise", julie, {
        "acting_as": julie.identity_id, "expert": expert.identity_id, "answers": answers, "patient": patient.id,
        "nir": patient.ins, "billing_number": REQUESTER_AM, "consent": True,
        "subject": f"{title} – {patient.short_name}", "body": body})
    when = utcnow() - dt.timedelta(days=days_ago, hours=2)
    Request.update(requested_at=when, status_changed_at=when).where(Request.exchange == exchange.id).execute()
    Exchange.update(created_at=when).where(Exchange.id == exchange.id).execute()
    return Request.get(Request.exchange == exchange.id)


def _reply(request: Request, account: Any, acting_as_id: int, body: str) -> None:
    exchange = Exchange.get_by_id(request.exchange_id)
    current_relais().sender.post_message(exchange, account, {"acting_as": acting_as_id, "body": body})
