"""The jitsi plugin's hooks (being built)."""
