"""``relais import-annuaire``: the French summary, the report of rejected lines, French errors."""
from __future__ import annotations


def test_summary_and_report(app, lines, extraction, run_cli, tmp_path):
    shifted = "|".join(lines.per("x@medecin.mssante.fr")).replace("CABINET MEDICAL", "CAB|MED")
    path = extraction([lines.per("julie@medecin.mssante.fr"), shifted,
                       lines.org("sau@chu.mssante.fr", "Urgences", "CHU DE LYON")])

    result = run_cli(app, "import-annuaire", str(path))

    assert result.exit_code == 0, result.output
    report = tmp_path / "Extraction_Correspondance_MSSante_202405011200_rejets.txt"
    out = result.stdout.splitlines()
    assert out[0].startswith("Import terminé : « Extraction_Correspondance_MSSante_202405011200.txt » "
                             "(extraction des BAL MSSanté) en ")
    assert out[1:9] == ["  lues          : 3", "  créées        : 2", "  mises à jour  : 0", "  inchangées    : 0",
                        "  retirées      : 0", "  non retirées  : 0 (adresses publiées dont la ligne a été rejetée)",
                        f"  rejetées      : 1 (numéros de ligne et raisons : {report})",
                        "L'annuaire compte 1 professionnel et 1 service."]
    assert "ligne 3 : 32 champs au lieu de 31" in report.read_text(encoding="utf-8")

    again = run_cli(app, "import-annuaire", str(path))
    assert "  inchangées    : 2" in again.stdout and "  créées        : 0" in again.stdout


def test_latin1_and_unknown_labels_are_said(app, lines, extraction, run_cli):
    header = lines.DATAGOUV_HEADER[:-1] + ["Code pays BAL"]
    path = extraction([lines.per("helene@medecin.mssante.fr", first="Hélène")], header=header, encoding="latin-1")

    result = run_cli(app, "import-annuaire", str(path))

    assert result.exit_code == 0, result.output
    assert "Le fichier n'est pas en UTF-8 : il a été lu en Latin-1 (ISO-8859-1)." in result.stdout
    assert "En-têtes inconnus, colonnes lues à leur position habituelle : Code pays BAL (pays)." in result.stdout
    assert "rejetées      : 0\n" in result.stdout


def test_french_errors(app, lines, extraction, run_cli, tmp_path):
    missing = run_cli(app, "import-annuaire", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 1
    assert missing.stderr == f"Erreur : le fichier « {tmp_path / 'absent.txt'} » n'existe pas.\n"

    other = extraction(["1|2"], name="PS_LibreAcces_Dipl_AutExerc_202405010000.txt",
                       header=["Identifiant PP", "Code diplôme"])
    refused = run_cli(app, "import-annuaire", str(extraction([lines.per("a@m.mssante.fr")])), str(other))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Erreur : « PS_LibreAcces_Dipl_AutExerc_202405010000.txt » : en-tête non "
                                     "reconnu : ce fichier n'est ni une extraction des BAL MSSanté")
    assert refused.stderr.rstrip().endswith("Rien n'a été importé.")
    assert refused.stdout == ""  # the good file was not imported either: every header is checked first

    usage = run_cli(app, "import-annuaire")
    assert usage.exit_code == 2 and "Argument manquant" in usage.stderr
    assert "Importer l'annuaire national de santé." in run_cli(app, "import-annuaire", "--help").stdout


def test_a_zip_with_a_readme_is_imported_and_the_readme_named(app, lines, extraction, run_cli, find, tmp_path):
    import zipfile

    text = extraction([lines.per("julie@medecin.mssante.fr")])
    archive = tmp_path / "Extraction_Correspondance_MSSante.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(text, text.name)
        z.writestr("README.txt", "Fichier extrait de l'annuaire santé.\n")

    result = run_cli(app, "import-annuaire", str(archive))

    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[0] == (f"« {archive} » : 1 fichier ignoré, ni extraction des BAL MSSanté ni "
                      "PS_LibreAcces_Personne_activite : README.txt.")
    assert out[1].startswith(f"Import terminé : « {text.name} »") and "Rien n'a été importé" not in result.output
    assert find("julie")["professionals"][0]["id"] == "pp:810001234567"


def test_an_account_created_after_the_import_is_linked(app, lines, extraction, run_cli, find):
    # An account's RPPS must carry a right Luhn key (the extraction's default one does not).
    run_cli(app, "import-annuaire", str(extraction([lines.per("julie@medecin.mssante.fr", rpps="10001234565")])))

    created = run_cli(app, "user", "create", "--login", "jbernard", "--first-name", "Julie", "--last-name", "Bernard",
                      "--rpps", "10001234565", "--password-stdin", input="motdepasse-solide\n")

    assert created.exit_code == 0, created.output
    found = find("julie", kind="account")["professionals"]
    assert [(e["id"], e["has_account"]) for e in found] == [("pp:810001234565", True)]
