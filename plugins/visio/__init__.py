"""Video calls with an exchange's members: WebRTC mesh signalled over the platform's websocket (VISIO-1)."""
