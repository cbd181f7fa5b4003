"""The visio plugin's hooks (being built)."""
