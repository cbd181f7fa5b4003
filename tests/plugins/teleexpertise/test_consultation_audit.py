"""The téléexpertise's panels show an exchange's content (the requester's answers about the patient, the
expert's conclusion): reading them is a consultation (« Qui a consulté ? »), as opening the thread is."""
from __future__ import annotations

import pytest

from kernel.models import AuditEvent

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)


def _consults(exchange_id: int) -> list[AuditEvent]:
    return list(AuditEvent.select().where((AuditEvent.action == "exchange.consult")
                                          & (AuditEvent.exchange_id == exchange_id)).order_by(AuditEvent.id))


@pytest.mark.parametrize("path, via", [("/teleexpertise/api/echanges/{id}/demande", "teleexpertise"),
                                       ("/teleexpertise/exchanges/{id}/finalisation", "teleexpertise_report")])
def test_reading_a_request_s_panel_is_a_consultation(world, path, via):
    exchange_id = world.start()
    url = path.format(id=exchange_id)
    assert world.outsider.api.get(url).status_code == 404
    assert _consults(exchange_id) == []
    for _ in range(2):
        assert world.expert.api.get(url).status_code == 200
    [line] = _consults(exchange_id)
    assert (line.account_id, line.acting_as_id, line.patient_id) == (
        world.expert.account.id, world.expert.identity_id, world.patient.id)
    assert line.detail == f"channel=teleexpertise via={via}" and line.target == f"exchange:{exchange_id}"
    # A member of the expert department reads its panel acting for it.
    dept_exchange = world.start(expert=world.department.id, answers={})
    assert world.member.api.get(path.format(id=dept_exchange)).status_code == 200
    [line] = _consults(dept_exchange)
    assert (line.account_id, line.acting_as_id) == (world.member.account.id, world.department.id)
