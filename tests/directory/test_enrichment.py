"""PS_LibreAcces enrichment, and what an import never does: touch the platform's accounts."""
from __future__ import annotations

from playhouse.shortcuts import model_to_dict

from kernel.models import Account, Identity, MailAddress
from support.factories import make_account


def test_ps_libreacces_enriches_the_professionals_of_the_directory(app, lines, extraction, import_file, find,
                                                                     tmp_path):
    import_file(extraction([lines.per("julie@medecin.mssante.fr", title="", specialty="")]))
    ps = lines.write(tmp_path / "PS_LibreAcces_Personne_activite_202405010000.txt", lines.PS_HEADER, [
        lines.ps("810001234567"),  # lines end with a "|", as published (so does the header)
        lines.ps("810001234567", specialty="Gériatrie", site="CLINIQUE", city="ROMANS"),
        "|".join(lines.ps("899999999999")[:-1])])  # not in the directory (and no trailing "|"): ignored

    outcome = import_file(ps)

    assert (outcome.layout.kind, outcome.layout.unknown) == ("ps", [])
    assert (outcome.run.lines_read, outcome.run.updated, outcome.run.unchanged, outcome.run.ignored) == (3, 1, 1, 1)
    entry = find("cardio", "valence")["professionals"][0]
    assert (entry["display_name"], entry["specialty"], entry["organisation"], entry["city"], entry["department"]) == (
        "Dr Julie BERNARD", "Cardiologie et maladies vasculaires", "CENTRE HOSPITALIER DE VALENCE", "Valence", "26")
    # Re-importing the extraction does not undo the richer facts.
    import_file(extraction([lines.per("julie@medecin.mssante.fr", title="", specialty="")],
                           name="Extraction_Correspondance_MSSante_202405021200.txt"))
    assert find("julie")["professionals"][0]["specialty"] == "Cardiologie et maladies vasculaires"


def test_the_extraction_is_imported_before_ps_libreacces_whatever_the_order(app, lines, extraction, tmp_path, run_cli):
    ps = lines.write(tmp_path / "PS_LibreAcces_Personne_activite_202405010000.txt", lines.PS_HEADER,
                     [lines.ps("810001234567")])
    bal = extraction([lines.per("julie@medecin.mssante.fr", specialty="")])

    result = run_cli(app, "import-annuaire", str(ps), str(bal))

    assert result.exit_code == 0, result.output
    assert result.stdout.index("extraction des BAL MSSanté") < result.stdout.index("PS_LibreAcces")


def test_an_import_never_touches_platform_accounts(app, lines, extraction, import_file, find):
    alice = make_account("alice", first="Julie", last="Bernard", addresses=("julie@medecin.mssante.fr",))
    alice.rpps = "10001234567"
    alice.save()
    before = [model_to_dict(m, recurse=False) for m in (*Account.select(), *Identity.select(), *MailAddress.select())]

    import_file(extraction([lines.per("julie@medecin.mssante.fr"), lines.per("julie@chu.mssante.fr")]))
    import_file(extraction([lines.per("julie@chu.mssante.fr")], name="Extraction_Correspondance_MSSante_2.txt"))

    after = [model_to_dict(m, recurse=False) for m in (*Account.select(), *Identity.select(), *MailAddress.select())]
    assert after == before
    # Her published address is retired from the national listing, but stays hers on the platform.
    entry = find("julie bernard")["professionals"]
    assert len(entry) == 1 and entry[0]["has_account"] and entry[0]["identity_id"] == alice.identity_id
    assert sorted(a["address"] for a in entry[0]["addresses"]) == ["julie@chu.mssante.fr", "julie@medecin.mssante.fr"]
