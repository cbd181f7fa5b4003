"""The usager plugin's hooks (being built)."""
