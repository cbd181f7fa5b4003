"""The patient-messaging channel's hooks: its single screen (USAGER-1, USAGER-2), its rules, delivery through the
kernel's mail transport, its thread panel and its demo data."""
from __future__ import annotations

from typing import Any

from kernel import GROUP_MES, Channel, ExchangePanel, FormField, Ins, SendContext, hookimpl
from kernel.mail import statuses_by_message
from kernel.models import Account, Exchange, Identity, Message, Patient

from .demo import seed
from .outgoing import CHANNEL, NO_REPLY, deliver_usager
from .recipient import blueprint
from .rules import draft_errors


@hookimpl
def register_channels() -> list[Channel]:
    # A mail channel: the patient's answer comes back by mail, into the same exchange (kernel threading).
    return [Channel(CHANNEL, "Écrire à un patient", GROUP_MES, "mail", order=40,
                    description="Envoyer un message sécurisé dans la messagerie Mon Espace Santé d'un patient, "
                                "à partir de son INS.")]


@hookimpl
def compose_form(channel: str, patient: Patient | None) -> list[FormField]:
    if channel != CHANNEL:
        return []
    ins = patient.ins if patient is not None and patient.qualified and patient.ins else None
    return [
        FormField("ins", "text", "INS du patient", required=True, order=10, max_length=30, default=ins,
                  placeholder="15 caractères, clé comprise (ex. 2 85 03 77 123 456 78)",
                  help="Le message part à l'adresse Mon Espace Santé du patient, <INS>@patient.mssante.fr."),
        FormField("usager_destinataire", "suggestions", "Destinataire", order=15,
                  options={"url": "/usager/destinataire", "watch": ["ins"]}),
        FormField("subject", "text", "Objet", required=True, order=30, max_length=250),
        FormField("body", "message", "Message", order=40, placeholder="Écrire au patient…",
                  options={"format": "html"}),
        FormField("attachments", "attachments", "Pièces jointes", order=50),
        FormField(NO_REPLY, "checkbox", "Ne pas permettre de réponse", order=60,
                  help="Le patient ne pourra pas répondre depuis Mon Espace Santé ; une réponse envoyée malgré "
                       "tout ne vous sera pas transmise et le patient en sera informé."),
    ]


@hookimpl
def validate(channel: str, draft: dict[str, Any], account: Account, acting_as: Identity,
             exchange: Exchange | None) -> dict[str, list[str]] | None:
    if channel != CHANNEL:
        return None
    return draft_errors(draft, account, acting_as, new=exchange is None) or None


@hookimpl
def deliver(channel: str, exchange: Exchange, message: Message | None, draft: dict[str, Any],
            context: SendContext) -> bool | None:
    if channel != CHANNEL:
        return None
    deliver_usager(exchange, message, draft, context)
    return True


@hookimpl
def exchange_panels(exchange: Exchange) -> list[ExchangePanel]:
    """Who the exchange reaches (decoded INS, address), whether the patient may answer, where the last mail is."""
    facts = (exchange.data or {}).get(CHANNEL)
    if exchange.channel != CHANNEL or not facts:
        return []
    ins = Ins.parse(facts["ins"])
    description = ins.decode().description
    replies = ("Le patient ne peut pas répondre à cet échange." if facts.get(NO_REPLY)
               else "Le patient peut répondre : sa réponse arrivera dans cet échange.")
    panels = [ExchangePanel("usager_patient", "Mon Espace Santé",
                            text=f"{description} — INS {ins.formatted()}, adresse {facts['address']}. {replies}",
                            order=10, data={"ins": str(ins), "address": facts["address"],
                                            "no_reply": bool(facts.get(NO_REPLY))})]
    last = (Message.select(Message.id).where((Message.exchange == exchange.id) & (Message.kind == "mail")
                                             & Message.author.is_null(False))
            .order_by(Message.id.desc()).first())
    recipients = statuses_by_message([last.id]).get(last.id, []) if last is not None else []
    if recipients:
        row = recipients[0]
        level = {"failed": "danger", "pending": "warning"}.get(row["status"], "success")
        # A pending mail says why it waits ("En attente : le relais MSSanté ne répond pas… ; nouvel essai…").
        reason = row.get("reason") or ""
        text = (reason if row["status"] == "pending" and reason
                else f"{row['label'].capitalize()} : {reason}" if reason else row["label"].capitalize())
        panels.append(ExchangePanel("usager_status", "Suivi de l'envoi", text=text, level=level, order=20,
                                    data={"recipients": recipients}))
    return panels


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint]


@hookimpl
def seed_demo(accounts: dict[str, Account], patients: list[Patient]) -> None:
    seed(accounts, patients)
