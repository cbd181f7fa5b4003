"""The one path every send takes: check the draft, check "acting as", ask every plugin, store, deliver.

Nothing is half-stored: the exchange, the message, its attachment links, the owner's own writes and
its outbox jobs are written in one transaction; live events leave only after it committed
(publish_on_commit), in this order: ``exchange.created``, ``message.created``, then what ``deliver`` published.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError
from peewee import SqliteDatabase

from ..channel import ATTACHMENTS, BODY, MEMBERS, PATIENT, SUBJECT

from ..db import database, on_commit, utcnow, write_transaction
from ..statements import execute, insert_row, statement
from ..forms import ACTING_AS, build_schema, gather_fields, unticked
from ..models import (Account, Attachment, Exchange, Identity, Membership, Message, MessageAttachment,
                      OpenedMark)
from ..plugin_calls import PluginCallFailed, call_each
from . import drafts
from .acting_as import ActingAsDenied, check_acting_as, member_identity_for
from .behalf import principal_label
from .events import Event, HeldEvents, check_event, publish_on_commit
from .patients import known_patient, mark_used

if TYPE_CHECKING:  # pragma: no cover
    from ..relais import Relais

Errors = dict[str, list[str]]


class SendRejected(Exception):
    """The draft cannot be sent; ``errors`` maps field names to French messages. Nothing was stored."""

    def __init__(self, errors: Errors, status: int = 422) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status = status


@dataclass
class SendContext:
    """Given to ``deliver``: the send's who, and ways to act that take effect with the transaction."""

    relais: "Relais"
    channel: str
    account: Account
    acting_as: Identity
    is_new_exchange: bool

    def publish(self, type: str, exchange_id: int, data: dict[str, Any],
                recipients: list[int] | None = None, *, position: int | None = None) -> None:
        """Publish a live event once the send commits, to the exchange's audience unless told otherwise.

        Events leave in the order they were published, after the send's own ``exchange.created`` and
        ``message.created``. ``position`` (0.1) is accepted for plugins written then, and ignored."""
        if position is not None:
            warnings.warn("SendContext.publish(position=...) is ignored since 0.2: events leave in the order "
                          "they were published, after the send's exchange.created and message.created",
                          DeprecationWarning, stacklevel=2)
        publish_on_commit(Event.for_exchange(type, exchange_id, data, recipients))

    def enqueue(self, name: str, payload: dict[str, Any], **kwargs: Any):
        """Persist a job in this transaction (transactional outbox): it runs only if the send commits."""
        return self.relais.jobs.enqueue(name, payload, **kwargs)


@dataclass
class CheckedSend:
    """A send that passed every check (schema, references, "acting as", plugins' ``validate``): what storing it
    needs. Checking and storing are apart so that the checks hold no transaction (see services/idempotency)."""

    channel: str
    account: Account
    draft: dict[str, Any]
    acting_as: Identity
    exchange: Exchange | None = None


def flatten_errors(messages: Any) -> Errors:
    """marshmallow's nested errors ({"members": {0: [...]}}) as {field: [French sentences]}."""
    out: Errors = {}
    for name, value in (messages.items() if isinstance(messages, dict) else [("_schema", messages)]):
        if isinstance(value, dict):
            texts = sorted({t for sub in value.values() for t in (sub if isinstance(sub, list) else [sub])})
        elif isinstance(value, list):
            texts = [str(t) for t in value]
        else:
            texts = [str(value)]
        out[str(name)] = texts
    return out


def _merge(errors: Errors, more: dict[str, Any] | None) -> None:
    for name, value in (more or {}).items():
        texts = value if isinstance(value, list) else [value]
        said = errors.setdefault(name, [])
        said.extend(text for text in (str(t) for t in texts if t) if text not in said)  # said once


