"""The conversation channel's hooks: its screen, its rules, its delivery and its synthesis."""
from __future__ import annotations

from typing import Any

from kernel import GROUP_MONSISRA, Channel, ExchangeAction, FormField, hookimpl
from kernel.models import Account, Exchange, Identity, Message, Patient

from .existing import blueprint
from .synthesis import build_synthesis

CHANNEL = "conversation"


@hookimpl
def register_channels() -> list[Channel]:
    return [Channel(CHANNEL, "Démarrer une conversation", GROUP_MONSISRA, "chat", order=10,
                    description="Échanger en direct avec des professionnels inscrits sur la plateforme.")]


@hookimpl
def compose_form(channel: str, patient: Patient | None) -> list[FormField]:
    if channel != CHANNEL:
        return []
    return [
        FormField("members", "person", "Participants", required=True, many=True, order=10,
                  placeholder="Nom, spécialité, service…", options={"kind": "account"},
                  help="Seuls les professionnels inscrits sur la plateforme peuvent participer."),
        FormField("patient", "patient", "Patient", order=20, help="Facultatif : la conversation sera "
                  "retrouvée depuis le dossier du patient."),
        FormField("existing", "suggestions", "Conversations existantes", order=25,
                  options={"url": "/conversation/existantes", "watch": ["members", "patient"]}),
        # CONV-3: choosing a patient proposes "Prénom NOM" as the subject.
        FormField("subject", "text", "Objet", required=True, order=30, max_length=250,
                  default=patient.short_name if patient else None),
        FormField("body", "message", "Message", order=40, placeholder="Écrire un message…"),
        FormField("attachments", "attachments", "Pièces jointes", order=50),
    ]


@hookimpl
def validate(channel: str, draft: dict[str, Any], acting_as: Identity,
             exchange: Exchange | None) -> dict[str, str] | None:
    if channel != CHANNEL or exchange is not None:
        return None
    others = [m for m in draft.get("members") or [] if m != acting_as.id]
    if not others:
        return {"members": "Choisissez au moins un autre participant que vous-même."}
    return None


@hookimpl
def deliver(channel: str) -> bool | None:
    # The kernel has stored the exchange and its message and pushes them live after commit:
    # a conversation never leaves the platform, so there is nothing more to move.
    return True if channel == CHANNEL else None


@hookimpl
def synthesize(channel: str, exchange: Exchange, messages: list[Message], account: Account):
    if channel != CHANNEL:
        return None
    return build_synthesis(exchange, messages, account)


@hookimpl
def exchange_actions(exchange: Exchange) -> list[ExchangeAction]:
    if exchange.channel != CHANNEL:
        return []
    return [ExchangeAction("synthesis", "Générer la synthèse PDF", f"/api/v1/exchanges/{exchange.id}/synthesis",
                           icon="file-text", order=50)]


@hookimpl
def register_blueprints() -> list[Any]:
    return [blueprint]
