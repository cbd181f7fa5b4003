"""The visio plugin's live events (declared with register_event_types; README.md lists them)."""
from __future__ import annotations

from kernel import EventType

STARTED = EventType(
    "visio.started", "A video call started in an exchange: its members' pages ring.",
    fields={"call": "the call's id", "subject": "the exchange's subject",
            "started_by": "{id, name} of the account that started it", "provider": '"webrtc" or an outside service'})
JOINED = EventType(
    "visio.joined", "A page joined a call (the others then expect its offer).",
    fields={"call": "the call's id", "peer": "the page's id in the call", "account": "{id, name}"})
LEFT = EventType(
    "visio.left", "A page left a call (hung up, closed, or silent for too long).",
    fields={"call": "the call's id", "peer": "the page's id in the call", "account": "{id, name}"})
DECLINED = EventType(
    "visio.declined", "A member declined the invitation to a call.",
    fields={"call": "the call's id", "account": "{id, name}"})
ENDED = EventType(
    "visio.ended", "A call ended: nobody was left in it.",
    fields={"call": "the call's id", "duration_seconds": "how long it lasted"})
SIGNAL = EventType(
    "visio.signal", "WebRTC signalling from one page of a call to another (only to the target page's account).",
    fields={"call": "the call's id", "from": "the sending page's peer id", "to": "the target page's peer id",
            "signal": '{"kind": "offer" | "answer", "sdp": ...}, as the sending page wrote it'})

EVENT_TYPES = [STARTED, JOINED, LEFT, DECLINED, ENDED, SIGNAL]
