"""The establishments' HL7 software this platform pushes into: one instance per ``[[plugin.dpi_hl7.instances]]``.

Read from the plugin's settings (docs/connectors.md). In the demo (kernel setting ``demo``) with no instance
configured, one demo instance points at the plugin's own test software on loopback (demo.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kernel import BadConnectorInstance, Connector, connector_instances, instance_scope

PLUGIN = "dpi_hl7"
DEMO = "demo"


@dataclass(frozen=True)
class Instance:
    """One MLLP endpoint of one establishment's software."""

    key: str                        # "chu_lyon": the connector is "dpi_hl7.chu_lyon"
    label: str                      # "DPI du CHU de Lyon"
    host: str
    port: int | None                # None: the demo software's port, known once it listens
    targets: tuple[str, ...] = ("logiciel",)
    structures: tuple[str, ...] = ()           # FINESS of the structures whose members may use it
    sending_application: str = "RELAIS_SANTE"
    sending_facility: str = ""                 # MSH-4: the platform's FINESS or name, as the software knows it
    receiving_application: str = ""            # MSH-5
    receiving_facility: str = ""               # MSH-6: the establishment's FINESS
    ack_timeout_seconds: float = 10.0
    tls: bool = False                          # MLLP inside TLS (the establishment's certificate checked)
    ca_file: str = ""
    cert_file: str = ""                        # client certificate, when the software asks for one
    key_file: str = ""
    document_type: str = "CR"                  # TXA-2
    document_code: str = "11488-4"             # OBX-3, LOINC
    document_code_label: str = "Note de consultation"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def connector_name(self) -> str:
        return f"{PLUGIN}.{self.key}"

    def connector(self) -> Connector:
        return Connector(self.connector_name, self.label, self.targets, self.structures)


def instances() -> dict[str, Instance]:
    """The configured instances by connector name (the demo's when it runs without any)."""
    return {i.connector_name: i for i in connector_instances(PLUGIN, _instance, _demo)}


def _demo() -> Instance:
    return Instance(DEMO, "Logiciel de démonstration (HL7)", "127.0.0.1", None, receiving_application="LOGICIEL_DEMO")


def _instance(item: dict[str, Any]) -> Instance:
    try:
        key, label, host = str(item["key"]), str(item["label"]), str(item["host"])
        port = int(item["port"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadConnectorInstance(f"dpi_hl7 instance {item.get('key', '?')!r}: key, label, host and port are "
                                   f"required ({exc})") from exc
    targets, structures = instance_scope(PLUGIN, item)
    known = {f for f in Instance.__dataclass_fields__} - {"key", "label", "host", "port", "targets", "structures", "extra"}
    options = {name: item[name] for name in known if name in item}
    if "ack_timeout_seconds" in options:
        options["ack_timeout_seconds"] = float(options["ack_timeout_seconds"])
    if "tls" in options and isinstance(options["tls"], str):
        options["tls"] = options["tls"].strip().lower() in ("1", "true", "yes", "on", "oui")
    return Instance(key, label, host, port, targets, structures, **options)
