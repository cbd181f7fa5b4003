"""A téléexpertise's thread (TE-3, TE-5): its pinned panels (status, prerequisites, the request and its
structured answers) and the status buttons each viewer may press."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from kernel import ExchangeAction, ExchangePanel, Ins, InvalidIns, iso_utc
from kernel.models import Account, Exchange, Identity

from .models import ANNULEE, DEMANDEE, EN_COURS, FINALISEE, REFUSEE, REPONDUE, STATUS_LABELS, Request
from .sides import identities_of, is_expert_side, is_requester_side
from .statuses import LEVELS, allowed_targets

PARIS = ZoneInfo("Europe/Paris")
# target status -> (name, label, prompt, order) of its button
BUTTONS = {
    EN_COURS: ("teleexpertise_take", "Prendre en charge", "", 10),
    REPONDUE: ("teleexpertise_answered", "Marquer comme répondue", "", 20),
    REFUSEE: ("teleexpertise_refuse", "Refuser la demande", "Motif du refus (le demandeur le lira)", 30),
    ANNULEE: ("teleexpertise_cancel", "Annuler la demande", "Motif de l'annulation (facultatif)", 40),
}
REOPEN = ("teleexpertise_reopen", "Rouvrir la téléexpertise", "", 25)


def local(moment: dt.datetime | None) -> str:
    """A stored naive UTC time as French people read it: "07/12/2026 à 17:30" (Paris time)."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def request_for(exchange: Exchange) -> Request | None:
    if exchange.channel != "teleexpertise":
        return None
    return Request.get_or_none(Request.exchange == exchange.id)


def panels(exchange: Exchange, account: Account) -> list[ExchangePanel]:
    found = request_for(exchange)
    if found is None:
        return []
    names = {i.id: i.display_name for i in Identity.select(Identity.id, Identity.display_name)
             .where(Identity.id.in_([found.expert_identity_id, found.requester_id]))}
    expert, requester = names.get(found.expert_identity_id, ""), names.get(found.requester_id, "")
    out = [ExchangePanel("teleexpertise_status", f"Téléexpertise {STATUS_LABELS[found.status].lower()}",
                         text=_status_text(found, expert, requester), level=LEVELS[found.status], order=10,
                         data={"status": found.status, "label": STATUS_LABELS[found.status],
                               "request_id": found.id, "changed_at": _iso(found.status_changed_at)})]
    if found.prerequisites:
        out.append(ExchangePanel("teleexpertise_prerequisites", "Prérequis de l'expert", text=found.prerequisites,
                                 order=20))
    items = [{"label": a["label"], "value": a["display"]} for a in found.answers or []]
    items.append({"label": "NIR du patient", "value": _nir(found.nir)})
    consent = " Consentement du patient recueilli." if found.consent else ""
    out.append(ExchangePanel("teleexpertise_request", "La demande",
                             text=f"Demandée le {local(found.requested_at)} par {requester} à {expert}.{consent}",
                             order=30, data={"items": items}))
    return out


def _nir(value: str) -> str:
    try:
        return Ins.parse(value).formatted()
    except InvalidIns:
        return value


def _status_text(found: Request, expert: str, requester: str) -> str:
    if found.status == DEMANDEE:
        return f"En attente de prise en charge par {expert}."
    if found.status == EN_COURS:
        return f"{expert} traite la demande."
    if found.status == REPONDUE:
        return f"{expert} a répondu le {local(found.answered_at)}. Il reste à finaliser le compte rendu."
    if found.status == FINALISEE:
        return f"Compte rendu finalisé le {local(found.finalised_at)}."
    if found.status == REFUSEE:
        return f"{expert} a refusé la demande le {local(found.status_changed_at)}. Motif : {found.status_reason}"
    reason = f" Motif : {found.status_reason}" if found.status_reason else ""
    return f"{requester} a annulé la demande le {local(found.status_changed_at)}.{reason}"


def actions(exchange: Exchange, account: Account) -> list[ExchangeAction]:
    found = request_for(exchange)
    if found is None:
        return []
    out = []
    for target in allowed_targets(found, account):
        name, label, prompt, order = REOPEN if target == EN_COURS and found.status == REPONDUE else BUTTONS[target]
        out.append(ExchangeAction(name, label, f"/teleexpertise/api/echanges/{exchange.id}/statut/{target}",
                                  prompt=prompt, order=order))
    return out


def _iso(moment: dt.datetime | None) -> str | None:
    return iso_utc(moment) if moment else None


def request_json(found: Request, account: Account) -> dict[str, Any]:
    """A request as its API shows it to a member of its exchange."""
    mine = identities_of(account)
    return {
        "id": found.id, "exchange_id": found.exchange_id, "status": found.status,
        "status_label": STATUS_LABELS[found.status], "status_reason": found.status_reason,
        "expert": {"id": found.expert_id, "identity_id": found.expert_identity_id},
        "requester": {"identity_id": found.requester_id, "account_id": found.requested_by_id},
        "patient_id": found.patient_id, "nir": found.nir, "billing_number": found.billing_number,
        "consent": found.consent, "prerequisites": found.prerequisites, "answers": found.answers or [],
        "requested_at": _iso(found.requested_at), "opened_at": _iso(found.opened_at),
        "answered_at": _iso(found.answered_at), "finalised_at": _iso(found.finalised_at),
        "status_changed_at": _iso(found.status_changed_at),
        "history": [{"status": c.status, "previous": c.previous, "at": _iso(c.at), "by": c.by_id,
                     "reason": c.reason} for c in found.status_changes.order_by(found.status_changes.model.id)],
        "allowed": allowed_targets(found, account, mine),
        "side": "expert" if is_expert_side(found, account, mine)
        else "requester" if is_requester_side(found, account, mine) else "member",
    }
