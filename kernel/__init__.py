"""Relais Santé kernel. Plugin authors import what they need from here, never pluggy itself."""
from .app import create_app
from .auth import api_login_required, current_account
from .db import BaseModel, JSONField, utcnow, write_transaction
from .services.acting_as import audience, can_see
from .channel import GROUP_MES, GROUP_MONSISRA, GROUP_MSSANTE, Channel, FormField
from .exchange_ui import ExchangeAction, ExchangePanel
from .hookspecs import hookimpl
from .integration import Connector, IntegrationReceipt, SynthesisDocument
from .migrate import MigrationSet
from .relais import current_relais
from .services.events import Event
from .services.jobs import JobType
from .services.sending import SendContext

__all__ = [
    "create_app", "hookimpl", "current_relais", "Channel", "FormField", "GROUP_MONSISRA", "GROUP_MSSANTE",
    "GROUP_MES", "ExchangeAction", "ExchangePanel", "Connector", "IntegrationReceipt", "SynthesisDocument",
    "MigrationSet", "Event", "JobType", "SendContext", "api_login_required", "current_account", "BaseModel",
    "JSONField", "utcnow", "write_transaction", "audience", "can_see",
]
