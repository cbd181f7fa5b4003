"""The status machine of a téléexpertise (SPEC TE-5): the only way a request's status changes.

``change`` checks the transition and who may make it, then, in one transaction: updates the request
(only if nobody changed it meanwhile), writes its StatusChange, an audit row, a system line in the
thread, the status shown in the inbox row (``exchange.data["status_label"]``), and publishes
``teleexpertise.status`` once the transaction commits.
"""
from __future__ import annotations

from typing import Any

from kernel import Event, current_relais, post_system_message, publish_on_commit, utcnow, write_transaction
from kernel.models import Account, Exchange

from .events import STATUS
from .models import (ANNULEE, DEMANDEE, EN_COURS, FINALISEE, REFUSEE, REPONDUE, STATUS_LABELS, Request,
                     StatusChange)
from .sides import Mine, identities_of, is_expert_side, is_requester_side

EXPERT, REQUESTER = "expert", "requester"
# target -> (the statuses it may come from, the side that may ask for it)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    EN_COURS: ((DEMANDEE, REPONDUE), EXPERT),
    REPONDUE: ((DEMANDEE, EN_COURS), EXPERT),
    FINALISEE: ((EN_COURS, REPONDUE), EXPERT),  # through finalisation only (finalis*.py), never the status route
    REFUSEE: ((DEMANDEE, EN_COURS), EXPERT),
    ANNULEE: ((DEMANDEE, EN_COURS), REQUESTER),
}
FINAL = (FINALISEE, REFUSEE, ANNULEE)
# How the inbox row and the banner colour each status (ExchangePanel levels).
LEVELS = {DEMANDEE: "warning", EN_COURS: "info", REPONDUE: "success", FINALISEE: "success", REFUSEE: "danger",
          ANNULEE: "danger"}
REASON_MAX = 2000


