"""The rank-ordered index: newcomers slot in between their neighbours, a full renumbering when needed."""
from __future__ import annotations

import random

from kernel.directory import index
from kernel.models import DirectoryEntry
from support.factories import make_account

SURNAMES = ["Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Leroy", "Moreau", "Petit", "Roux", "Simon",
            "Zola", "Abadie", "Martinez", "Martineau", "Le Gall"]


def _in_order() -> bool:
    """Within each group, rank order is exactly (sort_name, key) order."""
    E = DirectoryEntry
    for group in range(4):
        rows = list(E.select(E.sort_name, E.key, E.sort_rank).where(E.rank_group == group).tuples())
        by_rank = [r[:2] for r in sorted(rows, key=lambda r: r[2])]
        if by_rank != sorted(by_rank):
            return False
    return True


def test_accounts_made_one_by_one_are_kept_in_alphabetical_order(app, find, names, monkeypatch):
    rebuilds = []
    monkeypatch.setattr(index, "rebuild", lambda real=index.rebuild: (rebuilds.append(1), real())[1])
    rnd = random.Random(3)
    people = [(rnd.choice(["Anne", "Éric", "Zoé", "Jean"]), last) for last in SURNAMES]
    rnd.shuffle(people)
    for n, (first, last) in enumerate(people):
        make_account(f"user{n}", first=first, last=last)

    assert _in_order()
    assert rebuilds == []  # each found a free rank between its neighbours
    martins = {last: f"{first} {last.upper()}" for first, last in people if last.startswith("Martin")}
    assert [e["display_name"] for e in find("martin", limit=50)["professionals"]] == [
        martins["Martin"], martins["Martineau"], martins["Martinez"]]  # whole word first, then alphabetical


def test_when_no_rank_is_free_the_index_is_renumbered(app, find, names, monkeypatch):
    monkeypatch.setattr(index, "GAP", 2)  # two insertions at the same spot exhaust the room
    for n, last in enumerate(["Martin", "Martin", "Martin", "Martin", "Martin"]):
        make_account(f"user{n}", first=f"Prénom{n}", last=last)
    make_account("zz", first="Aaron", last="Martin")
    make_account("yy", first="Abel", last="Martin")

    assert _in_order()
    assert names(find("martin", limit=10))[:2] == ["Aaron MARTIN", "Abel MARTIN"]


def test_a_first_import_renumbers_everything_a_small_one_places_one_by_one(app, lines, extraction, import_file,
                                                                            monkeypatch):
    calls = []
    real_rebuild, real_place = index.rebuild, index._place_one_by_one
    monkeypatch.setattr(index, "rebuild", lambda: (calls.append("rebuild"), real_rebuild())[1])
    monkeypatch.setattr(index, "_place_one_by_one", lambda ids=None: (calls.append("place"), real_place(ids))[1])
    rows = [lines.per(f"p{n}@m.mssante.fr", f"1000000{n:04d}", "Jean", last) for n, last in enumerate(SURNAMES * 2)]
    import_file(extraction(rows), batch_size=100)
    assert calls == ["rebuild"]

    calls.clear()
    import_file(extraction(rows + [lines.per("new@m.mssante.fr", "10009999999", "Jean", "Nouveau")],
                           name="Extraction_Correspondance_MSSante_2.txt"), batch_size=100)
    assert calls == ["place"]
    assert _in_order()
