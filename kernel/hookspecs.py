"""Every hook a Relais Santé plugin can implement: the whole plugin API, in one place.

Hooks are called with keyword arguments only; an implementation may accept any subset of them.
Each hook says what to return. docs/plugins.md documents each one with this exact signature
(a test keeps both in sync).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    from email.message import EmailMessage

    import click
    from flask import Blueprint

    from .channel import Channel, FormField
    from .event_types import EventType
    from .exchange_ui import ExchangeAction, ExchangePanel
    from .ui import MenuLink, PageAsset
    from .admin_ui import StructureSection
    from .integration import Connector, IntegrationReceipt, SynthesisDocument
    from .migrate import MigrationSet
    from .models import Account, Attachment, Exchange, Identity, Integration, Message, Patient
    from .server import Service
    from .services.events import Event
    from .services.jobs import JobType
    from .services.sending import SendContext
    from .video_room import VideoRoom

PROJECT = "relais"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Channels ---------------------------------------------------------------------------------

@hookspec
def register_channels() -> list[Channel]:
    """Return the channels this plugin owns (name, label, group, space, order). Since 0.1."""


@hookspec
def compose_form(channel: str, account: Account | None, patient: Patient | None) -> list[FormField]:
    """Return fields for ``channel``'s single screen: the owner its base fields, others additions.

    :param channel: the channel's name; return ``[]`` for channels you add nothing to.
    :param account: the account opening the screen (defaults may depend on it); None when the kernel
        describes the channel in the OpenAPI document.
    :param patient: the patient pre-selected on the screen, if any (e.g. to pre-fill a subject).
    Since 0.1.
    """


@hookspec
def validate(channel: str, draft: dict[str, Any], account: Account, acting_as: Identity,
             exchange: Exchange | None) -> dict[str, str | list[str]] | None:
    """Return French error messages by field name for a draft about to be sent, or None.

    Every plugin is asked for every channel; any error blocks the send and nothing is stored.
    :param draft: the deserialised fields (``members`` and ``attachments`` as lists of ids).
    :param exchange: None for a new exchange, else the exchange being replied to.
    Since 0.1.
    """


@hookspec(firstresult=True)
def deliver(channel: str, exchange: Exchange, message: Message | None, draft: dict[str, Any],
            context: SendContext) -> bool | None:
    """Move a message the kernel has just stored; return True if you own ``channel``, else None.

    ``message`` is None when an exchange starts without body or attachment.
    Runs inside the send's database transaction: write rows, enqueue jobs with
    ``context.enqueue(...)`` and live events with ``context.publish(...)`` (sent after commit).
    Never talk to the network here: leave the network to a job (transactional outbox).
    Since 0.1.
    """


@hookspec(firstresult=True)
def synthesize(channel: str, exchange: Exchange, messages: list[Message],
               account: Account) -> SynthesisDocument | None:
    """Build the synthesis of ``exchange`` from the chosen ``messages`` as HTML, or None if not yours.

    The kernel renders the HTML to PDF (pdfkit + wkhtmltopdf) and stores it as an attachment.
    Since 0.1.
    """


# --- Hospital software (DPI) --------------------------------------------------------------------

@hookspec
def register_connectors() -> list[Connector]:
    """Return the hospital-software connectors this plugin offers as ``integrate`` targets.

    One ``Connector`` per configured instance: its ``targets`` (``"logiciel"``, ``"dossier_regional"``,
    ``"dmp"``) and the FINESS of the ``structures`` whose members may use it (empty: everyone). Since 0.1
    (``targets`` and ``structures`` since 0.3).
    """


@hookspec
def integrate(document: Attachment, patient: Patient | None, target: str, account: Account,
              exchange: Exchange | None, integration: Integration | None) -> IntegrationReceipt | None:
    """Push ``document`` into the software named ``target``; return a receipt if ``target`` is yours.

    ``exchange`` is where the document comes from, when it comes from one. ``integration`` is the
    kernel's record of this push (its ``id`` is stable across retries: use it as the message id the
    software deduplicates by). Runs inside the record's transaction: a connector that talks to the
    network enqueues a job there and answers ``IntegrationReceipt(..., ok=True, pending=True)``; the job
    reports the outcome with ``kernel.report_integration``. Since 0.1 (``integration`` since 0.3).
    """


# --- Hosting: what the kernel needs to host a plugin ------------------------------------------

@hookspec
def register_models() -> list[type]:
    """Return the peewee models this plugin stores (subclasses of ``kernel.db.BaseModel``). Since 0.1."""


@hookspec
def register_migrations() -> list[MigrationSet]:
    """Return this plugin's migration folders (``MigrationSet(namespace, directory)``). Since 0.1."""


@hookspec
def register_blueprints() -> list[Blueprint]:
    """Return Flask blueprints to mount (pages, API routes). URLs should start with the plugin name.

    Since 0.1.
    """


@hookspec
def register_jobs() -> list[JobType]:
    """Return the job types this plugin runs (``JobType(name, handler, every=None, cron=None)``).

    Since 0.1.
    """


@hookspec
def register_services() -> list[Service]:
    """Return components that run beside the web server for the platform's lifetime (an SMTP receiver...).

    Each has a ``name``, ``start()`` (returns once it runs in the background; called in an app context)
    and ``stop()`` (must not raise). ``relais serve`` and ``relais demo`` start them; tests may too.
    Since 0.1.
    """


@hookspec
def on_event(event: Event) -> None:
    """React to an event after its transaction committed (``event.type``, ``event.exchange_id``...).

    Since 0.1.
    """


