"""A real HTTP server around a Flask app, for browser and websocket tests: the testing kit's (kernel.testing)."""
from kernel.testing.live import LiveServer, LiveSocket, next_event

__all__ = ["LiveServer", "LiveSocket", "next_event"]