class Sender:
    def __init__(self, relais: "Relais") -> None:
        self.relais = relais

    # --- a new exchange --------------------------------------------------------------------
    def start_exchange(self, channel_name: str, account: Account, payload: Any) -> tuple[Exchange, Message | None]:
        return self.store_exchange(self.check_exchange(channel_name, account, payload))

    def check_exchange(self, channel_name: str, account: Account, payload: Any) -> "CheckedSend":
        """Everything that may refuse a new exchange, outside any transaction (plugins' checks may take time)."""
        channel = self.relais.channels.get(channel_name)
        if channel is None:
            raise SendRejected({"channel": ["Ce canal d'envoi n'existe pas ou n'est pas activé."]}, status=404)
        fields = gather_fields(self.relais.pm, channel_name, account)
        draft = self._load(build_schema(channel_name, fields), payload, also=unticked(fields, payload))
        acting_as = self._acting_as(account, draft, channel.space)
        not_ticked = unticked(fields, draft)
        errors: Errors = {}
        _merge(errors, not_ticked)  # with the checks below, so every error is said at once
        self._check_references(account, draft, errors)
        if not errors.keys() - not_ticked.keys():
            self._ask_validators(channel_name, draft, account, acting_as, None, errors)
        if errors:
            raise SendRejected(errors)
        return CheckedSend(channel_name, account, draft, acting_as)

    def store_exchange(self, checked: "CheckedSend", *, savepoint: bool = True) -> tuple[Exchange, Message | None]:
        """Store a checked new exchange and deliver it, in one transaction (``savepoint``: see ``store_message``)."""
        channel_name, account, draft, acting_as = checked.channel, checked.account, checked.draft, checked.acting_as
        channel = self.relais.channels[channel_name]
        context = SendContext(self.relais, channel_name, account, acting_as, is_new_exchange=True)
        with _send_transaction(savepoint):
            patient_id = draft.get(PATIENT)
            exchange = Exchange.create(
                channel=channel_name, space=channel.space, patient=patient_id,
                subject=(draft.get(SUBJECT) or channel.label).strip(), created_by=account, acting_as=acting_as)
            if patient_id is not None:
                mark_used(account, patient_id)  # the patient picker lists recent patients first
            member_ids = [acting_as.id] + [i for i in draft.get(MEMBERS) or [] if i != acting_as.id]
            Membership.insert_many(
                [{"exchange": exchange.id, "identity": i, "role": "author" if i == acting_as.id else "member",
                  "added_by": account.id} for i in dict.fromkeys(member_ids)]).execute()
            message = self._store_message(exchange, account, acting_as, draft)
            # Sent, so no longer a draft: gone with the send, kept if it rolls back.
            drafts.discard(account.id, drafts.channel_screens(channel_name, patient_id))
            # The kernel's own events go first: a plugin's events about this exchange come after it exists.
            context.publish("exchange.created", exchange.id, {"exchange_id": exchange.id, "channel": channel_name})
            self._deliver(channel_name, exchange, message, draft, context)
            self.relais.audit.record("exchange.create", account_id=account.id, acting_as_id=acting_as.id,
                                     target=f"exchange:{exchange.id}", status=201, detail=f"channel={channel_name}",
                                     exchange_id=exchange.id, patient_id=patient_id)
        return exchange, message

    # --- a message in an existing exchange -----------------------------------------------
    def post_message(self, exchange: Exchange, account: Account, payload: Any) -> Message:
        return self.store_message(self.check_message(exchange, account, payload))

    def check_message(self, exchange: Exchange, account: Account, payload: Any) -> "CheckedSend":
        """Everything that may refuse a message, outside any transaction."""
        from ..schemas import shared
        from ..schemas.exchange import MessageDraftSchema

        draft = self._load(shared(MessageDraftSchema), payload)
        allowed = member_identity_for(account, exchange)
        if draft.get(ACTING_AS) is None:
            draft[ACTING_AS] = account.identity_id if account.identity_id in allowed else (allowed or [None])[0]
        acting_as = self._acting_as(account, draft)
        if acting_as.id not in allowed:
            raise SendRejected({ACTING_AS: ["Cette identité ne participe pas à cet échange."]})
        errors: Errors = {}
        self._check_references(account, draft, errors)
        if not errors:
            self._ask_validators(exchange.channel, draft, account, acting_as, exchange, errors)
        if errors:
            raise SendRejected(errors)
        return CheckedSend(exchange.channel, account, draft, acting_as, exchange)

    def store_message(self, checked: "CheckedSend", *, savepoint: bool = True) -> Message:
        """Store a checked message and deliver it, in one transaction.

        Inside a transaction the caller opened, the send's writes are a savepoint of it (a refused send leaves the
        caller's other writes), unless ``savepoint`` is False: then they simply join it, and the caller's
        transaction must end with any failure of the send (services/idempotency does: the key and the message
        are stored together or not at all). Two statements less, two round trips on PostgreSQL."""
        exchange, account, draft, acting_as = checked.exchange, checked.account, checked.draft, checked.acting_as
        assert exchange is not None
        context = SendContext(self.relais, exchange.channel, account, acting_as, is_new_exchange=False)
        with _send_transaction(savepoint):
            # drafts.discard for the thread's one screen, as plain SQL: every reply runs it, and building the
            # DELETE with peewee's query builder cost a tenth of the whole send. Sent with the message's other
            # writes whose result nobody reads (one round trip on PostgreSQL).
            discard = ('DELETE FROM "draft" WHERE "account_id" = ? AND "screen" = ?',
                       (account.id, f"exchange:{exchange.id}"))
            message = self._store_message(exchange, account, acting_as, draft, also=[discard])
            assert message is not None  # the schema demands a body or an attachment
            if exchange.patient_id is not None:
                mark_used(account, exchange.patient_id)
            self._deliver(exchange.channel, exchange, message, draft, context)
            self.relais.audit.record("message.create", account_id=account.id, acting_as_id=acting_as.id,
                                     target=f"exchange:{exchange.id}", status=201,
                                     exchange_id=exchange.id, patient_id=exchange.patient_id, later=True)
        return message

    # --- pieces ----------------------------------------------------------------------------
    def _ask_validators(self, channel: str, draft: dict[str, Any], account: Account, acting_as: Identity,
                        exchange: Exchange | None, errors: Errors) -> None:
        try:
            for _plugin, answer in call_each(self.relais.pm, "validate", strict=True, channel=channel, draft=draft,
                                             account=account, acting_as=acting_as, exchange=exchange):
                _merge(errors, answer)
        except PluginCallFailed:
            # Fail safe: a check that could not run must not let the send through.
            errors.setdefault("_schema", []).append(
                "Une vérification n'a pas pu être faite : réessayez dans un instant ou prévenez votre administrateur.")

    def _load(self, schema: Any, payload: Any, also: Errors | None = None) -> dict[str, Any]:
        """``payload`` loaded by ``schema``; refused with its errors and ``also`` (said with them)."""
        if not isinstance(payload, dict):
            raise SendRejected({"_schema": ["Un objet JSON est attendu."]}, status=400)
        try:
            return schema.load(payload)
        except ValidationError as exc:
            errors = flatten_errors(exc.messages)
            for name, messages in (also or {}).items():
                errors.setdefault(name, messages)  # the schema's own word on a field comes first
            raise SendRejected(errors) from None

    def _acting_as(self, account: Account, draft: dict[str, Any], space: str | None = None) -> Identity:
        try:  # in the channel's space: a mail-only delegate does not start the principal's conversations
            return check_acting_as(account, draft[ACTING_AS], space)
        except (ActingAsDenied, KeyError, TypeError):
            self.relais.audit.record("acting_as.denied", account_id=account.id, outcome="refused", status=422,
                                     target=f"identity:{draft.get(ACTING_AS)}")
            raise SendRejected({ACTING_AS: [ActingAsDenied.message]}) from None

    def _check_references(self, account: Account, draft: dict[str, Any], errors: Errors) -> None:
        members = [i for i in dict.fromkeys(draft.get(MEMBERS) or [])]
        if members:
            found = {i.id for i in Identity.select(Identity.id).where(Identity.id.in_(members))}
            with_account = {a.identity_id for a in Account.select(Account.identity)
                            .where(Account.identity.in_(members) & Account.active)}
            structures = {i.id for i in Identity.select(Identity.id)
                          .where(Identity.id.in_(members) & (Identity.kind == "structure"))}
            if any(i not in found or (i not in with_account and i not in structures) for i in members):
                errors.setdefault(MEMBERS, []).append(
                    "Une des personnes choisies n'a pas de compte sur la plateforme : "
                    "écrivez-lui un mail sécurisé ou invitez-la.")
        patient_id = draft.get(PATIENT)
        # A patient outside the sender's care is "not found", as one that does not exist: reaching them
        # takes their full INS or traits first (kernel.services.patients.reach).
        if patient_id is not None and known_patient(account.id, patient_id) is None:
            errors.setdefault(PATIENT, []).append("Ce patient est introuvable.")
        wanted = list(dict.fromkeys(draft.get(ATTACHMENTS) or []))
        if wanted:
            mine = {a.id for a in Attachment.select(Attachment.id)
                    .where(Attachment.id.in_(wanted) & (Attachment.uploaded_by == account.id))}
            if len(mine) != len(wanted):
                errors.setdefault(ATTACHMENTS, []).append(
                    "Une pièce jointe est introuvable : ajoutez-la de nouveau.")
            draft[ATTACHMENTS] = wanted

    def _store_message(self, exchange: Exchange, account: Account, acting_as: Identity,
                       draft: dict[str, Any], also: tuple[tuple[str, tuple], ...] | list = ()) -> Message | None:
        """Insert the message and make its writes (the exchange's date, the author's read mark, and ``also``).
        Nothing stored (None) when the draft has neither body nor attachment."""
        body = (draft.get(BODY) or "").strip()
        attachments = draft.get(ATTACHMENTS) or []
        if not body and not attachments:
            return None
        values = {"exchange": exchange.id, "author": account.id, "acting_as": acting_as.id, "kind": "text",
                  "body": body, "created_at": utcnow(), "data": {}}
        message = Message(id=insert_row(Message, values), **values)
        # The instances in hand, so that serialising the message looks nothing up again.
        message.exchange, message.author, message.acting_as = exchange, account, acting_as
        if acting_as.is_structure or acting_as.id == account.identity_id:
            # How « pour le compte de » names the identity (the message's acting_as label): a structure's name,
            # or the author's own account's, both in hand; a principal's account is looked up when serialised.
            message.acting_as_label = principal_label(acting_as, account)
        if attachments:
            MessageAttachment.insert_many([{"message": message.id, "attachment": a} for a in attachments]).execute()
        else:
            message.prefetched_attachments = []  # nothing to look up when the message is serialised
        exchange.last_message_at = message.created_at
        write_together([
            ('UPDATE "exchange" SET "last_message_at" = ? WHERE "id" = ?',
             (Exchange.last_message_at.db_value(message.created_at), exchange.id)),
            # The author has read what they wrote: their unread count must not rise.
            read_mark(exchange.id, account.id, message.id),
            *also])
        return message

    def _deliver(self, channel: str, exchange: Exchange, message: Message | None, draft: dict[str, Any],
                 context: SendContext) -> None:
        # Its place is taken before deliver runs: members learn of the message before what follows from it
        # (the events deliver publishes); its content is known after, since deliver may add to the message.
        announcement = HeldEvents(self.relais.events)
        on_commit(announcement)
        handled = self.relais.pm.hook.deliver(channel=channel, exchange=exchange, message=message,
                                              draft=draft, context=context)
        if not handled:
            # No plugin owns the channel any more: refuse rather than store a message nobody moves.
            raise SendRejected({"channel": ["Ce canal d'envoi n'est pas disponible pour le moment."]}, status=503)
        if message is not None:
            # Final now (deliver may have added to it): the API's answer reuses it rather than dumping it again.
            message.serialized = self.relais.serialize_message(message)
            event = Event.for_exchange("message.created", exchange.id, message.serialized)
            check_event(event)
            announcement.events.append(event)


