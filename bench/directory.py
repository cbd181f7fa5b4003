"""Benchmark: national directory import and search, against a naive ``LIKE '%q%'`` search on the same data.

    python bench/directory.py [--rows 1000000] [--queries 1000] [--database-url URL] [--keep DIR]

1. Generates an extraction file in the published format (bench/directory_sample.py).
2. Imports it with the real command (``relais import-annuaire``) in a child process: wall time and
   the child's peak resident memory (``wait4`` rusage).
3. Runs typical picker searches (prefixes of 2 to 6 letters of names, specialties, cities,
   départements; some with both fields) through the search service, then the same searches as a
   naive ``LIKE '%word%'`` query on the same rows, and prints p50/p95/p99 for both.

Targets (issue 3): import under 3 minutes and 500 MB; p95 under 15 ms on SQLite.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.directory_sample import write  # noqa: E402
from kernel import create_app  # noqa: E402
from kernel.config import load_config  # noqa: E402
from kernel.directory.departments import DEPARTMENTS  # noqa: E402
from kernel.directory.search import DirectoryQuery, search  # noqa: E402
from kernel.directory.text import words  # noqa: E402

TARGET_IMPORT_S, TARGET_RSS_MB, TARGET_P95_MS = 180, 500, 15


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_import(path: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """``relais import-annuaire PATH`` in a child: (seconds, peak RSS in MB, its output)."""
    command = [sys.executable, "-c", "from kernel.cli import main; main()", "import-annuaire", str(path)]
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if child.returncode:
        sys.exit(f"import failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output  # Linux: ru_maxrss in KiB


def typical_queries(path: Path, count: int, seed: int = 42) -> list[tuple[str, str]]:
    """What people type in the picker: 2 to 6 first letters of a name, a specialty, a city, a département."""
    rnd = random.Random(seed)
    picked: list[list[str]] = []
    with open(path, encoding="utf-8") as lines:
        next(lines)
        for n, line in enumerate(lines):  # reservoir sample of real lines
            fields = line.rstrip("\n").split("|")
            if len(fields) != 31:
                continue
            if len(picked) < 5000:
                picked.append(fields)
            elif rnd.randrange(n) < 5000:
                picked[rnd.randrange(5000)] = fields

    def prefix(text: str) -> str:
        options = [w for w in words(text) if len(w) >= 2] or ["ma"]
        word = rnd.choice(options)
        return word[: rnd.randint(2, min(6, len(word)))] if len(word) > 2 else word

    queries = []
    for _ in range(count):
        f = rnd.choice(picked)
        city = f[27][6:] or "paris"
        name, first, specialty = f[9] or f[7] or f[18], f[10] or "marie", f[16] or f[14] or f[7] or "cardiologie"
        dept = f[29] if rnd.random() < 0.5 else DEPARTMENTS.get(f[29], "Rhône")
        roll = rnd.random()
        if roll < 0.30:
            queries.append((prefix(name), ""))
        elif roll < 0.40:
            queries.append((f"{prefix(first)} {prefix(name)}", ""))
        elif roll < 0.55:
            queries.append((prefix(specialty), ""))
        elif roll < 0.65:
            queries.append(("", prefix(city)))
        elif roll < 0.75:
            queries.append(("", dept if dept.isdigit() or len(dept) <= 3 else prefix(dept)))
        else:
            queries.append((prefix(rnd.choice([name, specialty])), prefix(rnd.choice([city, dept]))))
    return queries


def naive_search(db, q: str, where: str) -> int:
    """What one writes first (the kernel's search before this one): LIKE '%word%' on the folded text,
    account holders first then by name, one query for both groups."""
    conditions, params = ["sort_rank IS NOT NULL"], []
    for column, text in (("search_q", q), ("search_where", where)):
        for word in words(text):
            conditions.append(f"{column} LIKE {db.param}")
            params.append(f"%{word}%")
    return len(db.execute_sql(f"SELECT id, kind FROM directory_entry WHERE {' AND '.join(conditions)} "
                              "ORDER BY has_account DESC, sort_name LIMIT 11", params).fetchall())


def timed(fn, queries: list[tuple[str, str]]) -> tuple[list[float], int]:
    times, found = [], 0
    for q, where in queries:
        started = time.perf_counter()
        found += fn(q, where)
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="lines of the generated extraction")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="default: a SQLite file in the work folder")
    parser.add_argument("--keep", type=Path, help="work folder to keep (and reuse: generation and import are skipped "
                                                  "when it already holds them)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="relais-bench-directory-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    data = work / f"Extraction_Correspondance_MSSante_{args.rows}.txt"
    env = {**os.environ, "RELAIS_DATA_DIR": str(work / "data"), "RELAIS_PLUGINS": "", "RELAIS_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}
    if args.database_url:
        env["RELAIS_DATABASE_URL"] = args.database_url
    print(f"Work folder: {work}")

    if not data.exists():
        started = time.monotonic()
        size = write(data, args.rows)
        print(f"Generated {args.rows:,} lines ({size / 1e6:.0f} MB) in {time.monotonic() - started:.1f} s")
    imported = (work / "imported").exists()
    if not imported:
        subprocess.run([sys.executable, "-c", "from kernel.cli import main; main()", "init"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        seconds, rss, output = run_import(data, env)
        (work / "imported").write_text(f"{seconds:.1f} {rss:.0f}\n")
        print(output.rstrip())
    seconds, rss = map(float, (work / "imported").read_text().split())

    config = load_config({"data_dir": str(work / "data"), "plugins": [], "log_level": "WARNING",
                          **({"database_url": args.database_url} if args.database_url else {})})
    app = create_app(config, migrate=False)
    queries = typical_queries(data, args.queries)
    with app.app_context():
        db = app.extensions["relais"].database
        engine = "SQLite" if "sqlite" in type(db).__name__.lower() else "PostgreSQL"
        fast = lambda q, w: sum(len(v) for k, v in search(DirectoryQuery(q=q, where=w)).items() if k != "more")  # noqa: E731
        timed(fast, queries[:50])  # warm the caches as a running server has them
        index_times, index_found = timed(fast, queries)
        naive_times, naive_found = timed(lambda q, w: naive_search(db, q, w), queries)
        size = (work / "data" / "relais.db").stat().st_size if engine == "SQLite" else 0

    print()
    print(f"Directory benchmark: {args.rows:,} extraction lines, {engine}, {os.cpu_count()} CPUs")
    ok = lambda good: "OK" if good else "MISSED"  # noqa: E731
    print(f"  import      {seconds:8.1f} s   ({args.rows / seconds:,.0f} lines/s)   target < {TARGET_IMPORT_S} s   "
          f"{ok(seconds < TARGET_IMPORT_S)}")
    print(f"  peak memory {rss:8.0f} MB  (the importing process)      target < {TARGET_RSS_MB} MB  "
          f"{ok(rss < TARGET_RSS_MB)}")
    if size:
        print(f"  database    {size / 1e9:8.2f} GB")
    print(f"\n  {len(queries)} typical searches (both groups, 5 per group)   p50 ms   p95 ms   p99 ms   max ms   found")
    for label, times, found in (("rank-ordered index", index_times, index_found),
                                ("naive LIKE '%q%'", naive_times, naive_found)):
        print(f"  {label:<47}{percentile(times, 50):8.2f} {percentile(times, 95):8.2f} {percentile(times, 99):8.2f} "
              f"{max(times):8.1f} {found:7d}")
    p95 = percentile(index_times, 95)
    print(f"\n  p95 {p95:.2f} ms, target < {TARGET_P95_MS} ms: {ok(p95 < TARGET_P95_MS)}; "
          f"{percentile(naive_times, 95) / p95:,.0f}x faster than the naive query at p95")


if __name__ == "__main__":
    main()
