"""Import of the MSSanté extraction: the published layouts and their quirks, grouping, idempotence."""
from __future__ import annotations

import zipfile

import pytest

from kernel.directory.columns import HeaderError
from kernel.directory import reader
from kernel.directory.reader import ImportFileError, sources_of
from kernel.models import DirectoryAddress, DirectoryEntry, DirectoryImport


def test_people_are_grouped_and_every_mailbox_is_a_service(app, lines, extraction, import_file, find, names):
    path = extraction([
        lines.per("julie.bernard@medecin.mssante.fr"),
        lines.org("cardio@chu-lyon.mssante.fr", "Cardiologie", "CHU DE LYON"),
        lines.per("other@medecin.mssante.fr", rpps="10009999999", first="Marc", last="PETIT", title=""),
        lines.org("dpi@chu-lyon.mssante.fr", "", "CHU DE LYON", bal="APP"),
        lines.org("cabinet@cab.mssante.fr", "", "CABINET DU PARC", bal="CAB"),
        # Her second mailbox, in another batch (batches of 3 lines), at the hospital.
        lines.per("j.bernard@chu-lyon.mssante.fr", service="Cardiologie", org="CHU DE LYON"),
    ])
    outcome = import_file(path)

    assert (outcome.run.status, outcome.run.lines_read, outcome.run.created, outcome.run.rejected) == ("done", 6, 6, 0)
    assert (outcome.professionals, outcome.services) == (2, 3)
    julie = find("julie bernard")["professionals"]
    assert len(julie) == 1
    assert julie[0]["display_name"] == "Dr Julie BERNARD" and julie[0]["rpps"] == "10001234567"
    assert julie[0]["id"] == "pp:810001234567"
    assert [(a["address"], a["type"]) for a in julie[0]["addresses"]] == [
        ("j.bernard@chu-lyon.mssante.fr", "PER"), ("julie.bernard@medecin.mssante.fr", "PER")]
    assert julie[0]["addresses"][0]["label"] == "Cardiologie, CHU DE LYON, Lyon"
    services = find(where="chu")["services"]
    assert sorted((s["display_name"], s["addresses"][0]["type"]) for s in services) == [
        ("CHU DE LYON", "APP"), ("Cardiologie", "ORG")]
    assert names(find(where="parc"), "services") == ["CABINET DU PARC"]


@pytest.mark.parametrize("header", ["ANS_HEADER", "DATAGOUV_HEADER"])
def test_both_published_headers(app, lines, extraction, import_file, find, header):
    outcome = import_file(extraction([lines.per("julie.bernard@medecin.mssante.fr", city="VILLEURBANNE",
                                                postcode="69100")], header=getattr(lines, header)))

    assert outcome.layout.unknown == [] and outcome.layout.by_position == []
    entry = find("bernard")["professionals"][0]
    assert (entry["city"], entry["postcode"], entry["department"]) == ("Villeurbanne", "69100", "69")
    assert (entry["organisation"], entry["profession"], entry["specialty"]) == (
        "CABINET MEDICAL", "Médecin", "Médecine générale")


def test_unknown_labels_are_reported_and_address_lines_read_by_position(app, lines, extraction, import_file, find):
    header = list(lines.ANS_HEADER)
    header[27] = "L6 LIGNE ACHEMIN."  # a label nobody has seen: the delivery line, by its position
    header.append("Commentaire")  # an extra column: ignored, reported
    path = extraction(["|".join(lines.per("julie.bernard@medecin.mssante.fr", city="BRON CEDEX 02", postcode="69500")
                                + ["rien"])], header=header)

    outcome = import_file(path)

    assert outcome.layout.unknown == ["Commentaire"]
    assert outcome.layout.by_position == ["L6 LIGNE ACHEMIN. (ligne d'acheminement)"]
    assert find("bernard")["professionals"][0]["city"] == "Bron"


def test_a_lone_double_quote_is_data(app, lines, extraction, import_file, find):
    path = extraction([lines.per("a@medecin.mssante.fr", org='CABINET "LES TILLEULS\\\t2'),
                       lines.per("b@medecin.mssante.fr", rpps="10002222222", last="O'NEIL", first='Jean "Jo')])

    outcome = import_file(path)

    assert (outcome.run.created, outcome.run.rejected) == (2, 0)
    assert find("bernard")["professionals"][0]["organisation"] == 'CABINET "LES TILLEULS\\\t2'
    assert find("jo neil")["professionals"][0]["display_name"] == "Dr Jean \"Jo O'NEIL"


