"""Finalisation (TE-6): the expert side ticks messages, writes the conclusion and confirms the acts; a
persisted job renders the compte rendu, posts it in the thread, finalises the request and records its acts.

Each « Générer » makes a new version (Report n+1); the request is finalised and its acts written by the
first version that succeeds only. A generation that fails says why in French and can be retried.
"""
from __future__ import annotations

import io
import logging
from typing import Any

import peewee as pw

from kernel import Event, current_relais, post_system_message, publish_on_commit, utcnow, write_transaction
from kernel.models import Account, Message

from .billing import BILLING_NUMBER, paris_today, planned_acts
from .finalisation_models import DONE, FAILED, PENDING, Act, Report
from .models import EN_COURS, FINALISEE, REPONDUE, Request
from .report import report_context, report_filename, report_pdf, selected_messages
from .sides import is_expert_side
from .statuses import change as change_status

log = logging.getLogger(__name__)

JOB = "teleexpertise.report"
EVENT = "teleexpertise.report"
REPORT_KIND = "synthesis"  # the kernel's kind for generated documents: left out of later selections by default
FINALISABLE = (EN_COURS, REPONDUE)
CONCLUSION_MAX = 20_000
INCIDENT_MAX = 5_000
RUNNING = "Un compte rendu est déjà en cours de génération : attendez qu'il soit prêt."
EXPERT_ONLY = "Seul l'expert sollicité (ou sa structure) peut finaliser cette téléexpertise."
NO_RPPS = ("Votre compte n'a pas de numéro RPPS : l'acte de téléexpertise (TE2) ne peut pas vous être facturé. "
           "Demandez à l'administrateur de la plateforme de le renseigner, ou laissez un médecin de la structure "
           "finaliser.")
OTHER_PENDING = "Une autre version du compte rendu est en cours de génération : attendez qu'elle soit prête."
FAILED_TEXT = ("La génération du compte rendu a échoué ({reason}). Réessayez ; si l'échec se répète, "
               "prévenez l'administrateur de la plateforme.")


