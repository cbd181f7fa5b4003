"""Video calls through Jitsi Meet room links, an alternative visio provider (VISIO-1)."""
