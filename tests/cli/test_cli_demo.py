"""``relais demo``: its folder, its data (realistic and consistent), idempotence and --reset.

The platform itself is replaced by a stub here; test_cli_subprocess.py runs the real thing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kernel import demo
from kernel.auth.passwords import verify_password
from kernel.migrate import KERNEL_MIGRATIONS, MigrationSet, upgrade
from kernel.models import STRUCTURE, Account, Delegation, Identity, MailAddress, Patient
from kernel.server import RunningPlatform
from kernel.services.acting_as import identities_for


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    return tmp_path / "demo"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stub run_platform: announce a bound port at once and return as if stopped by Ctrl+C."""
    apps: list[Any] = []

    def fake_run_platform(app: Any, host: str, port: int, ready_callback: Any = None, services: Any = ()) -> None:
        apps.append((app, host, port))
        ready_callback(RunningPlatform(host=host, port=54321))
    monkeypatch.setattr("kernel.commands.running.run_platform", fake_run_platform)
    return apps


def run_demo(run, demo_dir: Path, *extra: str):
    return run("demo", "--data-dir", str(demo_dir), "--port", "0", "--mail-port", "0", *extra)


def test_demo_prints_logins_and_url_and_serves(run, demo_dir, served, database) -> None:
    result = run_demo(run, demo_dir)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Données de démonstration créées." in out
    assert f"mot de passe : {demo.DEMO_PASSWORD}" in out
    for p in demo.PROFESSIONALS:
        line = next(line for line in out.splitlines() if line.startswith(p.login + " "))
        assert demo.DEMO_PASSWORD in line and p.display_name in line
    assert "thomas.durand@demo.relais-sante.mssante.fr, thomas.durand.ch@demo.relais-sante.mssante.fr" in out
    assert "Coordination REPAP <coordination.repap@demo.relais-sante.mssante.fr>" in out
    assert "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901" in out
    assert out.rstrip().splitlines()[-3:] == ["Relais Santé (démonstration) est prêt : http://127.0.0.1:54321/",
                                              "Arrêt : Ctrl+C.", "Relais Santé est arrêté."]
    app, host, port = served[0]
    assert (host, port) == ("127.0.0.1", 0)
    assert app.extensions["relais"].config["base_url"] == "http://127.0.0.1:54321"
    with database(data_dir=str(demo_dir)):
        assert Account.select().count() == len(demo.PROFESSIONALS)


def test_demo_ignores_a_configured_database(run, demo_dir, served, monkeypatch, tmp_path) -> None:
    # --reset must never be able to reach a real database named by the configuration.
    monkeypatch.setenv("RELAIS_DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")

    assert run_demo(run, demo_dir).exit_code == 0
    assert (demo_dir / "relais.db").is_file()
    assert not (tmp_path / "production.db").exists()


def test_demo_twice_keeps_data_and_reset_wipes_it(run, demo_dir, served, database, create_user,
                                                  monkeypatch) -> None:
    assert run_demo(run, demo_dir).exit_code == 0
    monkeypatch.setenv("RELAIS_DATA_DIR", str(demo_dir))
    assert create_user("ajout.pendant.la.demo").exit_code == 0

    again = run_demo(run, demo_dir)
    with database(data_dir=str(demo_dir)):
        kept = Account.select().count()
    reset = run_demo(run, demo_dir, "--reset")
    with database(data_dir=str(demo_dir)):
        after_reset = [a.login for a in Account.select()]

    assert again.exit_code == 0 and "existantes reprises" in again.stdout
    assert kept == len(demo.PROFESSIONALS) + 1
    assert reset.exit_code == 0 and "Données de démonstration créées." in reset.stdout
    assert sorted(after_reset) == sorted(p.login for p in demo.PROFESSIONALS)


@pytest.mark.parametrize("reset", [False, True])
def test_demo_refuses_a_folder_holding_other_data(run, demo_dir, served, reset: bool) -> None:
    demo_dir.mkdir()
    (demo_dir / "relais.db").write_text("une vraie base")

    result = run_demo(run, demo_dir, *(["--reset"] if reset else []))

    assert result.exit_code == 1
    assert "ne viennent pas de la démo" in result.stderr
    assert (demo_dir / "relais.db").read_text() == "une vraie base"
    assert not served


