"""DPI connector: push documents as FHIR R4 DocumentReference to a software or a regional record (DPI-1)."""