def _send_transaction(savepoint: bool) -> Any:
    """The send's transaction: its own, a savepoint of the caller's, or (``savepoint`` False) the caller's."""
    real = database.obj
    if savepoint or not real.in_transaction():
        return write_transaction()
    return real.transaction()  # nested: neither commits nor rolls back; what it holds goes with the caller's


def write_together(statements: list[tuple[str, tuple]]) -> None:
    """Run write statements whose results nobody reads (``?`` placeholders), in order. On PostgreSQL, in a
    transaction, they travel with its next round trip (its next statement or its COMMIT: kernel/db_prepared.py
    ``defer``), outside one together in one round trip, each prepared; SQLite's driver runs one statement per
    call, in process, where a call costs no round trip."""
    real = database.obj
    if isinstance(real, SqliteDatabase):
        for sql, params in statements:
            execute(sql, params)
    elif real.in_transaction():
        for sql, params in statements:
            real.defer(statement(sql), params)
    else:
        real.execute_together([(statement(sql), params) for sql, params in statements])


def mark_read_upto(exchange_id: int, account_id: int, message_id: int) -> None:
    """The account opened the exchange and has read up to ``message_id`` (never moves backwards)."""
    execute(*read_mark(exchange_id, account_id, message_id))


def read_mark(exchange_id: int, account_id: int, message_id: int) -> tuple[str, tuple]:
    """The statement of ``mark_read_upto``, to run with others (``write_together``)."""
    now = OpenedMark.last_opened_at.db_value(utcnow())
    # Every send and every read makes this upsert: plain SQL, the same on SQLite and PostgreSQL.
    return ('INSERT INTO "opened_mark" ("exchange_id", "account_id", "first_opened_at", "last_opened_at", '
            '"last_read_message_id") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("exchange_id", "account_id") DO UPDATE SET '
            '"last_read_message_id" = CASE WHEN "opened_mark"."last_read_message_id" < ? THEN ? '
            'ELSE "opened_mark"."last_read_message_id" END, "last_opened_at" = ?',
            (exchange_id, account_id, now, now, message_id, message_id, message_id, now))
