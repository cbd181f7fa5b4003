"""``relais demo``: the answered anticoagulants request is finalised with its compte rendu and its acts, once."""
from __future__ import annotations

import pytest

from kernel import demo
from kernel.models import Exchange, Message
from plugins.teleexpertise import hooks
from plugins.teleexpertise.finalisation_demo import DEMO_SUBJECT
from plugins.teleexpertise.finalisation_models import Act, Report
from plugins.teleexpertise.models import FINALISEE, Request

pytestmark = pytest.mark.relais(plugins=[("teleexpertise", hooks)])


def test_the_demo_shows_a_finalised_teleexpertise_with_its_report(relais_app):
    demo.seed(relais_app)
    request = Request.select().join(Exchange).where(Exchange.subject.startswith(DEMO_SUBJECT)).get()
    assert request.status == FINALISEE and request.conclusion.startswith("Fibrillation atriale")
    report = Report.get(Report.request == request.id)
    assert (report.version, report.state) == (1, "done") and report.attachment_id
    assert Message.get_by_id(report.message_id).exchange_id == request.exchange_id
    assert sorted(a.code for a in Act.select().where(Act.request == request.id)) == ["RQD", "TE2"]
    demo.seed(relais_app)  # a second start adds nothing
    assert Report.select().count() == 1 and Act.select().count() == 2
