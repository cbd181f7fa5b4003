"""Retirement of unpublished addresses: never because a line was rejected, never en masse unless forced."""
from __future__ import annotations

import pytest

from kernel.models import DirectoryAddress, DirectoryImport

A = DirectoryAddress


def _active(address: str) -> bool:
    return A.get(A.address == address).active


def _bal(lines, n: int) -> list[str]:
    return lines.per(f"p{n}@medecin.mssante.fr", rpps=f"1000000{n:04d}", first=f"Prénom{n}", last="DURAND")


# Ways a published line gets rejected, the mailbox x@medecin.mssante.fr still readable in it.
def _pipe_in_company_name(lines):
    return "|".join(lines.per("x@medecin.mssante.fr", rpps="10009999999")).replace("CABINET MEDICAL", "CAB|MED")


def _pipe_in_mailbox_type(lines):  # before the address: the address moves one column right
    return "|".join(lines.per("x@medecin.mssante.fr", rpps="10009999999", bal="P|ER"))


def _two_pipes_and_upper_case(lines):
    line = lines.per("X@Medecin.MSSante.fr", rpps="10009999999", service="A|B", org="C|D")
    return "|".join(line)


def _a_field_missing(lines):
    line = lines.per("x@medecin.mssante.fr", rpps="10009999999")
    return "|".join(line[:20] + line[21:])


def _unknown_mailbox_type(lines):  # the right width, refused by the parser
    return "|".join(lines.per("x@medecin.mssante.fr", rpps="10009999999", bal="XYZ"))


@pytest.mark.parametrize("malformed", [_pipe_in_company_name, _pipe_in_mailbox_type, _two_pipes_and_upper_case,
                                       _a_field_missing, _unknown_mailbox_type])
def test_the_address_of_a_rejected_line_is_not_retired(app, lines, extraction, import_file, malformed):
    import_file(extraction([lines.per("a@medecin.mssante.fr"), lines.per("x@medecin.mssante.fr", rpps="10009999999"),
                            lines.per("gone@medecin.mssante.fr", rpps="10008888888")]))

    # force_retire: the mass-retirement guard must not be what saves x (2 of 3 addresses are absent from
    # the good lines).
    outcome = import_file(extraction([lines.per("a@medecin.mssante.fr"), malformed(lines)],
                                     name="Extraction_Correspondance_MSSante_202405021200.txt"), force_retire=True)

    assert (outcome.run.rejected, outcome.kept, outcome.run.retired) == (1, 1, 1)
    assert _active("x@medecin.mssante.fr") and _active("a@medecin.mssante.fr")
    assert not _active("gone@medecin.mssante.fr")  # absent from the file: retired as before


def test_a_rejected_line_keeps_only_what_is_published_and_not_seen(app, lines, extraction, import_file):
    import_file(extraction([lines.per("a@medecin.mssante.fr"), lines.per("x@medecin.mssante.fr", rpps="10009999999")]))
    shifted = _pipe_in_company_name(lines)
    unknown = "|".join(lines.per("new@medecin.mssante.fr", rpps="10007777777")).replace("CABINET", "CAB|INET")
    no_address = "|".join(lines.per("nobody", rpps="10006666666")).replace("CABINET", "CAB|INET")

    outcome = import_file(extraction([lines.per("a@medecin.mssante.fr"), shifted, unknown, no_address],
                                     name="Extraction_Correspondance_MSSante_202405021200.txt"), force_retire=True)

    # x is kept; an address never imported is not created by a rejected line; no address, nothing to keep.
    assert (outcome.run.rejected, outcome.kept, outcome.run.retired) == (3, 1, 0)
    assert _active("x@medecin.mssante.fr")
    assert not A.select().where(A.address == "new@medecin.mssante.fr").exists()


def test_a_file_of_rejected_lines_keeps_them_all_batch_after_batch(app, lines, extraction, import_file):
    rows = [_bal(lines, n) for n in range(7)]
    import_file(extraction(rows))
    shifted = ["|".join(r).replace("CABINET MEDICAL", "CAB|MED") for r in rows]

    outcome = import_file(extraction(shifted, name="Extraction_2.txt"), batch_size=2, force_retire=True)

    assert (outcome.run.rejected, outcome.kept, outcome.run.retired) == (7, 7, 0)
    assert A.select().where(A.active).count() == 7