def test_demo_refuses_a_file_as_folder(run, tmp_path, served) -> None:
    path = tmp_path / "fichier"
    path.write_text("")

    result = run_demo(run, path)

    assert result.exit_code == 1
    assert "est un fichier" in result.stderr


# --- the data itself ---------------------------------------------------------------------------
@pytest.fixture
def seeded(demo_dir, database):
    demo.prepare_data_dir(demo_dir, reset=False)
    with database(data_dir=str(demo_dir)) as app:
        upgrade(app.extensions["relais"].database, [MigrationSet("kernel", KERNEL_MIGRATIONS)])
        assert demo.seed(app) is True
        yield app


def test_seed_is_idempotent(seeded) -> None:
    counts = [m.select().count() for m in (Account, Identity, MailAddress, Delegation, Patient)]

    assert demo.seed(seeded) is False
    assert [m.select().count() for m in (Account, Identity, MailAddress, Delegation, Patient)] == counts


def test_every_demo_account_uses_the_demo_password(seeded) -> None:
    hashes = {account.password_hash for account in Account.select()}
    assert all(verify_password(h, demo.DEMO_PASSWORD) for h in hashes)


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def test_professionals_look_real(seeded) -> None:
    accounts = {a.login: a for a in Account.select()}
    assert accounts["julie.bernard"].profession == "Médecin généraliste"
    assert accounts["julie.bernard"].identity.display_name == "Dr Julie BERNARD"
    assert accounts["marc.petit"].profession == "Infirmier"
    assert accounts["sophie.laurent"].identity.display_name == "Dr Sophie LAURENT"
    for account in accounts.values():
        addresses = [m.address for m in account.identity.addresses]
        if account.identity.mssante_eligible:
            assert account.rpps and len(account.rpps) == 11 and account.rpps[0] in "12" and luhn_valid(account.rpps)
            assert f"{account.first_name}.{account.last_name}@{demo.DEMO_DOMAIN}".lower() in addresses
        else:
            assert account.rpps is None and addresses == []
    assert len(list(accounts["thomas.durand"].identity.addresses)) == 2
    assert not accounts["claire.moreau"].identity.mssante_eligible


def test_structure_and_delegations(seeded) -> None:
    structure = Identity.get((Identity.kind == STRUCTURE) & (Identity.display_name == "Coordination REPAP"))
    assert structure.mssante_eligible
    assert [m.address for m in structure.addresses] == [f"coordination.repap@{demo.DEMO_DOMAIN}"]

    def acting_as(login: str) -> list[str]:
        return [i.display_name for i in identities_for(Account.get(Account.login == login))]

    assert acting_as("claire.moreau") == ["Claire MOREAU", "Coordination REPAP"]
    assert acting_as("isabelle.roux") == ["Isabelle ROUX", "Coordination REPAP", "Dr Julie BERNARD"]
    assert acting_as("marc.petit") == ["Marc PETIT"]


def ins_key_valid(ins: str) -> bool:
    # Corsica's département codes 2A/2B count as 19/18 in the key computation.
    body = ins[:13].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(ins[13:])


def test_patients_with_consistent_ins(seeded) -> None:
    patients = list(Patient.select())
    assert "Cecilia REPAP TEST (née REPAP TEST) née le 27/03/1901" in [p.display_name for p in patients]
    with_ins = [p for p in patients if p.ins]
    assert {p.ins for p in with_ins} == {"279035121518989", "146026322000196", "253072B07300470"}
    for p in with_ins:
        assert ins_key_valid(p.ins), p.ins
        assert p.ins[0] == {"M": "1", "F": "2"}[p.sex]
        assert p.ins[1:5] == f"{p.birth_date:%y%m}"
        assert p.ins[5:10] == p.birthplace_code
        assert p.qualified and p.ins_oid == demo.INS_NIR_TEST_OID
