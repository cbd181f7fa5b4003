"""``relais demo``'s fictitious directory (kernel/demo_directory.py): generated, imported, searchable, once."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from kernel.demo_directory import OUTSIDE_DOMAIN, _Generator, seed_directory, write_file
from kernel.directory.search import DirectoryQuery, search
from kernel.models.directory import DirectoryAddress, DirectoryEntry


def found(q: str, where: str = "") -> list[dict]:
    result = search(DirectoryQuery(q=q, where=where, limit=50))
    return result["professionals"] + result["services"]


def test_the_file_is_the_same_on_every_run(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", 300, 30)
    write_file(tmp_path / "b.txt", 300, 30)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    lines = (tmp_path / "a.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 331 and all(line.count("|") == 30 for line in lines)


def test_addresses_are_unique_readable_and_fictitious() -> None:
    generator = _Generator()
    lines = list(generator.lines(2000, 200))[1:]
    addresses = [line.split("|")[1] for line in lines]
    assert len(set(addresses)) == len(addresses)
    assert all(a.endswith("." + OUTSIDE_DOMAIN) for a in addresses)
    assert all(a.count("@") == 1 and " " not in a and a.isascii() for a in addresses)
    # "Jean-Pierre Le Gall" -> jean-pierre.le-gall@...: first and last names apart, as operators write them.
    assert all("." in a.partition("@")[0] for a, line in zip(addresses, lines) if line.startswith("PER|"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_seeded_once_quickly_and_found_by_city_speciality_and_service(make_app, tmp_path: Path, backend) -> None:
    app = make_app(backend, plugins=[])
    with app.app_context():
        started = time.monotonic()
        first = seed_directory(tmp_path)
        seconds = time.monotonic() - started
        assert first.created and first.professionals >= 2500 and first.services >= 350
        # A few seconds at most on a shared test machine (0.3 s measured on SQLite).
        assert seconds < 15, seconds

        cardiologists = found("cardiologie", "lyon")
        assert cardiologists and all(e["city"] == "Lyon" for e in cardiologists)
        assert all("Cardiologie" in (e["specialty"] or e["display_name"]) for e in cardiologists)
        paediatrics = found("pédiatrie", "grenoble")
        assert paediatrics and {e["city"] for e in paediatrics} == {"Grenoble"}
        emergencies = search(DirectoryQuery(q="urgences", where="clermont"))["services"]
        assert emergencies and emergencies[0]["addresses"][0]["address"].endswith(f".{OUTSIDE_DOMAIN}")
        nurses = found("infirmier", "63")
        assert nurses and all(e["department"] == "63" for e in nurses if "department" in e)

        entries, addresses = DirectoryEntry.select().count(), DirectoryAddress.select().count()
        again = seed_directory(tmp_path)
        assert not again.created
        assert (DirectoryEntry.select().count(), DirectoryAddress.select().count()) == (entries, addresses)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_demo_accounts_addresses_say_where_they_lead(make_app, tmp_path: Path, backend) -> None:
    from kernel import demo
    from kernel.models import Account

    app = make_app(backend, plugins=[])
    demo.seed(app)
    with app.app_context():
        seed_directory(tmp_path, professionals=40, services=5, published=demo.published_addresses())
        durand = Account.get(Account.login == "thomas.durand")
        entries = [e for e in found("durand") if e.get("identity_id") == durand.identity_id
                   or e.get("identity") == durand.identity_id]
        assert len(entries) == 1, found("durand")
        labels = {a["address"].partition("@")[0]: a["label"] for a in entries[0]["addresses"]}
        assert labels == {"thomas.durand": "CABINET DE CARDIOLOGIE DURAND, Clermont-Ferrand",
                          "thomas.durand.ch": "Cardiologie, CHU DE CLERMONT-FERRAND, Clermont-Ferrand"}
        # Every demo professional with an RPPS is published, each address once; the others are not.
        published = demo.published_addresses()
        assert sorted(p.address for p in published) == sorted(
            a for p in demo.PROFESSIONALS if p.rpps for a in p.addresses)
