"""The FHIR endpoints this platform pushes into: one instance per ``[[plugin.dpi_fhir.instances]]``.

The same connector serves an establishment's software and the regional record ("Mes Patients"): only the
URL, the targets and the authentication change. In the demo (kernel setting ``demo``) with no instance
configured, one demo instance points at the plugin's own test endpoint on loopback (demo.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kernel import BadConnectorInstance, Connector, connector_instances, instance_scope

PLUGIN = "dpi_fhir"
DEMO = "demo"
ATTACHMENT, BINARY = "attachment", "binary"


@dataclass(frozen=True)
class Instance:
    key: str                      # "mes_patients": the connector is "dpi_fhir.mes_patients"
    label: str                    # "Mes Patients (dossier régional)"
    base_url: str                 # "https://fhir.example.org/R4"; empty: the demo endpoint, once it listens
    targets: tuple[str, ...] = ("logiciel",)
    structures: tuple[str, ...] = ()
    content: str = ATTACHMENT     # "attachment": the PDF inside the DocumentReference; "binary": a Binary + its url
    token: str = ""               # bearer token (Authorization: Bearer ...)
    ca_file: str = ""             # the server's CA, when not the system's
    cert_file: str = ""           # client certificate (mutual TLS)
    key_file: str = ""
    timeout_seconds: float = 15.0
    type_code: str = "11488-4"    # DocumentReference.type, LOINC
    type_display: str = "Note de consultation"
    custodian_finess: str = ""    # the establishment, when the endpoint wants it named

    @property
    def connector_name(self) -> str:
        return f"{PLUGIN}.{self.key}"

    def connector(self) -> Connector:
        return Connector(self.connector_name, self.label, self.targets, self.structures)


def instances() -> dict[str, Instance]:
    """The configured instances by connector name (the demo's when it runs without any)."""
    return {i.connector_name: i for i in connector_instances(PLUGIN, _instance, _demo)}


def _demo() -> Instance:
    return Instance(DEMO, "Mes Patients (dossier régional de démonstration)", "", targets=("dossier_regional",),
                    token="demo")


def _instance(item: dict[str, Any]) -> Instance:
    try:
        key, label, base_url = str(item["key"]), str(item["label"]), str(item["base_url"]).rstrip("/")
    except KeyError as exc:
        raise BadConnectorInstance(f"dpi_fhir instance {item.get('key', '?')!r}: key, label and base_url are required "
                                   f"({exc})") from exc
    if not base_url.startswith(("https://", "http://")):
        raise BadConnectorInstance(f"dpi_fhir instance {key!r}: base_url must be an http(s) URL")
    targets, structures = instance_scope(PLUGIN, item)
    if item.get("content", ATTACHMENT) not in (ATTACHMENT, BINARY):
        raise BadConnectorInstance(f"dpi_fhir instance {key!r}: content is {ATTACHMENT!r} or {BINARY!r}")
    known = set(Instance.__dataclass_fields__) - {"key", "label", "base_url", "targets", "structures"}
    options = {name: item[name] for name in known if name in item}
    if "timeout_seconds" in options:
        options["timeout_seconds"] = float(options["timeout_seconds"])
    return Instance(key, label, base_url, targets, structures, **options)