def test_shifted_columns_are_rejected_with_their_line_number(app, lines, extraction, import_file, find, tmp_path):
    shifted = "|".join(lines.per("x@medecin.mssante.fr", rpps="10003333333")).replace("CABINET MEDICAL", "CAB|MED")
    path = extraction([lines.per("a@medecin.mssante.fr"), shifted, "",
                       "|".join(lines.per("b@medecin.mssante.fr", bal="XYZ", rpps="10004444444")),
                       lines.per("c@medecin.mssante.fr", rpps="10005555555", last="PETIT")])

    outcome = import_file(path)

    assert (outcome.run.lines_read, outcome.run.created, outcome.run.rejected) == (4, 2, 2)
    assert outcome.report == tmp_path / "Extraction_Correspondance_MSSante_202405011200_rejets.txt"
    report = outcome.report.read_text(encoding="utf-8").splitlines()
    assert report[1] == ("ligne 3 : 32 champs au lieu de 31 (un « | » dans une valeur décale les colonnes) : "
                         "ligne ignorée")
    assert report[2] == "ligne 5 : type de BAL « XYZ » inconnu (PER, ORG, APP ou CAB attendu) : ligne ignorée"
    assert [e["id"] for e in find("bernard")["professionals"] + find("petit")["professionals"]] == [
        "pp:810001234567", "pp:810005555555"]


def test_bom_and_latin1_files(app, lines, extraction, import_file, find):
    utf8 = extraction([lines.per("a@medecin.mssante.fr", first="Hélène", last="LEFÈVRE")], bom=True)
    outcome = import_file(utf8)
    assert (outcome.layout.kind, outcome.latin1_lines, outcome.run.encoding) == ("mssante", 0, "utf-8")

    latin1 = extraction([lines.per("a@medecin.mssante.fr", first="Hélène", last="LEFÈVRE", city="ORLÉANS")],
                        name="Extraction_Correspondance_MSSante_202405021200.txt", encoding="latin-1")
    outcome = import_file(latin1)

    assert (outcome.latin1_lines, outcome.run.encoding, outcome.run.updated) == (2, "latin-1", 1)
    entry = find("helene", "orleans")["professionals"][0]
    assert (entry["display_name"], entry["city"]) == ("Dr Hélène LEFÈVRE", "Orléans")


def test_the_zip_is_read_as_a_stream(app, lines, extraction, import_file, find, tmp_path):
    text = extraction([lines.per("a@medecin.mssante.fr"), lines.org("s@chu.mssante.fr", "Urgences", "CHU")])
    archive = tmp_path / "Extraction_Correspondance_MSSante.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(text, text.name)
    text.unlink()

    outcome = import_file(archive)

    assert outcome.source.name == text.name and outcome.run.created == 2
    assert [e["display_name"] for e in find("urg")["services"]] == ["Urgences"]
    empty = tmp_path / "vide.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("LISEZMOI.pdf", b"%PDF")
    with pytest.raises(ImportFileError, match="ne contient aucun fichier .txt"):
        sources_of(str(empty))


def test_a_zip_picks_the_national_files_by_their_header(app, lines, extraction, import_file, find, tmp_path):
    text = extraction([lines.per("a@medecin.mssante.fr")], name="export.txt")  # named nothing like it
    ps_file = lines.write(tmp_path / "PS_LibreAcces_Personne_activite_202405010000.txt", lines.PS_HEADER,
                          [lines.ps("810001234567")])
    other_ps = lines.write(tmp_path / "PS_LibreAcces_Dipl_AutExerc_202405010000.txt",
                           ["Identifiant PP", "Code diplôme"], ["1|2"])
    archive = tmp_path / "annuaire.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(text, "data/export.txt")
        z.write(ps_file, ps_file.name)
        z.write(other_ps, other_ps.name)
        z.writestr("LISEZMOI.txt", "Extraction publique de l'annuaire santé\n")
        z.writestr("vide.txt", "")
        z.writestr("notice.pdf", b"%PDF")

    found = sources_of(str(archive))

    assert sorted(s.name for s in found.files) == ["PS_LibreAcces_Personne_activite_202405010000.txt", "export.txt"]
    assert found.ignored == ["LISEZMOI.txt", "PS_LibreAcces_Dipl_AutExerc_202405010000.txt", "notice.pdf", "vide.txt"]
    only_readme = tmp_path / "lisezmoi.zip"
    with zipfile.ZipFile(only_readme, "w") as z:
        z.writestr("LISEZMOI.txt", "Rien à importer ici\n")
    with pytest.raises(ImportFileError, match="ne contient ni extraction des BAL MSSanté .* "
                                              r"\(fichiers lus : LISEZMOI.txt\)"):
        sources_of(str(only_readme))


def test_a_file_of_another_kind_is_refused(app, extraction, import_file):
    path = extraction(["1|2"], header=["Identifiant PP", "Code diplôme"])
    with pytest.raises(HeaderError, match="en-tête non reconnu"):
        import_file(path)
    assert DirectoryImport.select().count() == 0


