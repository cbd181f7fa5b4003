"""Login throttling counts every attempt, even parallel ones, and cannot be used to lock a user out:
a known device gets in whatever happens elsewhere; made-up logins from an address block no real account."""
from __future__ import annotations

import threading

import pytest

from kernel.auth.login import LoginRefused, authenticate
from kernel.models import AuditEvent, LoginAttempt
from security.signin_forms import browser, login_form
from support.factories import PASSWORD, make_account

MAX = 3  # login_max_failures in these tests: few argon2 checks to wait for


@pytest.fixture
def site(make_app, backend):
    app = make_app(backend, login_max_failures=MAX)
    with app.app_context():
        make_account("alice")
        make_account("bob")
    return app


def _statuses(client, login, password, times):
    return [login_form(client, login, password).status_code for _ in range(times)]


def test_parallel_failures_are_each_counted(site):
    """Ten guesses at once: no more than the limit get their password checked, the others are throttled."""
    outcomes: list[int] = []
    start = threading.Barrier(10)

    def guess(n: int) -> None:
        with site.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
            start.wait()
            try:
                authenticate("alice", f"devine-{n}", "198.51.100.7")
            except LoginRefused as exc:
                outcomes.append(exc.status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 10 and set(outcomes) == {401, 429}, outcomes
    assert outcomes.count(401) <= MAX, outcomes
    with site.app_context():
        # Every checked guess is a row; throttled ones leave none behind.
        assert LoginAttempt.select().count() == outcomes.count(401)
        assert AuditEvent.select().where(AuditEvent.outcome == "throttled").count() == outcomes.count(429)


def test_a_known_device_is_not_locked_out_by_failures_from_elsewhere(site):
    desk = browser(site, "10.0.0.1")
    assert login_form(desk, "alice").status_code == 302  # the practice's workstation: now a known device
    desk.post("/logout")
    # Someone guesses from several addresses until every unknown source is throttled for alice.
    for n in range(4):
        attacker = browser(site, f"203.0.113.{n}")
        assert _statuses(attacker, "alice", "devine", MAX) == [401] * MAX
        assert login_form(attacker, "alice", "devine").status_code == 429
    assert login_form(browser(site, "203.0.113.77"), "alice").status_code == 429  # a new device: not yet
    assert login_form(browser(site, "10.0.0.1"), "alice").status_code == 429  # same address, no cookie
    assert login_form(desk, "alice").status_code == 302  # the known device: in


def test_a_known_device_is_still_throttled_by_its_own_failures(site):
    desk = browser(site, "10.0.0.1")
    assert login_form(desk, "alice").status_code == 302
    desk.post("/logout")
    assert _statuses(desk, "alice", "faute-de-frappe", MAX) == [401] * MAX
    assert login_form(desk, "alice").status_code == 429


def test_a_device_cookie_counts_only_for_its_account(site):
    desk = browser(site, "10.0.0.1")
    assert login_form(desk, "alice").status_code == 302
    desk.post("/logout")
    assert _statuses(desk, "bob", "devine", MAX) == [401] * MAX
    assert login_form(desk, "bob").status_code == 429  # known for alice, not for bob


def test_a_forged_device_cookie_is_an_unknown_device(site):
    attacker = browser(site, "203.0.113.1")
    assert _statuses(attacker, "alice", "devine", MAX) == [401] * MAX
    attacker.set_cookie("relais_device", "W1sxLCAiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAiXV0.forged.sig")
    assert login_form(attacker, "alice").status_code == 429


def test_made_up_logins_sprayed_from_an_address_block_no_real_account(site):
    hospital = "10.20.0.1"  # one outgoing address for a whole hospital
    sprayer = browser(site, hospital)
    for n in range(MAX * 4 + 2):
        assert login_form(sprayer, f"inconnu{n}", "devine").status_code == 401
    assert login_form(browser(site, hospital), "alice").status_code == 302
    assert login_form(browser(site, hospital), "bob").status_code == 302


def test_a_made_up_login_is_throttled_like_a_real_one(site):
    """Throttling answers the same for logins that exist and those that do not: it reveals none."""
    attacker = browser(site, "203.0.113.1")
    for login in ("alice", "personne"):
        assert _statuses(attacker, login, "devine", MAX + 1) == [401] * MAX + [429]


def test_spraying_real_accounts_from_an_address_throttles_its_unknown_devices(site):
    """Password spraying (one guess on many real logins) is throttled for the address; known devices pass."""
    with site.app_context():
        for n in range(MAX * 4):
            make_account(f"pro{n}")
    known = browser(site, "10.20.0.1")
    assert login_form(known, "alice").status_code == 302
    sprayer = browser(site, "10.20.0.1")
    for n in range(MAX * 4):
        assert login_form(sprayer, f"pro{n}", "Printemps2026!").status_code == 401
    assert login_form(browser(site, "10.20.0.1"), "bob").status_code == 429
    assert login_form(known, "alice").status_code == 302
    assert login_form(browser(site, "10.99.0.1"), "bob").status_code == 302  # elsewhere, bob is not affected


def test_failures_from_one_address_do_not_throttle_the_login_from_another(site):
    assert _statuses(browser(site, "203.0.113.1"), "alice", "devine", MAX + 1) == [401] * MAX + [429]
    assert login_form(browser(site, "10.0.0.1"), "alice").status_code == 302


def test_a_success_forgets_the_logins_failures(site):
    client = browser(site, "10.0.0.1")
    assert _statuses(client, "alice", "devine", MAX - 1) == [401] * (MAX - 1)
    assert login_form(client, "alice").status_code == 302
    with site.app_context():
        assert LoginAttempt.select().count() == 0


def test_the_known_device_cookie_is_signed_long_lived_and_http_only(site):
    r = login_form(browser(site), "alice", PASSWORD)
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("relais_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=15552000" in cookie
    assert "Secure" not in cookie  # not behind TLS here: see test_browser_headers
    assert login_form(browser(site), "alice", "devine").headers.get("Set-Cookie", "").find("relais_device") == -1
