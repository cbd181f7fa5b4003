"""The kernel's data model. Plugins add their own models through the ``register_models`` hook."""
from .account import Account, ApiToken, Delegation, LoginAttempt
from .attachment import Attachment
from .audit import AuditEvent
from .exchange import CHAT, MAIL, Exchange, Membership, Message, MessageAttachment, OpenedMark, ReadReceipt
from .identity import PERSON, STRUCTURE, Identity, MailAddress
from .job import Job
from .patient import Patient, PatientUse

KERNEL_MODELS = (
    Identity, MailAddress, Account, Delegation, ApiToken, LoginAttempt, Patient, PatientUse, Attachment,
    Exchange, Membership, Message, MessageAttachment, ReadReceipt, OpenedMark, AuditEvent, Job,
)

__all__ = [m.__name__ for m in KERNEL_MODELS] + ["KERNEL_MODELS", "CHAT", "MAIL", "PERSON", "STRUCTURE"]
