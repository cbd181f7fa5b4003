"""The visio plugin's payloads: a page's own id in a call, and a WebRTC description sent up the live socket."""
from __future__ import annotations

from kernel import schemas as f

PEER_LENGTH = 40


class PeerSchema(f.FrenchSchema):
    """``POST /visio/api/appels/<id>/quitter`` and ``.../presence``: which page of the account."""

    peer = f.String(required=True, validate=f.length(PEER_LENGTH, 1))


class SignalSchema(f.FrenchSchema):
    """A session description, as the sending page wrote it: plain SDP, or deflated then base64-encoded
    (a description with its candidates is several kilobytes; a socket frame is ``ws_max_message_bytes``)."""

    kind = f.String(required=True, validate=f.one_of(("offer", "answer")))
    sdp = f.String(required=True, validate=f.length(16000, 1))
    encoding = f.String(load_default="plain", validate=f.one_of(("plain", "deflate")))


class SocketSignalSchema(f.FrenchSchema):
    """``{"type": "visio.signal", "call", "from", "to", "signal"}`` sent up ``WS /ws`` by a page in a call."""

    type = f.String(required=True)
    call = f.Integer(required=True)
    from_ = f.String(required=True, data_key="from", validate=f.length(PEER_LENGTH, 1))
    to = f.String(required=True, validate=f.length(PEER_LENGTH, 1))
    signal = f.Nested(SignalSchema, required=True)
