"""Performance guards of the request side: the expert's queue, the expert search and a thread's pinned blocks
and buttons cost a fixed number of queries, however many requests and experts there are."""
from __future__ import annotations

import pytest

from kernel.testing import make_account
from plugins.teleexpertise.models import Expert
from support.query_counter import count_queries

from .conftest import PLUGINS

pytestmark = pytest.mark.relais(plugins=PLUGINS)


def _queries(app, call):
    call()  # once first: a token's first use of the minute writes its last_used_at
    with count_queries(app) as seen:
        r = call()
    assert r.status_code == 200, r.json
    return len(seen)


def test_the_queue_and_the_badge_cost_the_same_for_one_or_many_requests(relais_app, world):
    world.start()
    one = _queries(relais_app, lambda: world.expert.api.get("/teleexpertise/api/demandes"))
    badge = _queries(relais_app, lambda: world.expert.api.get("/teleexpertise/api/demandes/a-traiter"))
    for _ in range(6):
        world.start()
    assert _queries(relais_app, lambda: world.expert.api.get("/teleexpertise/api/demandes")) == one
    assert _queries(relais_app, lambda: world.expert.api.get("/teleexpertise/api/demandes/a-traiter")) == badge


def test_the_expert_search_costs_the_same_for_two_or_twenty_experts(relais_app, world):
    two = _queries(relais_app, lambda: world.requester.api.get("/teleexpertise/experts?q=d"))
    for n in range(18):
        other = make_account(f"expert{n}", "Denis", f"Expert{n}", profession="Dermatologue")
        Expert.create(identity=other.identity_id, scope="Dermatologie", form=[])
    assert _queries(relais_app, lambda: world.requester.api.get("/teleexpertise/experts?q=d")) == two


def test_a_threads_blocks_cost_a_few_queries_whatever_its_answers(relais_app, world):
    exchange_id = world.start()
    with count_queries(relais_app) as seen:
        from plugins.teleexpertise import request_thread
        from kernel.models import Exchange
        exchange = Exchange.get_by_id(exchange_id)
        seen.clear()
        request_thread.panels(exchange, world.expert.account)
        panels = len(seen)
        seen.clear()
        request_thread.actions(exchange, world.expert.account)
        actions = len(seen)
    assert panels <= 3 and actions <= 3
