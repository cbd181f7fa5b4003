"""Demo data of finalisation (``relais demo``): the request side's answered request about anticoagulants is
finalised in place (report rendered now, acts written), so the demo shows a finalised téléexpertise with its
compte rendu. A second start finds its report and adds nothing."""
from __future__ import annotations

from typing import Any

from kernel import write_transaction
from kernel.models import Exchange, Identity, Message

from .demo import DEPARTMENT
from .finalisation import generate
from .finalisation_models import PENDING, Report
from .models import REPONDUE, Request

DEMO_SUBJECT = "Anticoagulants et fibrillation atriale"  # the request demo.py leaves answered for us
DEMO_BILLING_NUMBER = "741555666"  # fictitious (9 digits)
CONCLUSION = ("Fibrillation atriale, insuffisance rénale modérée (clairance 40 mL/min).\n"
              "Pas d'adaptation de dose : apixaban 5 mg matin et soir.\n"
              "Contrôle de la créatinine et de la NFS dans 3 mois ; réadresser si clairance < 30 mL/min.")


def seed(accounts: dict[str, Any]) -> None:
    request = (Request.select().join(Exchange, on=(Request.exchange == Exchange.id))
               .where((Request.status == REPONDUE) & Exchange.subject.startswith(DEMO_SUBJECT)
                      & (Request.expert_identity.in_(_department_ids())))
               .order_by(Request.id).first())
    if request is None or Report.select().where(Report.request == request.id).exists():
        return
    finaliser = request.answered_by or accounts.get("thomas.durand")
    if finaliser is None:
        return
    ticked = [m.id for m in Message.select(Message.id).where((Message.exchange == request.exchange_id)
                                                               & (Message.kind != "system")).order_by(Message.id)]
    with write_transaction():
        Request.update(conclusion=CONCLUSION, incident="").where(Request.id == request.id).execute()
        report = Report.create(request=request.id, version=1, state=PENDING, message_ids=ticked,
                               requested_by=finaliser.id, billing_number=DEMO_BILLING_NUMBER)
    generate({"report": report.id})  # synchronously: the demo opens on a finalised téléexpertise


def _department_ids() -> Any:
    return Identity.select(Identity.id).where(Identity.display_name == DEPARTMENT)
