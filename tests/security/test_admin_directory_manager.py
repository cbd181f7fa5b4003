"""The authorisation matrix's administration routes asked by a directory manager (a role the shared world does
not hold): structures and accounts' details yes; roles, deactivation and password links no."""
from __future__ import annotations

import pytest

from security.matrix_admin import ADMIN_ROUTES, DIRECTORY_MANAGER, directory_manager
from security.matrix_cells import Request, footprint, leaked, method_of, rules_by_endpoint

ROLE = "directory_manager"


def test_every_administration_route_says_what_a_directory_manager_gets():
    assert set(DIRECTORY_MANAGER) == set(ADMIN_ROUTES)


@pytest.fixture(scope="module")
def managed_world(world):
    world.accounts[ROLE] = directory_manager(world)
    return world


@pytest.mark.parametrize("endpoint, auth", [(e, a) for e, declared in ADMIN_ROUTES.items() for a in declared.auth])
def test_directory_manager_cell(managed_world, endpoint, auth):
    world = managed_world
    rule = rules_by_endpoint(world.app)[endpoint]
    request = Request.of(world, rule, ADMIN_ROUTES[endpoint], ROLE, auth)
    before = footprint(world)
    response = request.send()
    where = f"{endpoint} ({method_of(rule)} {rule.rule}) as a directory manager with a {auth}"
    assert response.status_code == DIRECTORY_MANAGER[endpoint], f"{where}: {response.status_code}. " \
                                                                f"{response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert footprint(world) == before, f"{where}: refused but changed rows"
    assert not leaked(response), f"{where}: the world's private words"


def test_the_administration_link_is_shown_to_administrators_and_directory_managers_only(managed_world):
    world = managed_world
    for role, shown in ((ROLE, True), ("admin", True), ("member", False), ("delegate", False)):
        page = world.client(role, "session").get("/patients", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert ('id="shell_admin"' in page) is shown, role
