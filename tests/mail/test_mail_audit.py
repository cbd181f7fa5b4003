"""The mail audit trail (STANDARDS.md): refused sends audited as mail events without content, and the
administrators' listing giving local timestamps with their offset."""
from __future__ import annotations

import datetime as dt

import pytest

from kernel.models import AuditEvent
from mail.mail_helpers import mail_app, publish_address
from support.factories import bearer, make_account

URL = "/api/v1/channels/mssante_mail/exchanges"


@pytest.fixture
def platform(make_app, backend):
    app = mail_app(make_app, backend, "a.mssante.fr", mail_relay_port=9)
    with app.app_context():
        yield app


def test_a_send_refused_under_mail2_is_audited_as_a_mail_event_without_content(platform):
    client = platform.test_client()
    dora = make_account("dora", "Dora", "Petit", profession="Secrétaire", eligible=False)
    publish_address("thomas@b.mssante.fr")
    r = client.post(URL, headers=bearer(dora), json={
        "acting_as": dora.identity_id, "recipients": ["thomas@b.mssante.fr", "inconnu@b.mssante.fr"],
        "subject": "Résultats de biopsie", "body": "Le patient présente un carcinome."})
    assert r.status_code == 422
    event = AuditEvent.get(AuditEvent.action == "mail.send.refused")
    assert (event.account_id, event.acting_as_id, event.outcome) == (dora.id, dora.identity_id, "refused")
    assert event.request["status"] == 422 and event.request["to"] == ["thomas@b.mssante.fr", "inconnu@b.mssante.fr"]
    assert set(event.request["errors"]) == {"acting_as", "recipients"}
    assert "biopsie" not in str(event.request) and "carcinome" not in str(event.request)


def test_the_mail_audit_listing_gives_local_time_with_its_offset(platform):
    client = platform.test_client()
    admin = make_account("admin", "Ada", "Admin")
    admin.is_admin = True
    admin.save()
    julie = make_account("julie", addresses=("julie@a.mssante.fr",))
    audit = platform.extensions["relais"].audit
    summer = audit.record("mail.delete", account_id=julie.id, target="exchange:1")
    winter = audit.record("mail.delete", account_id=julie.id, target="exchange:2")
    audit.record("login.ok", account_id=julie.id)  # not a mail event
    AuditEvent.update(at=dt.datetime(2026, 7, 1, 12, 0, 0)).where(AuditEvent.id == summer.id).execute()
    AuditEvent.update(at=dt.datetime(2026, 1, 15, 23, 30, 0)).where(AuditEvent.id == winter.id).execute()
    assert client.get("/mssante_mail/admin/audit", headers=bearer(julie)).status_code == 403
    body = client.get("/mssante_mail/admin/audit", headers=bearer(admin)).json
    assert body["timezone"] == "Europe/Paris"
    by_target = {e["target"]: e for e in body["events"]}
    assert set(by_target) == {"exchange:1", "exchange:2"}
    assert by_target["exchange:1"]["at"] == "2026-07-01T14:00:00.000+02:00"
    assert by_target["exchange:1"]["at_utc"] == "2026-07-01T12:00:00.000Z"
    # Half past eleven UTC is already the next day in Paris: the date filter is in local dates too.
    assert by_target["exchange:2"]["at"] == "2026-01-16T00:30:00.000+01:00"
    only = client.get("/mssante_mail/admin/audit?since=2026-01-16&until=2026-01-16", headers=bearer(admin)).json
    assert [e["target"] for e in only["events"]] == ["exchange:2"]
    assert client.get("/mssante_mail/admin/audit?since=hier", headers=bearer(admin)).status_code == 400
