"""Hospital software (DPI) connectors: what they declare and what they answer."""
from __future__ import annotations

from dataclasses import dataclass

# Where a document can be pushed (DOC-2): the user's own software, the regional patient record
# ("Mes Patients"), the national one (DMP, "Mon espace santé").
SOFTWARE, REGIONAL_RECORD, NATIONAL_RECORD = "logiciel", "dossier_regional", "dmp"
TARGETS: dict[str, str] = {
    SOFTWARE: "Mon logiciel",
    REGIONAL_RECORD: "Dossier régional (Mes Patients)",
    NATIONAL_RECORD: "Dossier médical partagé (DMP)",
}


@dataclass(frozen=True)
class Connector:
    """A software a document can be pushed into: one configured instance of a connector plugin.

    :param name: unique across plugins (``integrate``'s ``target``): ``"<plugin>.<instance>"``.
    :param label: what users see: ``"DPI du CHU (HL7)"``.
    :param targets: what it serves among ``TARGETS`` (``"logiciel"``, ``"dossier_regional"``, ``"dmp"``).
    :param structures: FINESS numbers of the structures whose members may use it; empty: every account.
    """

    name: str
    label: str
    targets: tuple[str, ...] = (SOFTWARE,)
    structures: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntegrationReceipt:
    """What a connector did with a document: ``ok`` or not, and a French sentence for the user.

    ``pending``: the push is under way (a job was enqueued); its outcome comes later through
    ``kernel.report_integration``.
    """

    connector: str
    ok: bool
    message: str
    reference: str = ""
    pending: bool = False


@dataclass(frozen=True)
class SynthesisDocument:
    """The HTML a channel builds for a synthesis; the kernel renders it to PDF and stores it."""

    title: str
    html: str
    filename: str
