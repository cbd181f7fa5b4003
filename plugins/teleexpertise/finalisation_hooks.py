"""What finalisation, the report and billing bring to the téléexpertise plugin's hooks (hooks.py merges it in)."""
from __future__ import annotations

from typing import Any

from flask import url_for

from kernel import EventType, ExchangeAction, ExchangePanel, FormField, JobType, MenuLink, PageAsset

from . import billing_views, finalisation_demo, finalisation_views
from .finalisation import EVENT, FINALISABLE, JOB, exhausted, expert_side, generate
from .finalisation_models import DONE, FAILED, PENDING, Act, Report
from .models import FINALISEE, Request
from .report import local

REPORT_EVENT = EventType(
    EVENT, "A version of a téléexpertise's compte rendu was asked for, is ready, or failed.",
    fields={"request_id": "the téléexpertise (request) id", "report_id": "the report version's id",
            "version": "the version number (1, 2...)", "state": '"pending", "done" or "failed"'},
    optional={"attachment_id": "the PDF's attachment id (state done)",
              "error": "why it failed, in French (state failed)"})


def models() -> list[type]:
    return [Report, Act]


def jobs() -> list[JobType]:
    # A render that fails is recorded as failed by the handler itself (retried by the expert); the job's own
    # retries are for the database going away mid-write.
    return [JobType(JOB, generate, max_attempts=3, backoff_seconds=10.0, on_exhausted=exhausted)]


def blueprints() -> list[Any]:
    return [finalisation_views.make_blueprint(), billing_views.make_blueprint()]


def event_types() -> list[EventType]:
    return [REPORT_EVENT]


def assets(page: str, account: Any) -> list[PageAsset]:
    if page == "thread":
        # After the request side's own thread view (order 100), which this one chains to.
        return [PageAsset("js/finalisation_thread.js", order=200), PageAsset("css/finalisation.css")]
    if page == billing_views.PAGE:
        return [PageAsset("css/finalisation.css")]
    return []


def menu_links(account: Any) -> list[MenuLink]:
    """« Facturation téléexpertise » in the conversations' side navigation (hooks.py's menu_links calls it)."""
    return [MenuLink("teleexpertise_billing", "Facturation téléexpertise", url_for("teleexpertise_billing.billing_page"),
                     space="chat", section="Téléexpertise", order=60)]


def compose_fields(channel: str, account: Any, patient: Any) -> list[FormField]:
    """The yearly-limit warning on the request screen, asked whenever the expert or the patient changes."""
    if channel != "teleexpertise":
        return []
    return [FormField("teleexpertise_limit", "suggestions", "Limite annuelle de téléexpertises", order=22,
                      options={"url": "/teleexpertise/billing/limit", "watch": ["expert", "patient"]})]


def validate(channel: str, draft: dict, account: Any, acting_as: Any, exchange: Any) -> dict | None:
    return None  # the yearly limit warns, it never refuses: the act is then simply not billable


def _latest(request_id: int) -> Report | None:
    return Report.select().where(Report.request == request_id).order_by(Report.version.desc()).first()


def panels(exchange: Any, account: Any) -> list[ExchangePanel]:
    """The finalisation banner: « Finaliser » for the expert side, the generation running or failed, then
    « Le compte rendu est finalisé » with the latest version's link (2 queries)."""
    request = Request.get_or_none(Request.exchange == exchange.id)
    if request is None:
        return []
    latest = _latest(request.id)
    mine = expert_side(request, account)
    data = {"request_id": request.id, "status": request.status, "can_finalise": mine,
            "version": latest.version if latest else 0, "state": latest.state if latest else ""}
    finalise = ExchangeAction("teleexpertise_finalise", "Finaliser la téléexpertise",
                              f"/echanges/{exchange.id}#finaliser", method="GET", icon="file")
    if latest is not None and latest.state == PENDING:
        return [ExchangePanel("teleexpertise_report", "Compte rendu en cours de génération",
                              text=f"Version {latest.version} : il apparaîtra dans la conversation dès qu'il sera prêt.",
                              level="info", order=20, data=data)]
    if latest is not None and latest.state == FAILED and mine:
        retry = ExchangeAction("teleexpertise_retry", "Réessayer",
                               f"/teleexpertise/exchanges/{exchange.id}/reports/{latest.id}/retry")
        return [ExchangePanel("teleexpertise_report", "La génération du compte rendu a échoué",
                              text=latest.error, level="danger", action=retry, order=20, data=data)]
    if request.status == FINALISEE:
        done = (Report.select().where((Report.request == request.id) & (Report.state == DONE))
                .order_by(Report.version.desc()).first())
        if done is None:
            return []
        data["attachment_id"] = done.attachment_id
        when = local(done.done_at or done.created_at)
        earlier = " ; les versions précédentes restent dans la conversation" if done.version > 1 else ""
        open_it = ExchangeAction("teleexpertise_open_report", "Ouvrir le compte rendu",
                                 f"/api/v1/attachments/{done.attachment_id}", method="GET", icon="file")
        return [ExchangePanel("teleexpertise_report", "Le compte rendu est finalisé",
                              text=f"Version {done.version}, générée le {when:%d/%m/%Y à %H:%M}{earlier}.",
                              level="success", action=open_it if done.attachment_id else None, order=20, data=data)]
    if mine and request.status in FINALISABLE:
        return [ExchangePanel("teleexpertise_report", "Finaliser la téléexpertise",
                              text="Choisissez les messages à inclure, écrivez votre conclusion, puis générez le "
                                   "compte rendu : la téléexpertise sera finalisée et ses actes enregistrés.",
                              level="info", action=finalise, order=20, data=data)]
    return []


def actions(exchange: Any, account: Any) -> list[ExchangeAction]:
    """« Nouvelle version du compte rendu » for the expert side once finalised (at most one query: the panel's
    request lookup is not shared, so keep this one cheap)."""
    request = Request.get_or_none(Request.exchange == exchange.id)
    if request is None or request.status != FINALISEE or not expert_side(request, account):
        return []
    return [ExchangeAction("teleexpertise_new_version", "Nouvelle version du compte rendu",
                           f"/echanges/{exchange.id}#finaliser", method="GET", icon="file", order=60)]


def seed_demo(accounts: dict, structure: Any, patients: list) -> None:
    """Finalise the demo's answered request (called by hooks.py after the request side's demo data)."""
    finalisation_demo.seed(accounts)
