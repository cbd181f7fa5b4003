"""Small national files written in tmp_path, and helpers to import and search them."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest

from kernel.directory.importer import ImportOutcome, import_source
from kernel.directory.reader import sources_of
from kernel.directory.search import DirectoryQuery, search

# The ANS file's header (address lines without suffix) and the data.gouv one (" structure BAL").
ADDRESS_LINES = ["L2COMPLEMENTLOCALISATION", "L3COMPLEMENTDISTRIBUTION", "L4NUMEROVOIE", "L4COMPLEMENTNUMEROVOIE",
                 "NL4TYPEVOIE", "L4LIBELLEVOIE", "L5LIEUDITMENTION", "L6LIGNEACHEMINEMENT"]
HEAD = ["Type de BAL", "Adresse BAL", "Type Identifiant PP", "Identifiant PP", "Identification nationale PP",
        "Type identifiant structure", "Identification Structure", "Service de rattachement", "Civilité d'exercice",
        "Nom d'exercice", "Prénom d'exercice", "Catégorie profession", "Libellé de catégorie profession",
        "Code Profession", "Libellé Profession", "Code savoir-faire", "Libellé savoir-faire", "Dématérialisation"]
ANS_HEADER = HEAD + ["Raison Sociale structure BAL", "Enseigne commerciale structure BAL", *ADDRESS_LINES,
                     "Code postal", "Département", "Pays"]
DATAGOUV_HEADER = HEAD + ["Raison Sociale structure BAL", "Enseigne commerciale structure BAL",
                          *[f"{h} structure BAL" for h in ADDRESS_LINES], "Code postal structure BAL",
                          "Département structure BAL", "Pays structure BAL"]
PS_HEADER = ["Type d'identifiant PP", "Identifiant PP", "Identification nationale PP", "Code civilité d'exercice",
             "Libellé civilité d'exercice", "Code civilité", "Libellé civilité", "Nom d'exercice", "Prénom d'exercice",
             "Code profession", "Libellé profession", "Code catégorie professionnelle",
             "Libellé catégorie professionnelle", "Code type savoir-faire", "Libellé type savoir-faire",
             "Code savoir-faire", "Libellé savoir-faire", "Code mode exercice", "Libellé mode exercice",
             "Numéro SIRET site", "Numéro SIREN site", "Numéro FINESS site", "Numéro FINESS établissement juridique",
             "Identifiant technique de la structure", "Raison sociale site", "Enseigne commerciale site",
             "Code postal (coord. structure)", "Code commune (coord. structure)", "Libellé commune (coord. structure)",
             "Code Département (structure)", "Libellé Département (structure)", ""]


def per(address: str, rpps: str = "10001234567", first: str = "Julie", last: str = "BERNARD", title: str = "DR",
        profession: str = "Médecin", specialty: str = "Médecine générale", service: str = "",
        org: str = "CABINET MEDICAL", city: str = "LYON", postcode: str = "69003", dept: str = "69",
        bal: str = "PER") -> list[str]:
    """A line of the extraction: a personal mailbox (or, with ``bal``, any other type)."""
    nid = f"8{rpps}" if rpps else ""
    return [bal, address, "8" if rpps else "", rpps, nid, "1", "690000001", service, title, last, first, "C", "Civil",
            "10", profession, "SM54", specialty, "O", org, "", "", "", "3", "", "R", "DE LA REPUBLIQUE", "",
            f"{postcode} {city}", postcode, dept, "99100"]


def org(address: str, service: str, establishment: str, city: str = "LYON", postcode: str = "69003",
        dept: str = "69", bal: str = "ORG") -> list[str]:
    return [bal, address, "", "", "", "1", "690000001", service, "", "", "", "", "", "", "", "", "", "O",
            establishment, "", "", "", "1", "", "AV", "DU GENERAL DE GAULLE", "", f"{postcode} {city}", postcode, dept,
            "99100"]


def ps_line(nid: str, profession: str = "Médecin", specialty: str = "Cardiologie et maladies vasculaires",
            site: str = "CENTRE HOSPITALIER DE VALENCE", postcode: str = "26000", city: str = "VALENCE",
            dept: str = "26", finess: str = "260000021", title: str = "DR") -> list[str]:
    values = {"Type d'identifiant PP": "8", "Identifiant PP": nid[1:], "Identification nationale PP": nid,
              "Code civilité d'exercice": title, "Code profession": "10", "Libellé profession": profession,
              "Libellé savoir-faire": specialty, "Raison sociale site": site, "Numéro FINESS site": finess,
              "Code postal (coord. structure)": postcode, "Libellé commune (coord. structure)": city,
              "Code Département (structure)": dept}
    return [values.get(h, "") for h in PS_HEADER]


def write_file(path: Path, header: list[str], rows: list[list[str] | str], encoding: str = "utf-8",
               bom: bool = False) -> Path:
    lines = ["|".join(header)] + [r if isinstance(r, str) else "|".join(r) for r in rows]
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@pytest.fixture
def extraction(tmp_path: Path) -> Callable[..., Path]:
    """``extraction([per(...), org(...)], name=..., header=...)``: an extraction file in tmp_path."""

    def make(rows: list[list[str] | str], name: str = "Extraction_Correspondance_MSSante_202405011200.txt",
             header: list[str] = DATAGOUV_HEADER, **options: Any) -> Path:
        return write_file(tmp_path / name, header, rows, **options)
    return make


@pytest.fixture
def import_file() -> Callable[[Path], ImportOutcome]:
    """Import a file with the real importer (an app context must be active); small batches, to cross them."""

    def run(path: Path, batch_size: int = 3, **options: Any) -> ImportOutcome:
        outcome = None
        for source in sources_of(str(path)).files:
            outcome = import_source(source, batch_size=batch_size, **options)
        assert outcome is not None
        return outcome
    return run


def _find(q: str = "", where: str = "", **options: Any) -> dict[str, Any]:
    return search(DirectoryQuery(q=q, where=where, **options))


def _names(result: dict[str, Any], group: str = "professionals") -> list[str]:
    return [e["display_name"] for e in result[group]]


@pytest.fixture
def lines() -> SimpleNamespace:
    """Line builders and headers of the national files (test modules cannot import the conftest)."""
    return SimpleNamespace(per=per, org=org, ps=ps_line, write=write_file, ANS_HEADER=ANS_HEADER,
                           DATAGOUV_HEADER=DATAGOUV_HEADER, PS_HEADER=PS_HEADER)


@pytest.fixture
def find() -> Callable[..., dict[str, Any]]:
    """``find("mar", "lyon", kind="account")``: the search service in the current app."""
    return _find


@pytest.fixture
def names() -> Callable[..., list[str]]:
    """``names(result, "services")``: the display names of a result group, in order."""
    return _names


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``run_cli(app, "import-annuaire", path)``: the ``relais`` command in-process, on ``app``'s database."""
    from click.testing import CliRunner

    from kernel.commands import cli

    def invoke(app: Any, *args: str, input: str | None = None) -> Any:
        config = app.extensions["relais"].config
        for key in [k for k in os.environ if k.startswith("RELAIS_")]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("RELAIS_DATA_DIR", str(config["data_dir"]))
        monkeypatch.setenv("RELAIS_DATABASE_URL", config["database_url"])
        monkeypatch.setenv("RELAIS_PLUGINS", "")
        monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
        return CliRunner().invoke(cli, list(args), input=input, prog_name="relais")
    return invoke
