"""DPI connector: push documents into hospital software as HL7 v2.5 MDM^T02 over MLLP (DPI-1)."""
