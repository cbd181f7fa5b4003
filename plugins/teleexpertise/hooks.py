"""The teleexpertise plugin's hooks (being built)."""
