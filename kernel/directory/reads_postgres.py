"""Search reads on PostgreSQL: GIN indexes, or a walk of the primary key in rank order."""
from __future__ import annotations

from typing import Any

from ..db import database
from .reads import EXACT_NAME, EXACT_WORDS, PREFIXES, Read
from .text import query_key

GIN_AT_MOST = 10_000  # estimated matches of a read's rarest word up to which GIN-then-sort beats a walk
# (calibrated with bench/directory.py on a million rows: 5,000 to 20,000 all do well)


class PostgresReads:
    """GIN indexes or a walk of the primary key in rank order, whichever suits each read.

    A walk in rank order stops at the page size: ideal when every word matches many entries, spread
    over the ranks (a first name, a profession, a city). But ranks are alphabetical, so the bearers
    of one surname sit together and a walk towards "ROBERT" reads every entry before them; GIN finds
    them directly and sorting a few thousand is cheap. The planner assumes matches evenly spread, so
    the choice is made here: GIN when some word of the read is rare enough, from the planner's
    estimate of each word's matches (one EXPLAIN, no rows read).
    """

    def branches(self, q_words: list[str], where_words: list[str], mssante: bool) -> list[tuple]:
        where = [("wv", f"'{w}':*") for w in where_words]
        exact, prefix = [("qv", f"'{w}'") for w in q_words], [("qv", f"'{w}':*") for w in q_words]
        tiers = []
        if q_words:
            tiers.append((EXACT_NAME, ["n = %s"], [query_key(q_words)], where))
            tiers.append((EXACT_WORDS, [], [], exact + where))
            tiers.append((PREFIXES, [], [], prefix + where))
        else:
            tiers.append((PREFIXES, [], [], where))
        found = []
        for tier, conditions, values, words in tiers:
            for column in ("qv", "wv"):
                terms = [t for c, t in words if c == column]
                if terms:
                    conditions.append(f"{column} @@ CAST(%s AS tsquery)")
                    values.append(" & ".join(terms))
            if mssante:
                conditions.append("mss")
            # The exact name has its own index: nothing to estimate.
            found.append((tier, " AND ".join(conditions), values, () if tier == EXACT_NAME else tuple(words)))
        return found

    def statement(self, reads: list[Read]) -> tuple[str, list[Any]]:
        estimates = self._estimates(reads)
        rarest = [min((estimates[w] for w in r.words), default=0.0) for r in reads]
        prefixes = [r for r, e in zip(reads, rarest) if r.tier == PREFIXES and e <= GIN_AT_MOST]
        merged = prefixes if len(prefixes) == sum(r.tier == PREFIXES for r in reads) else []
        exact = [r for r in reads if r.tier == EXACT_WORDS] if merged else []
        head, params = "", []
        parts: list[str] = []
        if merged:
            head, params, parts = self._one_gin_read(merged, exact)
        for i, (read, estimate) in enumerate(zip(reads, rarest)):
            if read in merged or read in exact:
                continue
            select = f"SELECT * FROM (SELECT {read.group} AS g, {read.tier} AS t, rank AS r FROM "
            if estimate <= GIN_AT_MOST:  # OFFSET 0: every match first (GIN), then sorted
                parts.append(select + f"(SELECT rank FROM directory_search WHERE {read.condition} AND rank >= %s "
                             f"AND rank < %s OFFSET 0) AS m ORDER BY rank LIMIT %s) AS b{i}")
            else:
                parts.append(select + f"directory_search WHERE {read.condition} AND rank >= %s AND rank < %s "
                             f"ORDER BY rank LIMIT %s) AS b{i}")
            params += [*read.values, read.low, read.high, read.limit]
        return head + " UNION ALL ".join(parts), params

    @staticmethod
    def _one_gin_read(prefixes: list[Read], exact: list[Read]) -> tuple[str, list[Any], list[str]]:
        """Prefix and whole-word tiers of every group from one GIN read: the whole-word matches are
        the prefix matches whose words are whole, so one scan, numbered per group, serves them all."""
        first = prefixes[0]
        groups = " ".join(f"WHEN rank >= %s AND rank < %s THEN {r.group}" for r in prefixes)
        ranges = " OR ".join("(rank >= %s AND rank < %s)" for _ in prefixes)
        whole = exact[0].condition.split(" AND ")[0] if exact else "FALSE"  # "qv @@ ..." is its first condition
        params: list[Any] = [p for r in prefixes for p in (r.low, r.high)]
        params += [exact[0].values[0]] if exact else []
        params += [*first.values, *(p for r in prefixes for p in (r.low, r.high))]
        head = ("WITH w AS MATERIALIZED (SELECT g, r, exact, ROW_NUMBER() OVER (PARTITION BY g ORDER BY r) AS n_all, "
                "ROW_NUMBER() OVER (PARTITION BY g, exact ORDER BY r) AS n_exact FROM "
                f"(SELECT rank AS r, CASE {groups} END AS g, {whole} AS exact FROM directory_search "
                f"WHERE {first.condition} AND ({ranges}) OFFSET 0) AS m) ")
        parts = [f"SELECT g, {PREFIXES} AS t, r FROM w WHERE n_all <= %s"]
        params.append(first.limit)
        if exact:
            parts.append(f"SELECT g, {EXACT_WORDS} AS t, r FROM w WHERE exact AND n_exact <= %s")
            params.append(exact[0].limit)
        return head, params, parts

    @staticmethod
    def _estimates(reads: list[Read]) -> dict[tuple[str, str], float]:
        words = sorted({w for read in reads for w in read.words})
        if not words:
            return {}
        sql = " UNION ALL ".join(f"(SELECT rank FROM directory_search WHERE {column} @@ CAST(%s AS tsquery))"
                                 for column, _ in words)
        plan = database.obj.execute_sql("EXPLAIN (FORMAT JSON) " + sql, [t for _, t in words]).fetchone()[0][0]["Plan"]
        processes = 1
        while plan["Node Type"] in ("Gather", "Gather Merge"):  # a parallel plan: rows are counted per process
            processes = plan.get("Workers Planned", 0) + 1
            plan = plan["Plans"][0]
        children = plan["Plans"] if plan["Node Type"] == "Append" else [plan]
        if len(children) != len(words):  # an unexpected plan shape: walk, the planner's own choice
            return {w: float("inf") for w in words}
        return {w: child["Plan Rows"] * (processes if child.get("Parallel Aware") or plan.get("Parallel Aware") else 1)
                for w, child in zip(words, children)}
