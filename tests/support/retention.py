"""Retention tests' platform and exchanges: conversations of the test channel kept 30 days, an exchange started
through the API with its files, then aged past its period."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterator

import pytest

from kernel.db import utcnow
from kernel.models import Attachment, Exchange
from support.factories import bearer, make_account, make_patient


@pytest.fixture
def retention_app(make_app: Any, backend: str) -> Iterator[Any]:
    """An app (inside its context) whose test-channel exchanges are kept 30 days, every other one without limit."""
    app = make_app(backend, retention_days={"default": 0, "test_chat": 30})
    with app.app_context():
        yield app


def upload(client: Any, account: Any, content: bytes, name: str) -> int:
    r = client.post("/api/v1/attachments", headers=bearer(account), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(content), name)})
    assert r.status_code == 201, r.json
    return r.json["attachment"]["id"]


def start(client: Any, alice: Any, bob: Any, patient: Any, subject: str, attachments: list[int]) -> int:
    r = client.post("/api/v1/channels/test_chat/exchanges", headers=bearer(alice), json={
        "acting_as": alice.identity_id, "members": [bob.identity_id], "subject": subject, "patient": patient.id,
        "body": "Bonjour", "attachments": attachments})
    assert r.status_code == 201, r.json
    return r.json["exchange"]["id"]


def age(exchange_id: int, days: int) -> None:
    """Make the exchange's last message ``days`` old."""
    Exchange.update(last_message_at=utcnow() - dt.timedelta(days=days)).where(Exchange.id == exchange_id).execute()


def expired_exchange_with_a_file(app: Any) -> tuple[int, int, Path]:
    """An exchange from alice to bob with one file, a day past its period: its id, the attachment's, the file's
    path."""
    client = app.test_client()
    alice, bob = make_account("alice"), make_account("bob")
    attachment = upload(client, alice, b"piece unique", "piece.txt")
    old = start(client, alice, bob, make_patient(in_care_of=alice), "Ancien", [attachment])
    age(old, 31)
    return old, attachment, app.extensions["relais"].attachments.path_for(Attachment.get_by_id(attachment).sha256)
