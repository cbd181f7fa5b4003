"""The document types a user chooses from (DOC-1): LOINC codes with their DMP class, shipped as data."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LOINC_OID = "2.16.840.1.113883.6.1"
CLASS_OID = "1.2.250.1.213.1.1.4.1"
_DATA = Path(__file__).parent / "data" / "document_types.json"


@dataclass(frozen=True)
class DocumentType:
    code: str  # LOINC
    label: str
    class_code: str
    class_label: str

    @property
    def choice_label(self) -> str:
        return f"{self.label} ({self.code})"


@lru_cache(maxsize=1)
def document_types() -> dict[str, DocumentType]:
    rows = json.loads(_DATA.read_text(encoding="utf-8"))["types"]
    return {r["code"]: DocumentType(r["code"], r["label"], r["class"], r["class_label"]) for r in rows}


def choices() -> tuple[tuple[str, str], ...]:
    return tuple((t.code, t.choice_label) for t in sorted(document_types().values(), key=lambda t: t.label))