class FinalisationRefused(Exception):
    """A French refusal by field (422), or a status (403/404/409) with a message."""

    def __init__(self, status: int, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.status = status
        self.errors = errors


def expert_side(request: Request, account: Account) -> bool:
    """The expert's own account, or a member or delegate of the expert structure acting as it."""
    return is_expert_side(request, account)


def expert_billing_number(request: Request, account: Account) -> str:
    """What « N° de facturation » is prefilled with: the person expert's number from their profile; for a
    structure expert, the finaliser's own expert profile if they have one."""
    expert = request.expert
    if not request.expert_identity.is_structure:
        return expert.billing_number or ""
    own = type(expert).get_or_none(type(expert).identity == account.identity_id)
    return (own.billing_number or "") if own else ""


def missing_rpps(request: Request, account: Account) -> bool:
    """TE2 is billed to whoever finalises for an expert structure (billing.py): without an RPPS, no billable act."""
    return request.expert_identity.is_structure and not (account.rpps or "").strip()


def reports_of(request_id: int) -> list[Report]:
    return list(Report.select().where(Report.request == request_id).order_by(Report.version))


def _event(report: Report, exchange_id: int, attachment_id: int | None = None) -> None:
    data: dict[str, Any] = {"request_id": report.request_id, "report_id": report.id, "version": report.version,
                            "state": report.state}
    if attachment_id:
        data["attachment_id"] = attachment_id
    if report.error:
        data["error"] = report.error
    publish_on_commit(Event.for_exchange(EVENT, exchange_id, data))


def check_payload(request: Request, payload: dict[str, Any]) -> dict[str, list[str]]:
    """French errors by field for « Générer » (the schema checked the types already)."""
    errors: dict[str, str] = {}
    ids = payload["messages"]
    if not ids:
        errors["messages"] = "Cochez au moins un message à inclure dans le compte rendu."
    else:
        found = (Message.select().where((Message.exchange == request.exchange_id) & Message.id.in_(ids)).count())
        if found != len(set(ids)):
            errors["messages"] = "Un des messages cochés n'appartient pas à cette téléexpertise : rechargez la page."
    if not payload["conclusion"].strip():
        errors["conclusion"] = "Écrivez la conclusion de l'expert : elle figure dans le compte rendu."
    elif len(payload["conclusion"]) > CONCLUSION_MAX:
        errors["conclusion"] = f"La conclusion dépasse {CONCLUSION_MAX} caractères : raccourcissez-la."
    if len(payload.get("incident") or "") > INCIDENT_MAX:
        errors["incident"] = f"L'incident dépasse {INCIDENT_MAX} caractères : résumez-le."
    number = (payload.get("billing_number") or "").replace(" ", "")
    if not BILLING_NUMBER.match(number):
        errors["billing_number"] = ("Indiquez votre numéro de facturation Assurance Maladie : 9 chiffres, "
                                    "tel qu'il figure sur vos feuilles de soins.")
    return {field: [message] for field, message in errors.items()}


def start(request: Request, account: Account, payload: dict[str, Any]) -> Report:
    """« Générer »: record the conclusion, make a pending report version and enqueue its job, in one
    transaction. Raises FinalisationRefused."""
    if not expert_side(request, account):
        raise FinalisationRefused(403, {"_schema": [EXPERT_ONLY]})
    if request.status not in (*FINALISABLE, FINALISEE):
        raise FinalisationRefused(409, {"_schema": [f"Une téléexpertise {request.status_label.lower()} ne peut "
                                                    "pas être finalisée."]})
    errors = check_payload(request, payload)
    if missing_rpps(request, account):
        errors.setdefault("_schema", []).append(NO_RPPS)
    if errors:
        raise FinalisationRefused(422, errors)
    try:
        return _create_version(request, account, payload)
    except pw.IntegrityError:  # another member of the expert structure pressed « Générer » at the same moment
        raise FinalisationRefused(409, {"_schema": [RUNNING]}) from None


def _create_version(request: Request, account: Account, payload: dict[str, Any]) -> Report:
    relais = current_relais()
    with write_transaction():
        running = Report.select().where((Report.request == request.id) & (Report.state == PENDING)).exists()
        if running:
            raise FinalisationRefused(409, {"_schema": [RUNNING]})
        last = Report.select(Report.version).where(Report.request == request.id).order_by(Report.version.desc()).first()
        Request.update(conclusion=payload["conclusion"].strip(), incident=(payload.get("incident") or "").strip()
                       ).where(Request.id == request.id).execute()
        report = Report.create(request=request.id, version=(last.version if last else 0) + 1, state=PENDING,
                               message_ids=sorted(set(payload["messages"])), requested_by=account.id,
                               billing_number=payload["billing_number"].replace(" ", ""))
        relais.jobs.enqueue(JOB, {"report": report.id}, dedupe_key=f"{JOB}:{report.id}:0")
        relais.audit.record("teleexpertise.finalise", account_id=account.id, target=f"exchange:{request.exchange_id}",
                            status=202, detail=f"report_version={report.version} messages={len(report.message_ids)}")
        _event(report, request.exchange_id)
    return report


def retry(report: Report, account: Account) -> Report:
    """Run a failed generation again (same version, same choices)."""
    request = report.request
    if not expert_side(request, account):
        raise FinalisationRefused(403, {"_schema": ["Seul l'expert sollicité (ou sa structure) peut relancer "
                                                    "la génération."]})
    relais = current_relais()
    with write_transaction():
        if Report.select().where((Report.request == report.request_id) & (Report.state == PENDING)
                                 & (Report.id != report.id)).exists():
            raise FinalisationRefused(409, {"_schema": [OTHER_PENDING]})
        if not Report.update(state=PENDING, error="").where((Report.id == report.id) & (Report.state == FAILED)).execute():
            raise FinalisationRefused(409, {"_schema": ["Ce compte rendu n'est pas en échec : rien à relancer."]})
        attempt = Report.select().where(Report.id == report.id).get()
        relais.jobs.enqueue(JOB, {"report": report.id}, dedupe_key=f"{JOB}:{report.id}:{utcnow().timestamp()}")
        relais.audit.record("teleexpertise.finalise_retry", account_id=account.id,
                            target=f"exchange:{request.exchange_id}", status=202,
                            detail=f"report_version={report.version}")
        _event(attempt, request.exchange_id)
    return attempt


def _fail(report: Report, reason: str) -> None:
    with write_transaction():
        if Report.update(state=FAILED, error=FAILED_TEXT.format(reason=reason)).where(
                (Report.id == report.id) & (Report.state == PENDING)).execute():
            _event(Report.get_by_id(report.id), report.request.exchange_id)


def generate(payload: dict[str, Any]) -> None:
    """The job: render, store, post, finalise. Idempotent: a report already done (or gone) is left alone."""
    report = Report.get_or_none(Report.id == payload.get("report"))
    if report is None or report.state != PENDING:
        return
    request = Request.get_by_id(report.request_id)
    finaliser = report.requested_by
    if request.status not in (*FINALISABLE, FINALISEE):  # refused or cancelled while the job waited
        _fail(report, _moved(request))
        return
    now = utcnow()
    existing = list(Act.select().where(Act.request == request.id).order_by(Act.code))
    acts = existing or planned_acts(request, finaliser, report.billing_number, paris_today())
    try:
        context = report_context(request, report, selected_messages(request, report.message_ids), acts,
                                 finaliser, now)
        pdf = report_pdf(context)
    except Exception as exc:  # the renderer missing or failing, an unreadable file: said, and retriable
        log.exception("teleexpertise report %s of request %s failed to render", report.id, request.id)
        _fail(report, _reason(exc))
        return
    relais = current_relais()
    with write_transaction():
        # The status as of now, locked until commit (PostgreSQL): a refusal or a cancellation that came while
        # the PDF was drawn either went first (then nothing is finalised) or waits for this transaction.
        current = _locked(request.id)
        if current.status not in (*FINALISABLE, FINALISEE):
            if Report.update(state=FAILED, error=FAILED_TEXT.format(reason=_moved(current))).where(
                    (Report.id == report.id) & (Report.state == PENDING)).execute():
                _event(Report.get_by_id(report.id), request.exchange_id)
            return
        # Claim it: only one run of this job writes the version, whatever retries or runners do.
        if not Report.update(state=DONE, done_at=now, error="").where(
                (Report.id == report.id) & (Report.state == PENDING)).execute():
            return
        attachment = relais.attachments.save(io.BytesIO(pdf), report_filename(request, report, now), finaliser)
        message = post_system_message(request.exchange_id, f"Compte rendu de téléexpertise (version {report.version})",
                                      kind=REPORT_KIND, author=finaliser, attachments=[attachment],
                                      data={"teleexpertise_report": {"report": report.id, "version": report.version},
                                            "messages": report.message_ids})
        Report.update(attachment=attachment.id, message=message.id).where(Report.id == report.id).execute()
        if current.status in FINALISABLE:  # the first version finalises the request, and only it bills
            change_status(current, FINALISEE, finaliser)
            if not existing:
                Act.insert_many([_row(a) for a in acts]).on_conflict_ignore().execute()
        relais.audit.record("teleexpertise.report", account_id=finaliser.id, target=f"exchange:{request.exchange_id}",
                            detail=f"report_version={report.version} attachment={attachment.id}")
        done = Report.get_by_id(report.id)
        _event(done, request.exchange_id, attachment.id)


def _locked(request_id: int) -> Request:
    """The request read inside the current transaction; SELECT ... FOR UPDATE where the database has it (SQLite
    has no row locks: its BEGIN IMMEDIATE already holds the whole database)."""
    query = Request.select().where(Request.id == request_id)
    if getattr(Request._meta.database, "for_update", False):
        query = query.for_update()
    return query.get()


def _moved(request: Request) -> str:
    return f"la téléexpertise est désormais « {request.status_label.lower()} »"


def exhausted(payload: dict[str, Any], error: str) -> None:
    """The job failed for good (the database, not the renderer, kept failing): say so on the banner."""
    report = Report.get_or_none(Report.id == payload.get("report"))
    if report is not None:
        _fail(report, "erreur interne")


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "wkhtmltopdf" in text:
        return "le générateur de PDF est indisponible"
    return "erreur lors de la mise en page"


def _row(act: Act) -> dict[str, Any]:
    return {"request": act.request_id, "code": act.code, "professional": act.professional_id,
            "account": act.account_id, "rpps": act.rpps, "billing_number": act.billing_number,
            "structure": act.structure, "patient_nir": act.patient_nir, "act_date": act.act_date,
            "created_at": utcnow()}
