"""The dpi_hl7 plugin's hooks (being built)."""