class StatusRefused(Exception):
    """The change is not possible: ``message`` is a French sentence, ``status`` the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409, field: str = "status") -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def allowed_targets(request: Request, account: Account, mine: Mine | None = None) -> list[str]:
    """The statuses ``account`` may move the request to now (finalisation aside)."""
    mine = identities_of(account) if mine is None else mine
    sides = {EXPERT: is_expert_side(request, account, mine), REQUESTER: is_requester_side(request, account, mine)}
    return [to for to, (sources, side) in TRANSITIONS.items()
            if to != FINALISEE and request.status in sources and sides[side]]


def check(request: Request, to: str, by: Account | None) -> None:
    """Raise StatusRefused unless ``by`` (None: the platform) may move ``request`` to ``to`` now."""
    if to not in TRANSITIONS:
        raise StatusRefused("Ce statut n'existe pas pour une téléexpertise.", 422)
    sources, side = TRANSITIONS[to]
    if by is not None:
        mine = identities_of(by)
        if side == EXPERT and not is_expert_side(request, by, mine):
            raise StatusRefused("Seul l'expert sollicité (ou un membre de sa structure) peut faire ce changement.",
                                403)
        if side == REQUESTER and not is_requester_side(request, by, mine):
            raise StatusRefused("Seul le demandeur (ou qui agit en son nom) peut annuler la demande.", 403)
    if request.status == to:
        raise StatusRefused(f"La téléexpertise est déjà « {STATUS_LABELS[to].lower()} ».")
    if request.status not in sources:
        raise StatusRefused(f"La téléexpertise est « {STATUS_LABELS[request.status].lower()} » : "
                            f"elle ne peut plus passer à « {STATUS_LABELS[to].lower()} ».")


def change(request: Request, to: str, by: Account | None, reason: str = "", *, automatic: bool = False,
           acting_as_id: int | None = None) -> Request:
    """Move ``request`` to ``to`` on behalf of ``by``; returns the request as now stored.

    :param automatic: the platform did it because ``by`` opened the thread or wrote in it (the line says so).
    Raises StatusRefused (nothing written) when the transition or the person is not allowed.
    """
    reason = (reason or "").strip()
    if to == REFUSEE and not reason:
        raise StatusRefused("Indiquez le motif du refus : le demandeur le lira.", 422, "reason")
    if len(reason) > REASON_MAX:
        raise StatusRefused(f"Le motif est trop long ({REASON_MAX} caractères au plus).", 422, "reason")
    with write_transaction():
        current = Request.get_by_id(request.id)  # as of now, inside the transaction
        check(current, to, by)
        previous, now = current.status, utcnow()
        values: dict[Any, Any] = {Request.status: to, Request.status_changed_at: now}
        if to in (REFUSEE, ANNULEE):
            values[Request.status_reason] = reason
        if to == EN_COURS and current.opened_at is None:
            values[Request.opened_at] = now
        if to == REPONDUE:
            values.update({Request.answered_at: now, Request.answered_by: by.id if by else None})
        if to == FINALISEE:
            values[Request.finalised_at] = now
        # Only if nobody moved it meanwhile (two experts of a department pressing at once).
        if not Request.update(values).where((Request.id == current.id) & (Request.status == previous)).execute():
            raise StatusRefused("La téléexpertise vient de changer de statut : rechargez la page.")
        StatusChange.create(request=current.id, status=to, previous=previous, by=by.id if by else None, at=now,
                            reason=reason)
        exchange = Exchange.get_by_id(current.exchange_id)
        show_status(exchange, to)
        post_system_message(exchange, _line(to, previous, by, reason, automatic))
        current_relais().audit.record("teleexpertise.status", account_id=by.id if by else None,
                                      acting_as_id=acting_as_id, target=f"exchange:{exchange.id}",
                                      detail=f"request={current.id} {previous}->{to}"
                                             + (" automatic" if automatic else ""))
        publish_on_commit(Event.for_exchange(STATUS.name, exchange.id, event_data(current, to, previous, reason)),
                          # The pages already open redraw the thread's banner and the inbox row's status.
                          Event.for_exchange("exchange.updated", exchange.id, {"exchange_id": exchange.id,
                                                                               "status": to}))
    return Request.get_by_id(request.id)


def event_data(request: Request, status: str, previous: str, reason: str = "") -> dict[str, Any]:
    data = {"request_id": request.id, "status": status, "previous": previous, "label": STATUS_LABELS[status],
            "expert_identity_id": request.expert_identity_id}
    if reason:
        data["reason"] = reason
    return data


def show_status(exchange: Exchange, status: str) -> None:
    """The status as the inbox row and the API's exchange summary show it (in the caller's transaction)."""
    exchange.status = status
    exchange.data = {**(exchange.data or {}), "status_label": {"text": STATUS_LABELS[status], "level": LEVELS[status]}}
    exchange.save(only=[Exchange.status, Exchange.data])


def _line(to: str, previous: str, by: Account | None, reason: str, automatic: bool) -> str:
    who = by.full_name if by else "La plateforme"
    if to == EN_COURS and previous == REPONDUE:
        text = f"{who} a rouvert la téléexpertise."
    elif to == EN_COURS:
        text = (f"{who} a ouvert la demande : téléexpertise en cours." if automatic
                else f"{who} a pris en charge la demande de téléexpertise.")
    elif to == REPONDUE:
        text = f"{who} a donné sa réponse : téléexpertise répondue."
    elif to == FINALISEE:
        text = f"{who} a finalisé la téléexpertise."
    elif to == REFUSEE:
        text = f"{who} a refusé la demande de téléexpertise."
    else:
        text = f"{who} a annulé la demande de téléexpertise."
    return f"{text} Motif : {reason}" if reason else text


def start_on_expert_activity(exchange_id: int, account_id: int) -> None:
    """demandee -> en_cours when the expert side opened the thread or wrote in it (on_event, after commit)."""
    request = Request.get_or_none((Request.exchange == exchange_id) & (Request.status == DEMANDEE))
    if request is None:
        return
    account = Account.get_or_none(Account.id == account_id)
    if account is None or not is_expert_side(request, account):
        return
    try:
        change(request, EN_COURS, account, automatic=True, acting_as_id=request.expert_identity_id)
    except StatusRefused:
        pass  # taken on meanwhile (another member of the department, the button): nothing left to do
