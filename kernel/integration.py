"""Hospital software (DPI) connectors: what they declare and what they answer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Connector:
    """A software a document can be pushed into (``integrate``'s ``target``)."""

    name: str
    label: str


@dataclass(frozen=True)
class IntegrationReceipt:
    """What a connector did with a document: ``ok`` or not, and a French sentence for the user."""

    connector: str
    ok: bool
    message: str
    reference: str = ""


@dataclass(frozen=True)
class SynthesisDocument:
    """The HTML a channel builds for a synthesis; the kernel renders it to PDF and stores it."""

    title: str
    html: str
    filename: str
