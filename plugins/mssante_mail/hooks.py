"""The secure mail channel's hooks: its single screen, MAIL-2 rules, delivery through the outbox, and what it
adds to the shell's pages (its browser code and styles, the administrators' link)."""
from __future__ import annotations

from typing import Any

from flask import url_for

from kernel import (GROUP_MSSANTE, Channel, ExchangePanel, FormField, MenuLink, PageAsset, SendContext, current_relais,
                    hookimpl, request_summary)
from kernel.models import Account, Exchange, Identity, Message, Patient

from .admin import blueprint as admin_blueprint
from .admin_page import PAGE as ADMIN_PAGE
from .admin_page import blueprint as admin_page_blueprint
from .outgoing import CHANNEL, deliver_mail
from .rules import draft_errors
from .status import latest_statuses
from .views import blueprint


@hookimpl
def register_channels() -> list[Channel]:
    # receives_mail: received MSSanté mail is filed as this channel's exchanges (replies, forwards are ours).
    return [Channel(CHANNEL, "Rédiger un mail sécurisé", GROUP_MSSANTE, "mail", order=20,
                    description="Écrire à tout professionnel ayant une adresse MSSanté, inscrit ou non sur la "
                                "plateforme.", receives_mail=True)]


@hookimpl
def compose_form(channel: str, patient: Patient | None) -> list[FormField]:
    if channel != CHANNEL:
        return []
    mssante = {"kind": "mssante"}
    return [
        FormField("recipients", "person", "Destinataires", required=True, many=True, order=10, options=mssante,
                  placeholder="Nom, spécialité, service…",
                  help="Professionnels et structures ayant une adresse MSSanté ; choisissez une ou plusieurs "
                       "adresses quand il y en a plusieurs."),
        FormField("cc", "person", "Copie à", many=True, order=15, options=mssante),
        FormField("patient", "patient", "Patient", order=20, help="Facultatif : le mail sera retrouvé depuis le "
                  "dossier du patient."),
        FormField("subject", "text", "Objet", required=True, order=30, max_length=250,
                  default=patient.short_name if patient else None),
        FormField("body", "message", "Message", order=40, placeholder="Écrire le mail…", options={"format": "html"}),
        FormField("attachments", "attachments", "Pièces jointes", order=50),
    ]


@hookimpl
def validate(channel: str, draft: dict[str, Any], account: Account, acting_as: Identity,
             exchange: Exchange | None) -> dict[str, list[str]] | None:
    if channel != CHANNEL:
        return None
    errors = draft_errors(draft, account, acting_as, new=exchange is None)
    if errors:
        audit_refusal(draft, account, acting_as, exchange, errors)
    return errors or None


def audit_refusal(draft: dict[str, Any], account: Account, acting_as: Identity, exchange: Exchange | None,
                  errors: dict[str, list[str]]) -> None:
    """STANDARDS.md (audit): every send, failures included, as a mail event. The envelope and the answer
    only: the errors name addresses and identities, never the subject, the body or a file."""
    current_relais().audit.record(
        "mail.send.refused", account_id=account.id, acting_as_id=acting_as.id,
        target=f"exchange:{exchange.id}" if exchange is not None else f"channel:{CHANNEL}", outcome="refused",
        request_data={**request_summary(422), "channel": CHANNEL,
                      "to": [str(a) for a in draft.get("recipients") or []],
                      "cc": [str(a) for a in draft.get("cc") or []],
                      "attachments": len(draft.get("attachments") or []), "errors": errors})


@hookimpl
def deliver(channel: str, exchange: Exchange, message: Message | None, draft: dict[str, Any],
            context: SendContext) -> bool | None:
    if channel != CHANNEL:
        return None
    deliver_mail(exchange, message, draft, context)
    return True


@hookimpl
def exchange_panels(exchange: Exchange) -> list[ExchangePanel]:
    if exchange.channel != CHANNEL:
        return []
    recipients = latest_statuses(exchange.id)
    if not recipients:
        return []
    failed = [r for r in recipients if r["status"] == "failed"]
    waiting = [r for r in recipients if r["status"] == "pending"]
    if failed:
        level, text = "danger", "Échec de l'envoi pour " + ", ".join(r["address"] for r in failed) + "."
    elif waiting:
        level, text = "warning", "Envoi en attente : nouvelle tentative automatique."
    else:
        level, text = "success", "Suivi de l'envoi : " + ", ".join(f"{r['address']} ({r['label']})" for r in recipients)
    return [ExchangePanel("mssante_mail_status", "Suivi de l'envoi", text=text, level=level, order=10,
                          data={"recipients": recipients})]


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint, admin_blueprint, admin_page_blueprint]


# The mail space and mail threads are drawn in the browser by this plugin's own code (static/js), which
# registers its views in the shell's registry; the administrators' page loads its own.
PAGE_ASSETS = {
    "inbox": ["js/inbox_extension.js", "css/mail_space.css"],
    "thread": ["js/thread_extension.js", "css/mail_thread.css"],
    ADMIN_PAGE: ["js/undelivered.js", "css/admin.css"],
}


@hookimpl
def page_assets(page: str) -> list[PageAsset]:
    return [PageAsset(path) for path in PAGE_ASSETS.get(page, [])]


@hookimpl
def menu_links() -> list[MenuLink]:
    # Administrators reach « Mails non distribués » from the mail space, with the number of held mail.
    return [MenuLink("mssante_mail_undelivered", "Mails non distribués", url_for("mssante_mail_pages.undelivered"),
                     space="mail", section="Administration", admin=True,
                     count_url=url_for("mssante_mail_admin.undelivered_count"), count_key="held")]
