"""The kernel's data model. Plugins add their own models through the ``register_models`` hook."""
from .account import Account, ApiToken, LoginAttempt
from .delegation import Delegation
from .attachment import Attachment
from .audit import AuditEvent
from .draft import Draft, IdempotentAnswer
from .directory import DIRECTORY_MODELS, DirectoryAddress, DirectoryEntry, DirectoryImport, DirectoryTerm
from .exchange import CHAT, MAIL, Exchange, Membership, Message, MessageAttachment, OpenedMark, ReadReceipt
from .identity import PERSON, STRUCTURE, Identity, MailAddress
from .integration import Integration
from .job import Job
from .live_event import LiveEvent
from .session import BrowserSession
from .password_reset import PasswordReset
from .patient import Patient, PatientCare, PatientUse
from ..mail.models import MAIL_MODELS  # the mail transport's tables (kernel/mail)

KERNEL_MODELS = (
    Identity, MailAddress, Account, Delegation, ApiToken, LoginAttempt, BrowserSession, Patient, PatientUse,
    PatientCare, Attachment, Exchange, Membership, Message, MessageAttachment, ReadReceipt, OpenedMark, AuditEvent, Job, LiveEvent,
    Integration, Draft, IdempotentAnswer, PasswordReset,
    *MAIL_MODELS, *DIRECTORY_MODELS,
)

__all__ = [m.__name__ for m in KERNEL_MODELS] + ["KERNEL_MODELS", "CHAT", "MAIL", "PERSON", "STRUCTURE"]
