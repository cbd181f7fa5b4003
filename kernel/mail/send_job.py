"""The send job: one attempt to hand a stored message over, its outcome recorded before the job ends.

Crash safety (see README.md): the attempt is marked started (committed) before any network; the
outcome is committed before the handler returns; a job re-run finds either the outcome (nothing to
do) or the mark (the process died during the attempt: the same bytes, same Message-ID, are offered
again to the recipients still pending).

Claims: starting an attempt and resuming one are both conditional UPDATEs of the outbox row, which one
runner only can win. A resume is only tried once the attempt it takes over cannot be running any more
(``attempt_deadline``): a job whose lease expired during a slow attempt is not a dead one.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from ..db import utcnow, write_transaction
from ..relais import current_relais
from .addresses import is_local
from .inbound import deliver_locally
from .models import DONE, FAILED, PENDING, QUEUED, SENDING, SENT, OutgoingMail, OutgoingRecipient
from .outbox import SEND_JOB, finish_if_settled, publish_status, set_recipient_status
from .relay import RelayOutcome, send_through_relay
from .smtp_reasons import explain

log = logging.getLogger(__name__)
MAX_DELAY = 6 * 3600
# A configuration problem (missing or refused client certificate, untrusted relay certificate, no STARTTLS) is
# the deployer's to fix: hammering the relay meanwhile helps nobody.
CONFIG_RETRY_SECONDS = 20 * 60


def send_outgoing(payload: dict[str, Any]) -> None:
    """Job handler of ``kernel.mail.send``: payload ``{"outgoing": id, "attempt": n}``."""
    outgoing = OutgoingMail.get_or_none(OutgoingMail.id == payload.get("outgoing"))
    attempt = int(payload.get("attempt") or 1)
    if outgoing is None or outgoing.status == DONE:
        return
    resuming = outgoing.attempt_started_at is not None and attempt == outgoing.attempts
    if not resuming and attempt != outgoing.attempts + 1:
        return  # a stale job: its attempt was recorded already, the next one has its own job
    pending = [r.address for r in outgoing.recipients.where(OutgoingRecipient.status == PENDING)
               .order_by(OutgoingRecipient.id)]
    if not pending:
        with write_transaction():
            finish_if_settled(outgoing)
        return
    if resuming:
        if not _take_over(outgoing, attempt, pending):
            return  # still running elsewhere (checked again later), or another runner took it over
    elif not _mark_started(outgoing, attempt):
        return  # another runner took this attempt
    try:
        replies, relay = attempt_delivery(outgoing, pending)
    except Exception as exc:  # local delivery hit a bug or the database: a temporary failure like any other
        log.warning("mail #%s attempt %s failed unexpectedly: %s", outgoing.id, attempt, type(exc).__name__)
        replies, relay = {}, RelayOutcome(error=f"erreur interne : {type(exc).__name__}")
    record_outcome(outgoing, attempt, pending, replies, relay, resuming)


def attempt_deadline(config: dict[str, Any], recipients: int) -> dt.timedelta:
    """The longest an attempt can take: every SMTP step waits at most ``mail_timeout_seconds`` (connection,
    greeting, EHLO, STARTTLS and its handshake, EHLO, MAIL, one RCPT per recipient, DATA, the data itself
    (``sendall`` has a total timeout) and its answer, QUIT), plus one more for local delivery."""
    return dt.timedelta(seconds=config["mail_timeout_seconds"] * (12 + recipients))


def _mark_started(outgoing: OutgoingMail, attempt: int) -> bool:
    now = utcnow()
    with write_transaction():
        won = (OutgoingMail.update(status=SENDING, attempts=attempt, attempt_started_at=now, updated_at=now)
               .where((OutgoingMail.id == outgoing.id) & (OutgoingMail.attempts == attempt - 1)
                      & OutgoingMail.attempt_started_at.is_null()).execute())
    if won:
        outgoing.attempts, outgoing.attempt_started_at, outgoing.status = attempt, now, SENDING
    return bool(won)


def _take_over(outgoing: OutgoingMail, attempt: int, pending: list[str]) -> bool:
    """Claim an attempt some runner started and never finished. Before its deadline it may still be running
    (its job's lease ran out, not its process): come back after the deadline instead of sending beside it."""
    started = outgoing.attempt_started_at
    deadline = started + attempt_deadline(current_relais().config, len(pending))
    now = utcnow()
    if now < deadline:
        wait = (deadline - now).total_seconds() + 1
        with write_transaction():
            current_relais().jobs.enqueue(SEND_JOB, {"outgoing": outgoing.id, "attempt": attempt}, delay=wait,
                                          dedupe_key=f"{SEND_JOB}:{outgoing.id}:{attempt}:after:{started.isoformat()}")
        log.info("mail #%s attempt %s may still be running elsewhere; checked again in %.0f s",
                 outgoing.id, attempt, wait)
        return False
    with write_transaction():
        # The started-at stamp is the claim: whoever changes it first owns the attempt now.
        won = (OutgoingMail.update(attempt_started_at=now, updated_at=now)
               .where((OutgoingMail.id == outgoing.id) & (OutgoingMail.attempts == attempt)
                      & (OutgoingMail.attempt_started_at == started)).execute())
    if won:
        outgoing.attempt_started_at = now
    return bool(won)


def give_up(payload: dict[str, Any], error: str) -> None:
    """The job runner exhausted its own retries (the handler kept failing, e.g. the database): the message
    must not stay "en attente" forever. Its pending recipients end as "échec", with a reason the user reads."""
    outgoing = OutgoingMail.get_or_none(OutgoingMail.id == payload.get("outgoing"))
    if outgoing is None or outgoing.status == DONE:
        return
    relais = current_relais()
    reason = ("Le message n'a pas pu être envoyé à la suite d'une erreur de la plateforme. Renvoyez-le ; "
              "si le problème persiste, prévenez votre administrateur.")
    with write_transaction():
        pending = [r.address for r in outgoing.recipients.where(OutgoingRecipient.status == PENDING)]
        for address in pending:
            set_recipient_status(outgoing, address, FAILED, reason)
        now = utcnow()
        OutgoingMail.update(status=DONE, attempt_started_at=None, next_attempt_at=None, updated_at=now,
                            last_error=error[:2000]).where(OutgoingMail.id == outgoing.id).execute()
        outgoing.status = DONE
        relais.audit.record("mail.send.abandoned", account_id=outgoing.account_id,
                            acting_as_id=outgoing.acting_as_id, target=f"mail:{outgoing.id}", outcome="failed",
                            detail=f"kind={outgoing.kind}",
                            request_data={"message_id": outgoing.message_id, "rcpt_to": pending, "error": error[:500]})
        publish_status(outgoing)
    log.error("mail #%s abandoned after the job runner's retries: %s", outgoing.id, error[:200])


def attempt_delivery(outgoing: OutgoingMail, pending: list[str]) -> tuple[dict[str, tuple[int, str]], RelayOutcome | None]:
    """Offer the stored bytes: to this platform's own mailboxes directly, to the others through the relay."""
    local = [a for a in pending if is_local(a)]
    remote = [a for a in pending if a not in local]
    replies: dict[str, tuple[int, str]] = {}
    if local:
        replies.update(deliver_locally(outgoing.raw, outgoing.mail_from, local))
    relay = None
    if remote:
        relay = send_through_relay(current_relais().config, outgoing.mail_from, remote, outgoing.raw)
        replies.update(relay.replies)
    return replies, relay


def record_outcome(outgoing: OutgoingMail, attempt: int, pending: list[str], replies: dict[str, tuple[int, str]],
                   relay: RelayOutcome | None, resumed: bool) -> None:
    """Commit what the attempt achieved, schedule the next one if some recipients must wait, audit it."""
    relais = current_relais()
    config = relais.config
    final = attempt >= config["mail_max_attempts"]
    error = relay.error if relay is not None else ""
    counts = {SENT: 0, FAILED: 0, PENDING: 0}
    waiting: dict[str, str] = {}  # address -> why it waits (French)
    with write_transaction():
        for address in pending:
            code, text = replies.get(address, (0, error or "pas de réponse"))
            if 200 <= code < 300:
                status, reason = SENT, ""
            elif code >= 500:
                status, reason = FAILED, explain(code, text)  # French first, the server's reply as details
            elif final:
                status = FAILED
                gave_up = f"Le message n'a pas pu être transmis après {attempt} tentatives"
                reason = (f"{gave_up}. {explain(code, text)}" if code
                          else f"{gave_up} (dernière erreur : {error or 'inconnue'}).")
            else:
                counts[PENDING] += 1
                waiting[address] = (f"le serveur destinataire a demandé de patienter ({code} {text})" if code
                                    else (relay.reason if relay is not None and relay.reason else error))
                continue
            counts[status] += 1
            set_recipient_status(outgoing, address, status, reason, code or None)
        now = utcnow()
        update: dict[str, Any] = dict(attempt_started_at=None, updated_at=now, last_error=error or None)
        if counts[PENDING]:
            configuration = relay is not None and relay.permanent
            delay = (CONFIG_RETRY_SECONDS if configuration
                     else min(config["mail_retry_seconds"] * 2 ** (attempt - 1), MAX_DELAY))
            note_waiting(outgoing, waiting, delay)
            update.update(status=QUEUED, next_attempt_at=now + dt.timedelta(seconds=delay))
            relais.jobs.enqueue(SEND_JOB, {"outgoing": outgoing.id, "attempt": attempt + 1}, delay=delay,
                                dedupe_key=f"{SEND_JOB}:{outgoing.id}:{attempt + 1}")
        else:
            update.update(status=DONE, next_attempt_at=None)
        # Only while this runner still holds the claim: had its attempt outlived its deadline, the runner
        # that took it over owns the row now (the recipients' answers above are facts either way).
        OutgoingMail.update(**update).where((OutgoingMail.id == outgoing.id)
                                            & (OutgoingMail.attempt_started_at == outgoing.attempt_started_at)).execute()
        outgoing.status = update["status"]
        outcome = ("ok" if counts[SENT] == len(pending) else "deferred" if counts[PENDING] == len(pending)
                   else "failed" if counts[FAILED] == len(pending) else "partial")
        relais.audit.record(
            "mail.send.attempt", account_id=outgoing.account_id, acting_as_id=outgoing.acting_as_id,
            target=f"mail:{outgoing.id}", outcome=outcome, detail=f"kind={outgoing.kind}",
            request_data={
                "relay": _relay_name(config, relay), "tls": bool(relay and relay.tls),
                "client_certificate": bool(relay and relay.tls and config["mail_client_cert"]),
                "mail_from": outgoing.mail_from, "rcpt_to": pending, "message_id": outgoing.message_id,
                "size": outgoing.size, "attempt": attempt, "resumed_after_interruption": resumed,
                "responses": {a: list(replies[a]) for a in pending if a in replies}, "error": error,
                "reason": relay.reason if relay is not None else "",
                "transcript": relay.transcript if relay else []})
        publish_status(outgoing)
    if outcome != "ok":
        log.info("mail #%s attempt %s: %s (%s)", outgoing.id, attempt, outcome, error or "answers recorded")


def note_waiting(outgoing: OutgoingMail, waiting: dict[str, str], delay: float) -> None:
    """A pending recipient says why it waits, and when the next attempt comes (shown with « en attente »)."""
    minutes = max(1, round(delay / 60))
    when = f"nouvel essai automatique dans {minutes} minute{'s' if minutes > 1 else ''}"
    for address, why in waiting.items():
        text = f"En attente : {why} ; {when}."
        (OutgoingRecipient.update(reason=text[:1000], updated_at=utcnow())
         .where((OutgoingRecipient.outgoing == outgoing.id) & (OutgoingRecipient.address == address)
                & (OutgoingRecipient.status == PENDING)).execute())


def _relay_name(config: dict[str, Any], relay: RelayOutcome | None) -> str:
    if relay is None:
        return "local"
    return f"{config['mail_relay_host']}:{config['mail_relay_port']}"
