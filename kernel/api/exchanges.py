"""Exchanges: the inbox, a thread, its messages, reads and receipts, members, renaming, synthesis."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError

from ..auth import api_login_required, current_account
from ..db import utcnow, write_transaction
from ..statements import fetch_by_id
from ..json import iso_utc
from ..models import MAIL, Account, Exchange, Identity, Membership, Message, OpenedMark, ReadReceipt
from ..plugin_calls import call_each
from ..relais import current_relais
from ..schemas import french as f
from ..schemas.exchange import (AttachmentSchema, ExchangeUpdateSchema, MembersAddSchema, MessageSchema,
                                ReadSchema, SynthesisRequestSchema)
from ..services import idempotency
from ..services.acting_as import can_see
from ..services.behalf import on_behalf, principals_in
from ..services.events import Event, publish_on_commit
from ..services.patients import known_patient, mark_used
from ..services.sending import CheckedSend, SendRejected, flatten_errors, mark_read_upto
from ..services.system_messages import actor_name, post_system_message
from ..services.threads import inbox, members_of, messages, summary, unread_by_space, unread_counts
from .blueprint import api
from .errors import fail, json_body, not_found


def _int_arg(name: str, default: int | None = None, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    value = f.plain_number(raw)
    if value is None:
        fail(400, "Nombre trop grand." if raw.isascii() and raw.isdigit() else "Nombre entier attendu.", name)
    return min(value, maximum) if maximum else value


def visible_exchange(exchange_id: int) -> Exchange:
    """The exchange if the current account may see it; 404 otherwise, so its existence is not revealed."""
    account = current_account()
    exchange = fetch_by_id(Exchange, exchange_id) if can_see(account.id, exchange_id) else None
    if exchange is None:
        not_found()
    return exchange


def _load(schema: Any, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        fail(400, "Un objet JSON est attendu.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise SendRejected(flatten_errors(exc.messages)) from None


@api.get("/exchanges")
@api_login_required
def list_exchanges() -> Any:
    account = current_account()
    space = request.args.get("space")
    if space not in (None, "", "chat", "mail"):
        fail(400, "L'espace doit être « chat » ou « mail ».", "space")
    rows = inbox(account.id, space or None, _int_arg("patient"), limit=_int_arg("limit", 50, 200),
                 offset=_int_arg("offset", 0))
    return jsonify(exchanges=rows, unread=unread_by_space(account.id))


@api.get("/exchanges/<int:exchange_id>")
@api_login_required
def get_exchange(exchange_id: int) -> Any:
    relais = current_relais()
    account = current_account()
    exchange = visible_exchange(exchange_id)
    _mark_opened(exchange, account)
    body = summary(exchange, unread_counts(account.id, [exchange.id]).get(exchange.id, 0),
                   members_of([exchange.id]).get(exchange.id, []))
    actions = [a for _, result in call_each(relais.pm, "exchange_actions", exchange=exchange, account=account)
               for a in result]
    panels = [p for _, result in call_each(relais.pm, "exchange_panels", exchange=exchange, account=account)
              for p in result]
    body.update(
        data=exchange.data or {},
        acting_as={"id": exchange.acting_as.id, "display_name": exchange.acting_as.display_name}
        if exchange.acting_as_id else None,
        created_by={"id": exchange.created_by.id, "name": exchange.created_by.full_name}
        if exchange.created_by_id else None,
        actions=[a.as_json() for a in sorted(actions, key=lambda a: a.order)],
        panels=[p.as_json() for p in sorted(panels, key=lambda p: p.order)],
    )
    return jsonify(exchange=body)


def _mark_opened(exchange: Exchange, account: Account) -> None:
    now = utcnow()
    (OpenedMark.insert(exchange=exchange.id, account=account.id, first_opened_at=now, last_opened_at=now)
        .on_conflict(conflict_target=[OpenedMark.exchange, OpenedMark.account],
                     update={OpenedMark.last_opened_at: now}).execute())


@api.get("/exchanges/<int:exchange_id>/messages")
@api_login_required
def list_messages(exchange_id: int) -> Any:
    visible_exchange(exchange_id)
    rows = messages(exchange_id, before=_int_arg("before"), after=_int_arg("after"), limit=_int_arg("limit", 50, 200))
    return jsonify(messages=MessageSchema(many=True).dump(rows),
                   has_more=len(rows) == (_int_arg("limit", 50, 200) or 50))


@api.post("/exchanges/<int:exchange_id>/messages")
@api_login_required
def post_message(exchange_id: int) -> Any:
    relais = current_relais()
    exchange = visible_exchange(exchange_id)
    account = current_account()

    def store(checked: CheckedSend) -> idempotency.Answer:
        # No savepoint of its own: idempotency.once's transaction ends with any failure of the send.
        message = relais.sender.store_message(checked, savepoint=False)
        # Dumped once by the send for its live event, after the plugins' deliver: the same content.
        serialized = getattr(message, "serialized", None)
        return {"message": serialized if serialized is not None else relais.serialize_message(message)}, 201, {}

    # A retried send (offline outbox, lost answer) with the same Idempotency-Key is stored once.
    return idempotency.once(account.id, lambda: relais.sender.check_message(exchange, account, json_body()), store)


@api.post("/exchanges/<int:exchange_id>/read")
@api_login_required
def mark_read(exchange_id: int) -> Any:
    account = current_account()
    visible_exchange(exchange_id)
    data = _load(ReadSchema(), json_body())
    latest = (Message.select(Message.id).where(Message.exchange == exchange_id)
              .order_by(Message.id.desc()).scalar()) or 0
    up_to = min(data.get("up_to") or latest, latest)
    unseen = [mid for (mid,) in Message.select(Message.id).where(
        (Message.exchange == exchange_id) & (Message.id <= up_to)
        & (Message.author.is_null() | (Message.author != account.id))
        & ~Message.id.in_(ReadReceipt.select(ReadReceipt.message).where(ReadReceipt.account == account.id))
    ).tuples()]
    now = utcnow()
    with write_transaction():
        if unseen:
            ReadReceipt.insert_many([{"message": m, "account": account.id, "read_at": now} for m in unseen]) \
                .on_conflict_ignore().execute()
            publish_on_commit(Event.for_exchange("receipt.created", exchange_id, {
                "account": _reader(account.id, account.full_name, principals_in(exchange_id, [account.id])),
                "messages": unseen, "read_at": iso_utc(now)}))
        mark_read_upto(exchange_id, account.id, up_to)
    return jsonify(read=len(unseen), up_to=up_to)


@api.get("/exchanges/<int:exchange_id>/receipts")
@api_login_required
def receipts(exchange_id: int) -> Any:
    visible_exchange(exchange_id)
    opened = (OpenedMark.select(OpenedMark, Account).join(Account)
              .where(OpenedMark.exchange == exchange_id).order_by(OpenedMark.first_opened_at))
    seen = (ReadReceipt.select(ReadReceipt.message, ReadReceipt.read_at, Account.id, Account.first_name,
                               Account.last_name)
            .join(Account).switch(ReadReceipt).join(Message)
            .where(Message.exchange == exchange_id).order_by(ReadReceipt.read_at).tuples())
    opened, seen = list(opened), list(seen)
    behalf = principals_in(exchange_id, {o.account.id for o in opened} | {row[2] for row in seen})
    by_message: dict[int, list[dict[str, Any]]] = {}
    for message_id, read_at, account_id, first, last in seen:
        by_message.setdefault(message_id, []).append(
            {"account": _reader(account_id, f"{first} {last.upper()}", behalf), "read_at": iso_utc(read_at)})
    return jsonify(
        opened=[{"account": _reader(o.account.id, o.account.full_name, behalf),
                 "first_opened_at": iso_utc(o.first_opened_at), "last_opened_at": iso_utc(o.last_opened_at)}
                for o in opened],
        messages={str(k): v for k, v in by_message.items()})


def _reader(account_id: int, name: str, behalf: dict[int, str]) -> dict[str, Any]:
    """A reader as receipts show it: ``name`` (« Prénom NOM »), ``on_behalf_of`` (« Dr BERNARD », or None when
    reading in one's own name) and ``label``, the two together (« … pour le compte de Dr BERNARD »)."""
    principal = behalf.get(account_id)
    return {"id": account_id, "name": name, "on_behalf_of": principal, "label": on_behalf(name, principal)}


@api.post("/exchanges/<int:exchange_id>/members")
@api_login_required
def add_members(exchange_id: int) -> Any:
    relais = current_relais()
    account = current_account()
    visible_exchange(exchange_id)  # 404 unless the account sees it
    wanted = list(dict.fromkeys(_load(MembersAddSchema(), json_body())["members"]))
    known = {i.id: i for i in Identity.select().where(
        Identity.id.in_(wanted) & ((Identity.kind == "structure")
                                   | Identity.id.in_(Account.select(Account.identity).where(Account.active))))}
    if len(known) != len(wanted):
        raise SendRejected({"members": ["Une des personnes choisies n'a pas de compte sur la plateforme."]})
    already = {m.identity_id for m in Membership.select(Membership.identity).where(Membership.exchange == exchange_id)}
    new = [known[i] for i in wanted if i not in already]
    if not new:
        return jsonify(added=[])
    with write_transaction():
        Membership.insert_many([{"exchange": exchange_id, "identity": i.id, "added_by": account.id}
                                for i in new]).execute()
        # The new members hear of it too: the audience is read after they joined.
        publish_on_commit(Event.for_exchange("exchange.updated", exchange_id, {
            "exchange_id": exchange_id, "members": members_of([exchange_id])[exchange_id]}))
        names = ", ".join(i.display_name for i in new)
        post_system_message(exchange_id, f"{actor_name(account, exchange_id)} a ajouté {names}.")
        relais.audit.record("exchange.members.add", account_id=account.id, target=f"exchange:{exchange_id}",
                            detail=f"identities={[i.id for i in new]}")
    return jsonify(added=[{"id": i.id, "display_name": i.display_name} for i in new]), 201


@api.patch("/exchanges/<int:exchange_id>")
@api_login_required
def update_exchange(exchange_id: int) -> Any:
    relais = current_relais()
    account = current_account()
    exchange = visible_exchange(exchange_id)
    data = _load(ExchangeUpdateSchema(), json_body())
    if "patient" in data:
        _check_patient(exchange, account, data["patient"])
    lines = []
    with write_transaction():
        exchange = fetch_by_id(Exchange, exchange_id)  # as of now, inside the transaction
        changed = []
        if "subject" in data and data["subject"].strip() != exchange.subject:
            exchange.subject = data["subject"].strip()
            changed.append(Exchange.subject)
            lines.append(f"{actor_name(account, exchange_id)} a renommé l'échange en « {exchange.subject} ».")
        if "status" in data and data["status"] != exchange.status:
            exchange.status = data["status"]
            changed.append(Exchange.status)
        if "patient" in data and data["patient"] != exchange.patient_id:
            exchange.patient = data["patient"]
            changed.append(Exchange.patient)
            if data["patient"] is not None:
                mark_used(account, data["patient"])  # the patient picker lists recent patients first
        if changed:
            # Only what this request changes: a mail stored meanwhile (its date, its sender in the search
            # column) must not be written back to what this request read.
            exchange.save(only=changed)
        publish_on_commit(Event.for_exchange("exchange.updated", exchange_id, {
            "exchange_id": exchange_id, "subject": exchange.subject, "status": exchange.status,
            "patient": exchange.patient_id}))
        for text in lines:
            post_system_message(exchange, text)
        relais.audit.record("exchange.update", account_id=account.id, target=f"exchange:{exchange_id}",
                            detail=",".join(sorted(data)))
    return jsonify(exchange=summary(exchange, 0, members_of([exchange_id]).get(exchange_id, [])))


def _check_patient(exchange: Exchange, account: Account, patient_id: int | None) -> None:
    """A mail thread's patient may be chosen after the fact (received mail comes without one). The rule is
    the send screens' own: a patient in the account's care (kernel.services.patients.known_patient)."""
    if exchange.space != MAIL:
        raise SendRejected({"patient": ["Le patient d'une conversation se choisit en la démarrant."]})
    if patient_id is not None and known_patient(account.id, patient_id) is None:
        raise SendRejected({"patient": ["Ce patient est introuvable : choisissez-le dans la liste, ou créez-le."]})


@api.post("/exchanges/<int:exchange_id>/synthesis")
@api_login_required
def synthesis(exchange_id: int) -> Any:
    from ..services.synthesis import SynthesisUnavailable, make_synthesis

    account = current_account()
    exchange = visible_exchange(exchange_id)
    ids = _load(SynthesisRequestSchema(), json_body())["messages"]
    try:
        attachment = make_synthesis(exchange, account, ids)
    except SynthesisUnavailable as exc:
        fail(exc.status, exc.message, "_schema")
    return jsonify(attachment=AttachmentSchema().dump(attachment)), 201