def test_a_header_only_file_retires_nothing_unless_forced(app, lines, extraction, import_file, find):
    import_file(extraction([_bal(lines, n) for n in range(5)]))
    empty = extraction([], name="Extraction_Correspondance_MSSante_202405021200.txt")

    held = import_file(empty)

    assert held.run.status == "done" and held.run.retired == 0
    assert (held.held.unseen, held.held.active, held.held.limit) == (5, 5, 0.10)
    assert held.run.error == "retrait suspendu : 5 adresses sur 5 auraient été retirées, au-delà du seuil de 10 %"
    assert A.select().where(A.active).count() == 5 and len(find("durand", limit=50)["professionals"]) == 5

    forced = import_file(empty, force_retire=True)

    assert forced.held is None and forced.run.retired == 5
    assert A.select().where(A.active).count() == 0 and find("durand")["professionals"] == []


def test_a_regional_file_is_held_and_the_share_is_configurable(app, lines, extraction, import_file):
    import_file(extraction([_bal(lines, n) for n in range(20)]))
    regional = extraction([_bal(lines, n) for n in range(5)], name="Extraction_Correspondance_MSSante_2.txt")

    held = import_file(regional)
    assert held.run.retired == 0 and (held.held.unseen, held.held.active) == (15, 20)
    assert import_file(regional, retire_limit=0.5).held is not None  # 75 % > 50 %
    assert import_file(regional, retire_limit=0.75).run.retired == 15  # 75 % is not more than 75 %

    # The usual monthly file: a few mailboxes closed, under the threshold, retired without being asked.
    import_file(extraction([_bal(lines, n) for n in range(20)], name="Extraction_3.txt"))
    monthly = import_file(extraction([_bal(lines, n) for n in range(18)], name="Extraction_4.txt"))
    assert monthly.held is None and monthly.run.retired == 2  # 10 % is not more than 10 %
    runs = DirectoryImport.select().where(DirectoryImport.error != "").count()
    assert runs == 2


def test_the_command_says_why_nothing_was_retired_and_can_be_forced(app, lines, extraction, run_cli):
    run_cli(app, "import-annuaire", str(extraction([_bal(lines, n) for n in range(4)])))
    regional = extraction([_bal(lines, 0)], name="Extraction_Correspondance_MSSante_202405021200.txt")

    held = run_cli(app, "import-annuaire", str(regional))

    assert held.exit_code == 0, held.output
    assert "  retirées      : 0 (retrait suspendu, voir ci-dessous)\n" in held.stdout
    assert ("Retrait suspendu : le fichier ne liste pas 3 des 4 adresses MSSanté actives (75 %), plus que le seuil "
            "de 10 %. Aucune adresse n'a été retirée. Un fichier régional, tronqué ou réduit à son en-tête donne ce "
            "résultat : vérifiez qu'il s'agit de l'extraction nationale complète, puis relancez l'import avec "
            "--force-retirement.") in held.stdout
    assert A.select().where(A.active).count() == 4

    raised = run_cli(app, "import-annuaire", "--retirement-threshold", "80", str(regional))
    assert raised.exit_code == 0 and "  retirées      : 3\n" in raised.stdout and "suspendu" not in raised.stdout

    run_cli(app, "import-annuaire", str(extraction([_bal(lines, n) for n in range(4)], name="Extraction_3.txt")))
    forced = run_cli(app, "import-annuaire", "--force-retirement", str(regional))
    assert forced.exit_code == 0 and "  retirées      : 3\n" in forced.stdout
    assert A.select().where(A.active).count() == 1

    helped = run_cli(app, "import-annuaire", "--help").stdout
    assert "--force-retirement" in helped and "--retirement-threshold" in helped
    refused = run_cli(app, "import-annuaire", "--retirement-threshold", "150", str(regional))
    assert refused.exit_code == 2


def test_the_command_counts_the_addresses_kept_for_a_rejected_line(app, lines, extraction, run_cli):
    rows = [_bal(lines, n) for n in range(10)]
    run_cli(app, "import-annuaire", str(extraction(rows)))
    rows[3] = "|".join(rows[3]).replace("CABINET MEDICAL", "CAB|MED")

    result = run_cli(app, "import-annuaire", str(extraction(rows, name="Extraction_2.txt")))

    assert result.exit_code == 0, result.output
    assert "  retirées      : 0\n" in result.stdout
    assert "  non retirées  : 1 (adresses publiées dont la ligne a été rejetée)\n" in result.stdout
    assert _active("p3@medecin.mssante.fr")
