"""The dpi_fhir plugin's hooks (being built)."""
