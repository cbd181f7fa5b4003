"""SQLite and PostgreSQL give the same results, in the same order, for the same directory."""
from __future__ import annotations

import random

from bench.directory_sample import Sample
from kernel.directory.importer import import_source
from kernel.directory.reader import sources_of
from support.factories import make_account, make_structure


def _queries(sample_lines: list[str], count: int) -> list[dict]:
    """Typical searches: prefixes (1 to 7 letters) of names, specialties, cities, départements, services."""
    rnd = random.Random(7)
    cells = [line.split("|") for line in sample_lines[1:]]
    queries = []
    for _ in range(count):
        fields = rnd.choice(cells)
        if len(fields) != 31:
            continue
        cut = lambda word: word.lower()[: rnd.randint(1, 7)]  # noqa: E731
        q_words = [w for w in (fields[9], fields[10], fields[16], fields[7]) if w]
        where_words = [w for w in (fields[27].split(" ")[-1], fields[29], fields[18].split(" ")[0]) if w]
        query = {"q": " ".join(cut(w) for w in rnd.sample(q_words, min(len(q_words), rnd.randint(0, 2)))),
                 "where": " ".join(cut(w) for w in rnd.sample(where_words, min(len(where_words), rnd.randint(0, 1)))),
                 "kind": rnd.choice(["", "", "mssante", "account"]), "limit": rnd.choice([5, 10, 50])}
        queries.append(query)
    return queries


def test_same_results_on_both_databases(make_app, tmp_path):
    sample = list(Sample(600, seed=11).lines())
    path = tmp_path / "Extraction_Correspondance_MSSante_202405011200.txt"
    path.write_text("\n".join(sample) + "\n", encoding="utf-8")
    queries = _queries(sample, 120)
    results = {}
    for backend in ("sqlite", "postgres"):
        app = make_app(backend)
        client = app.test_client()
        with app.app_context():
            make_account("martin", first="Paul", last="Martin")
            make_structure("Coordination des soins Martin")
            import_source(sources_of(str(path)).files[0], batch_size=100)
            from support.factories import bearer
            headers = bearer(make_account("reader", first="Lecteur", last="Test"))
        results[backend] = [client.get("/api/v1/directory", query_string=q, headers=headers).json for q in queries]
    found = sum(len(r["professionals"]) + len(r["services"]) for r in results["sqlite"])
    assert found > 300  # the queries do find people and services
    for query, on_sqlite, on_postgres in zip(queries, results["sqlite"], results["postgres"]):
        assert on_sqlite == on_postgres, query