@hookspec(firstresult=True)
def socket_message(account: Account, message: dict[str, Any]) -> dict[str, Any] | bool | None:
    """Handle a message a signed-in page sent up its live socket (``WS /ws``); None if its type is not yours.

    :param account: the socket's account; its credential and rights were re-checked just before.
    :param message: the decoded JSON object; ``message["type"]`` is a string, start yours with your plugin's
        name. Check everything else: it comes from the browser.
    Return a dict to answer that socket alone (``{"type": ...}``), or True when there is nothing to answer.
    Reach other accounts with ``publish_on_commit`` (their sockets, on every instance). Since 0.3.
    """


@hookspec(firstresult=True)
def video_room(exchange: Exchange, call_key: str, account: Account) -> VideoRoom | None:
    """Host a video call of ``exchange`` on an outside service: return ``account``'s room, or None.

    :param call_key: the call's unguessable key (the same for every participant of that call); make the room's
        name from it.
    Asked by the plugin offering visios each time someone joins a call; when no plugin answers, the call
    uses the built-in WebRTC mesh. Since 0.3.
    """


@hookspec
def exchange_actions(exchange: Exchange, account: Account) -> list[ExchangeAction]:
    """Return the buttons to offer on ``exchange`` to ``account`` (start a visio, push to software...).

    Since 0.1.
    """


@hookspec
def exchange_panels(exchange: Exchange, account: Account) -> list[ExchangePanel]:
    """Return blocks to show above the thread of ``exchange`` (status banner, prerequisites). Since 0.1."""


# --- Pages: what a plugin adds to the shell's pages ---------------------------------------------

@hookspec
def page_assets(page: str, account: Account | None) -> list[PageAsset]:
    """Return the scripts (ES modules) and styles to add to a page of the shell, or ``[]``.

    :param page: the page's name: ``"inbox"``, ``"thread"``, ``"compose"``, ``"patient"``, ``"login"``,
        ``"error"``, or the name a plugin gives its own page (``render_template(..., page=...)``).
    :param account: the signed-in account; None on the login and error pages of anonymous visitors.
    Paths are relative to the plugin's ``static/`` folder; the kernel serves them under the plugin's
    versioned prefix. Styles come after the shell's; scripts run before the page's own script, so they
    can fill the browser-side registry of ``relais/extensions.js`` first. Since 0.2.
    """


@hookspec
def menu_links(account: Account) -> list[MenuLink]:
    """Return links for the shell's menus: the top bar, or a space's side navigation of the inbox.

    :param account: the signed-in account; links marked ``admin`` are shown to administrators only.
    A link may carry a badge: ``count_url`` answers JSON with the number under ``count_key``.
    Since 0.2.
    """


# --- Command line ------------------------------------------------------------------------------

@hookspec
def register_commands() -> list[click.Command]:
    """Return ``click`` commands to add to the ``relais`` command line (``relais <name> ...``), or ``[]``.

    Asked when the command line starts, of the plugins the configuration enables, without an app or a
    database (a command that needs the platform opens it itself; one that talks to a running platform over
    HTTP needs neither). A name the kernel's commands use, or an earlier plugin's, is ignored (and logged).
    Help and messages in French. Since 0.3.
    """


# --- Mail: what a plugin reads in received mail ----------------------------------------------

@hookspec
def mail_received(exchange: Exchange, message: Message, mail: EmailMessage, created: bool) -> None:
    """A mail was just filed in a mailbox's mail space: read it and annotate what the kernel stored.

    :param exchange: its thread, saved (``created``: the mail started it); its ``data["mail"]`` is the kernel's.
    :param message: the stored message (kind ``mail``, ``data["mail"]`` filled, attachments linked).
    :param mail: the parsed mail (``email.message.EmailMessage``), attachments included.
    :param created: whether the thread is new.
    Called inside the receiving transaction, after the kernel's writes, for every mail filed (acknowledgements
    are not): a plugin may add its own keys to the message's and the exchange's ``data``, set the exchange's
    ``subject`` and ``patient``, and save them; it must not send or publish. A plugin that raises is logged and
    skipped, the mail is stored all the same. Return nothing. Since 0.3.
    """


@hookspec
def seed_demo(accounts: dict[str, Account], structure: Identity, patients: list[Patient]) -> None:
    """Add this plugin's demo data, so that ``relais demo`` shows its channel working at once.

    :param accounts: the demo's professionals by login (``julie.bernard``, ``sophie.laurent``...).
    :param structure: the demo's coordination structure (its delegates act for it).
    :param patients: the demo's patients, in the care of every demo professional.
    Called by ``relais demo`` inside the demo's transaction, after the kernel's own data, on every start:
    add only what is missing (a second start must add nothing). Since 0.3.
    """


@hookspec
def register_event_types() -> list[EventType]:
    """Return the live event types this plugin publishes (``EventType(name, description, fields, optional)``).

    Publishing a type nobody declared, or data without a declared field, fails in tests and is
    logged as an error in production. Since 0.2.
    """


# --- Administration: what a plugin adds to the structure pages --------------------------------

@hookspec
def structure_admin_sections(structure: Identity, account: Account) -> list[StructureSection]:
    """Return blocks for the administration page of ``structure`` (a hospital department, a coordination team).

    :param structure: the structure (an ``Identity`` of kind ``structure``).
    :param account: the administrator or directory manager looking at it.
    Each ``StructureSection(name, title, text, links)`` shows plain text and links to the plugin's own pages
    for that structure (its expert profile...). Every plugin's blocks are shown, by ``order``. Since 0.4.
    """