def test_reimport_updates_changed_rows_and_retires_unpublished_addresses(app, lines, extraction, import_file, find):
    first = [lines.per("julie@medecin.mssante.fr"),
             lines.per("marc@infirmier.mssante.fr", rpps="10002222222", first="Marc", last="PETIT", title=""),
             lines.per("marc@chu.mssante.fr", rpps="10002222222", first="Marc", last="PETIT", title=""),
             lines.org("urgences@chu.mssante.fr", "Urgences", "CHU DE LYON")]
    import_file(extraction(first))
    again = import_file(extraction(first, name="Extraction_Correspondance_MSSante_202405021200.txt"))
    assert (again.run.created, again.run.updated, again.run.unchanged, again.run.retired) == (0, 0, 4, 0)

    second = [lines.per("julie@medecin.mssante.fr", specialty="Gériatrie"),  # her facts changed
              lines.per("marc@infirmier.mssante.fr", rpps="10002222222", first="Marc", last="PETIT", title=""),
              lines.org("sau@chu.mssante.fr", "Urgences", "CHU DE LYON")]  # a new mailbox; the old one goes
    # 2 of 5 active addresses go: above the default 10 %, so the share allowed is raised for this file.
    outcome = import_file(extraction(second, name="Extraction_Correspondance_MSSante_202405031200.txt"),
                          retire_limit=0.5)

    assert (outcome.run.created, outcome.run.updated, outcome.run.unchanged, outcome.run.retired) == (1, 1, 1, 2)
    assert find("julie")["professionals"][0]["specialty"] == "Gériatrie"
    assert [a["address"] for a in find("marc")["professionals"][0]["addresses"]] == ["marc@infirmier.mssante.fr"]
    assert [s["addresses"][0]["address"] for s in find("urgences")["services"]] == ["sau@chu.mssante.fr"]
    retired = DirectoryAddress.get(DirectoryAddress.address == "urgences@chu.mssante.fr")
    assert not retired.active and retired.retired_at is not None
    # The service whose only mailbox was retired is not offered any more; its row is kept.
    assert DirectoryEntry.get(DirectoryEntry.key == "bal:urgences@chu.mssante.fr").sort_rank is None


def test_an_import_that_fails_before_the_end_retires_nothing(app, lines, extraction, import_file, find, tmp_path,
                                                             monkeypatch):
    monkeypatch.setattr(reader, "READ_BUFFER", 4096)  # so that reading the header does not reach the end
    import_file(extraction([lines.per("julie@medecin.mssante.fr"),
                            lines.org("urgences@chu.mssante.fr", "Urgences", "CHU DE LYON")]))
    # The next extraction lacks both... but its archive is damaged: the read fails at the checksum.
    text = extraction([lines.per("other@medecin.mssante.fr", rpps="10002222222", last="PETIT")] * 100,
                      name="Extraction_Correspondance_MSSante_202405021200.txt")
    archive = tmp_path / "damaged.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.write(text, text.name)
    data = bytearray(archive.read_bytes())
    middle = data.rindex(b"PETIT") + 1  # near the end: the first lines are read and written
    data[middle] = ord("A")  # "PATIT": same length, wrong CRC
    archive.write_bytes(bytes(data))

    with pytest.raises(zipfile.BadZipFile):
        import_file(archive)

    run = DirectoryImport.select().order_by(DirectoryImport.id.desc()).get()
    assert run.status == "failed" and "CRC" in run.error and run.retired == 0
    assert DirectoryAddress.select().where(DirectoryAddress.active).count() == 3
    assert [e["display_name"] for e in find("urgences")["services"]] == ["Urgences"]
    assert len(find("bernard")["professionals"]) == 1


def test_a_first_import_that_fails_leaves_the_index_usable(app, lines, extraction, import_file, find, tmp_path,
                                                          monkeypatch):
    from kernel.directory import mssante
    from support.factories import make_account

    make_account("alice", first="Alice", last="Martin")

    def broken(self, rows):
        raise OSError("disque plein")
    monkeypatch.setattr(mssante.MssanteWriter, "write", broken)
    with pytest.raises(OSError):
        import_file(extraction([lines.per("julie@medecin.mssante.fr")]))
    monkeypatch.undo()

    indexes = {i.name for i in app.extensions["relais"].database.get_indexes("directory_entry")}
    assert {"directoryentry_sort_rank", "directoryentry_rank_group_sort_name_key"} <= indexes
    assert [e["display_name"] for e in find("martin")["professionals"]] == ["Alice MARTIN"]
    outcome = import_file(extraction([lines.per("julie@medecin.mssante.fr")], name="Extraction_2.txt"))
    assert outcome.run.status == "done" and find("julie")["professionals"][0]["id"] == "pp:810001234567"
