"""Relais Santé kernel: the public plugin API. Plugins import what they need from here, never pluggy itself.

The modules a plugin may import are ``kernel`` (this one), ``kernel.models``, ``kernel.mail``,
``kernel.schemas`` and ``kernel.testing``; an import-linter contract enforces it (docs/plugins.md,
"The public plugin API"). Everything else in the kernel may change without notice.
"""
from .app import create_app
from .auth import api_login_required, current_account
from .channel import GROUP_MES, GROUP_MONSISRA, GROUP_MSSANTE, Channel, FormField
from .db import BaseModel, JSONField, on_commit, utcnow, write_transaction
from .directory.text import fold
from .event_types import EventType
from .exchange_ui import ExchangeAction, ExchangePanel
from .hookspecs import hookimpl
from .ins import INS_OIDS, OID_INS_NIA, OID_INS_NIR, Ins, InvalidIns, typing_description, typing_problem
from .connector_jobs import SoftwareUnreachable, SoftwareUntrusted, enqueue_push, give_up_push, run_push
from .connector_settings import BadConnectorInstance, connector_instances, instance_scope
from .integration import TARGETS, Connector, IntegrationReceipt, SynthesisDocument
from .json import iso_utc
from .migrate import MigrationSet
from .relais import Relais, current_relais
from .services.acting_as import audience, can_see, identities_for, member_identity_for, visible_exchanges
from .services.audit import request_summary
from .services.behalf import acted_for_labels
from .services.consultations import consults_exchange, note_consultation
from .services.delegations import delegate_counts
from .models.roles import may_administer
from .services.events import Event, publish_on_commit
from .services.patients import known_patient, same_traits
from .services.integration import (NoConnector, available_connectors, available_targets, integrate_document,
                                   report_integration)
from .services.jobs import JobType
from .services.sending import SendContext, SendRejected, flatten_errors
from .services.system_messages import post_system_message
from .services.threads import members_of, patient_summary, summary, unread_counts
from .ui import MenuLink, PageAsset
from .admin_ui import StructureSection
from .video_room import VideoRoom

__all__ = [
    # the app and the hook marker
    "create_app", "hookimpl", "current_relais", "Relais",
    # what hooks return or receive
    "Channel", "FormField", "GROUP_MONSISRA", "GROUP_MSSANTE", "GROUP_MES", "ExchangeAction", "ExchangePanel",
    "Connector", "IntegrationReceipt", "SynthesisDocument", "MigrationSet", "Event", "EventType", "JobType",
    "SendContext", "SendRejected", "flatten_errors", "PageAsset", "MenuLink", "VideoRoom", "StructureSection",
    # hospital software (DPI): where an account may push documents, what a connector's job learnt
    "TARGETS", "available_connectors", "available_targets", "report_integration", "integrate_document", "NoConnector",
    # connector plugins: their configured instances, read alike
    "connector_instances", "instance_scope", "BadConnectorInstance",
    # connector plugins: their push job's frame
    "enqueue_push", "run_push", "give_up_push", "SoftwareUnreachable", "SoftwareUntrusted",
    # what takes effect when the transaction commits
    "publish_on_commit", "on_commit", "post_system_message",
    # routes: who is asking, what they may see
    "api_login_required", "current_account", "audience", "can_see", "identities_for", "member_identity_for",
    "visible_exchanges", "request_summary",
    # « Qui a consulté ? »: a route that shows an exchange's content is audited as a consultation
    "consults_exchange", "note_consultation",
    # the administration's roles: administrators and directory managers manage structures
    "may_administer",
    # exchanges as the API shows them
    "members_of", "summary", "patient_summary", "unread_counts",
    # patients: the INS matricule (parse, decode, Mon Espace Santé address), a patient in the account's care
    "Ins", "InvalidIns", "typing_problem", "typing_description", "known_patient", "OID_INS_NIA", "OID_INS_NIR", "INS_OIDS", "same_traits",
    # database and small helpers
    "BaseModel", "JSONField", "utcnow", "write_transaction", "iso_utc", "fold",
    # documents (PDFs) that name messages' authors: « pour le compte de Dr BERNARD », as the thread says it
    "acted_for_labels",
    # who reads for an identity today: delegations in force, not suspended, their delegates active
    "delegate_counts",
]
