"""A test plugin implementing every hook of kernel/hookspecs.py, each with an effect a test can see.

``EveryHookPlugin`` owns the channel "hook_demo" and the connector "hook_demo_dpi"; it stores one
``HookDemoNote`` per delivered message in its own table (created by its own migration) and pushes it
with its own job. ``CopyToSoftwareAddon`` is a second, independent plugin that adds a field to every
channel and checks it, the way a DPI connector adds "send a copy to my software".

Both are classes so every app gets fresh instances: what ``on_event`` records never leaks between apps.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import peewee as pw
from flask import Blueprint, jsonify

from kernel import (GROUP_MONSISRA, Channel, Connector, Event, ExchangeAction, ExchangePanel, FormField,
                    IntegrationReceipt, JobType, MigrationSet, SendContext, SynthesisDocument, VideoRoom, can_see,
                    current_relais, hookimpl, publish_on_commit)
from kernel.auth import api_login_required, current_account
from kernel.db import BaseModel, utcnow
from kernel.event_types import EventType
from kernel.ui import MenuLink, PageAsset

CHANNEL = "hook_demo"
CONNECTOR = "hook_demo_dpi"
PUSH_JOB = "hook_demo.push"
DELIVERED = EventType("hook_demo.delivered", "hook_demo stored a note for a delivered message.",
                      fields={"note": "the note's id"})
# socket_message: a page sends {"type": ECHO, "exchange_id", "text"} up its socket; the exchange's audience
# hears ECHOED, the sender gets ECHO_OK (or ECHO_REFUSED for an exchange it cannot see).
ECHO, ECHO_OK, ECHO_REFUSED = "hook_demo.echo", "hook_demo.echo_ok", "hook_demo.echo_refused"
ECHOED = EventType("hook_demo.echoed", "A member's page sent a text up its socket about the exchange.",
                   fields={"text": "what was sent", "account": "the sender's account id"})
VIDEO_ROOMS = "https://visio.hook-demo.example"
MIGRATIONS = Path(__file__).parent / "every_hook_migrations"
# Page assets, in tests/support/static/ (ASSET_MISSING names a file that does not exist: left out, logged).
ASSET_SCRIPT, ASSET_STYLE, ASSET_EARLY_STYLE = "hook_demo/demo.js", "hook_demo/demo.css", "hook_demo/early.css"
ASSET_MISSING = "hook_demo/absent.js"
# A body containing REFUSED is refused by validate; one containing CRASH makes deliver fail after writing.
REFUSED = "mot-interdit"
REFUSED_MESSAGE = "Ce message contient « mot-interdit » : retirez-le puis renvoyez."
CRASH = "panne-apres-ecriture"
COPY_FIELD = "hook_demo_copy"
COPY_NEEDS_PATIENT = "Choisissez un patient pour envoyer une copie à votre logiciel."


DEMO_NOTE = "Donnée de démonstration"


class HookDemoNote(BaseModel):
    """What hook_demo stores per delivered message (its own table: hook_demo_note)."""

    exchange_id = pw.IntegerField(index=True)
    message_id = pw.IntegerField(null=True)
    text = pw.TextField(default="")
    pushed = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "hook_demo_note"


def push_note(payload: dict[str, Any]) -> None:
    """The job: "push" the note somewhere. Idempotent: pushing twice changes nothing."""
    HookDemoNote.update(pushed=True).where(HookDemoNote.id == payload["note"]).execute()


def _notes_blueprint() -> Blueprint:
    # A new blueprint per app: nothing of one app's routes is shared with another's.
    bp = Blueprint("hook_demo", __name__, url_prefix="/hook_demo")

    @bp.get("/exchanges/<int:exchange_id>/notes")
    @api_login_required
    def notes(exchange_id: int) -> Any:
        rows = HookDemoNote.select().where(HookDemoNote.exchange_id == exchange_id).order_by(HookDemoNote.id)
        return jsonify(account=current_account().id,
                       notes=[{"id": n.id, "text": n.text, "pushed": n.pushed} for n in rows])

    @bp.post("/exchanges/<int:exchange_id>/ping")
    @api_login_required
    def ping(exchange_id: int) -> Any:
        relais = current_relais()
        relais.audit.record("hook_demo.ping", account_id=current_account().id, target=f"exchange:{exchange_id}")
        return jsonify(pong=exchange_id, channels=sorted(relais.channels))

    return bp


class DemoService:
    """A side component: records its life, and the plugin settings it saw when started."""

    name = "hook_demo.service"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.settings: dict | None = None

    def start(self) -> None:
        self.settings = current_relais().plugin_settings("every_hook")
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


class EveryHookPlugin:
    def __init__(self) -> None:
        self.events: list[tuple[str, int | None, bool]] = []  # (type, exchange_id, inside a transaction?)
        self.event_data: list[dict] = []  # each event's data, beside self.events
        self.delivered_messages: list[int | None] = []
        self.service = DemoService()

    # --- command line --------------------------------------------------------------------------
    @hookimpl
    def register_commands(self) -> list[Any]:
        import click

        @click.command("hook-demo")
        @click.argument("text")
        def hook_demo(text: str) -> None:
            """Répéter un texte (démonstration des commandes d'extension)."""
            click.echo(f"hook_demo : {text}")
        return [hook_demo]

    # --- mail ----------------------------------------------------------------------------------
    @hookimpl
    def mail_received(self, exchange: Any, message: Any, mail: Any, created: bool) -> None:
        # Annotates what it recognises (a header of its own), in its own key of the data.
        if mail.get("X-Hook-Demo"):
            message.data = {**message.data, CHANNEL: {"tag": str(mail["X-Hook-Demo"]), "created": created}}
            message.save()
            exchange.subject = f"[hook] {exchange.subject}"
            exchange.save()

    # --- demo ----------------------------------------------------------------------------------
    @hookimpl
    def seed_demo(self, accounts: dict[str, Any], patients: list[Any]) -> None:
        if not HookDemoNote.select().where(HookDemoNote.text == DEMO_NOTE).exists():
            HookDemoNote.create(exchange_id=0, text=DEMO_NOTE,
                                message_id=accounts["julie.bernard"].id + 0 * len(patients))

    # --- channels ------------------------------------------------------------------------------
    @hookimpl
    def register_channels(self) -> list[Channel]:
        return [Channel(CHANNEL, "Démo de tous les hooks", GROUP_MONSISRA, "chat", order=90,
                        description="Canal de test : chaque hook y laisse une trace.")]

    @hookimpl
    def compose_form(self, channel: str, account: Any, patient: Any) -> list[FormField]:
        if channel != CHANNEL:
            return []
        subject = f"Au sujet de {patient.first_name} {patient.birth_name}" if patient else None
        return [FormField("members", "person", "Participants", required=True, many=True, order=10),
                FormField("patient", "patient", "Patient", order=20),
                FormField("subject", "text", "Objet", required=True, default=subject, order=30,
                          placeholder=f"Écrit par {account.full_name}" if account else ""),
                FormField("body", "message", "Message", order=40)]

    @hookimpl
    def validate(self, channel: str, draft: dict[str, Any]) -> dict[str, str] | None:
        if channel == CHANNEL and REFUSED in (draft.get("body") or ""):
            return {"body": REFUSED_MESSAGE}
        return None

    @hookimpl
    def deliver(self, channel: str, exchange: Any, message: Any, draft: dict[str, Any],
                context: SendContext) -> bool | None:
        if channel != CHANNEL:
            return None
        self.delivered_messages.append(message.id if message is not None else None)
        note = HookDemoNote.create(exchange_id=exchange.id, message_id=message.id if message else None,
                                   text=(draft.get("body") or "")[:200])
        context.enqueue(PUSH_JOB, {"note": note.id})
        context.publish(DELIVERED.name, exchange.id, {"note": note.id})
        if message is not None:  # what a channel adds to the message must reach members live
            message.data = {**(message.data or {}), "hook_demo_note": note.id}
            message.save(only=[type(message).data])
        if CRASH in (draft.get("body") or ""):
            raise RuntimeError("hook_demo: simulated failure after writing")
        return True

    @hookimpl
    def synthesize(self, channel: str, exchange: Any, messages: list[Any]) -> SynthesisDocument | None:
        if channel != CHANNEL:
            return None
        items = "".join(f"<li>{html.escape(m.body)}</li>" for m in messages)
        return SynthesisDocument(title=f"Synthèse : {exchange.subject}",
                                 html=f"<html><head><meta charset='utf-8'></head><body>"
                                      f"<h1>{html.escape(exchange.subject)}</h1><ul>{items}</ul></body></html>",
                                 filename=f"synthese-{exchange.id}.pdf")

    # --- hospital software ----------------------------------------------------------------------
    @hookimpl
    def register_connectors(self) -> list[Connector]:
        return [Connector(CONNECTOR, "Logiciel de démonstration")]

    @hookimpl
    def integrate(self, document: Any, patient: Any, target: str, account: Any) -> IntegrationReceipt | None:
        if target != CONNECTOR:
            return None
        if patient is None:
            return IntegrationReceipt(CONNECTOR, ok=False,
                                      message="Choisissez un patient : le logiciel classe les documents par patient.")
        return IntegrationReceipt(CONNECTOR, ok=True, message="Document versé dans le logiciel de démonstration.",
                                  reference=f"DEMO-{patient.id}-{document.sha256[:8]}")

    # --- hosting --------------------------------------------------------------------------------
    @hookimpl
    def register_models(self) -> list[type]:
        return [HookDemoNote]

    @hookimpl
    def register_migrations(self) -> list[MigrationSet]:
        return [MigrationSet("hook_demo", MIGRATIONS)]

    @hookimpl
    def register_blueprints(self) -> list[Blueprint]:
        return [_notes_blueprint()]

    @hookimpl
    def register_jobs(self) -> list[JobType]:
        return [JobType(PUSH_JOB, push_note, max_attempts=3)]

    @hookimpl
    def register_services(self) -> list["DemoService"]:
        return [self.service]

    @hookimpl
    def register_event_types(self) -> list[EventType]:
        return [DELIVERED, ECHOED]

    @hookimpl
    def socket_message(self, account: Any, message: dict[str, Any]) -> dict[str, Any] | None:
        if message["type"] != ECHO:
            return None
        exchange_id, text = message.get("exchange_id"), message.get("text")
        if not isinstance(exchange_id, int) or not isinstance(text, str) or not can_see(account.id, exchange_id):
            return {"type": ECHO_REFUSED}
        publish_on_commit(Event.for_exchange(ECHOED.name, exchange_id, {"text": text, "account": account.id}))
        return {"type": ECHO_OK}

    @hookimpl
    def video_room(self, exchange: Any, call_key: str, account: Any) -> VideoRoom | None:
        if exchange.channel != CHANNEL:
            return None
        return VideoRoom("hook_demo", f"{VIDEO_ROOMS}/{call_key}?pour={account.id}", "Visio de démonstration")

    @hookimpl
    def on_event(self, event: Event) -> None:
        self.events.append((event.type, event.exchange_id, current_relais().database.in_transaction()))
        self.event_data.append(event.data)

    @hookimpl
    def exchange_actions(self, exchange: Any) -> list[ExchangeAction]:
        if exchange.channel != CHANNEL:
            return []
        return [ExchangeAction("hook_demo_ping", "Relancer", f"/hook_demo/exchanges/{exchange.id}/ping", order=50)]

    @hookimpl
    def exchange_panels(self, exchange: Any, account: Any) -> list[ExchangePanel]:
        if exchange.channel != CHANNEL:
            return []
        count = HookDemoNote.select().where(HookDemoNote.exchange_id == exchange.id).count()
        return [ExchangePanel("hook_demo_notes", "Notes de démonstration", text=f"{count} note(s) enregistrée(s)",
                              level="info", data={"notes": count, "viewer": account.id})]

    # --- pages: this module's folder (tests/support) is the plugin's; its files are in static/hook_demo/ ---
    @hookimpl
    def page_assets(self, page: str, account: Any) -> list[PageAsset]:
        if page != "inbox" or account is None:
            return []
        return [PageAsset(ASSET_SCRIPT), PageAsset(ASSET_STYLE), PageAsset(ASSET_EARLY_STYLE, order=10),
                PageAsset(ASSET_MISSING)]

    @hookimpl
    def menu_links(self, account: Any) -> list[MenuLink]:
        return [MenuLink("hook_demo_help", "Aide de la démo", "/hook_demo/aide", order=20),
                MenuLink("hook_demo_notes", f"Notes de {account.first_name}", "/hook_demo/notes", space="chat",
                         section="Démo", count_url="/hook_demo/count", order=10),
                MenuLink("hook_demo_admin", "Réglages de la démo", "/hook_demo/reglages", space="chat",
                         section="Administration", admin=True, count_url="/hook_demo/count", count_key="held")]

    # --- administration: a block on each structure's page ---
    @hookimpl
    def structure_admin_sections(self, structure: Any, account: Any) -> list[Any]:
        from kernel import StructureSection

        return [StructureSection("hook_demo_structure", "Démo de la structure",
                                 f"{structure.display_name}\nvue par {account.login}",
                                 links=(("Aide de la démo", "/hook_demo/aide"),))]


class CopyToSoftwareAddon:
    """Adds "send a copy to my software" to every channel, and refuses it without a patient."""

    @hookimpl
    def compose_form(self, channel: str) -> list[FormField]:
        return [FormField(COPY_FIELD, "checkbox", "Envoyer une copie à mon logiciel", order=90)]

    @hookimpl
    def validate(self, draft: dict[str, Any]) -> dict[str, list[str]] | None:
        if draft.get(COPY_FIELD) and draft.get("patient") is None:
            return {COPY_FIELD: [COPY_NEEDS_PATIENT]}
        return None
