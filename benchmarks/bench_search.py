"""Patient search with 100,000 patients: how long the bulk import takes, and the
median time of a name search (goal: under 50 ms on SQLite). Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/bench_search.py [--patients N] [--database URL]

Without --database it uses a throwaway SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mesodesk.storage import open_store  # noqa: E402

FIRST = ["Jane", "Zoë", "José", "Ana", "Siobhán", "Chloé", "Björn", "Mary", "Ahmed", "Priya",
         "Olúwaseun", "Łukasz", "Noémie", "Tom", "Aoife", "Renée", "Søren", "Ines", "Kai", "Leo"]
LAST = ["O'Hara", "Smith-Jones", "García", "Ängström", "Nguyễn", "Müller", "Kowalski", "Brown",
        "Dubois", "Patel", "Okafor", "Murphy", "Rossi", "Jensen", "Silva", "MacDonald", "Chen",
        "Novák", "Ó Briain", "Taylor"]
QUERIES = ["ohara", "zoe", "garcia jose", "smith", "angstrom", "nguyen", "mull", "siobhan ob",
           "1986-03-14", "14/03/1986", "xyzzy", "a"]


def patients(n: int, rng: random.Random):
    start = dt.date(1930, 1, 1)
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if i % 3:
            name += f" {rng.choice(LAST)}"      # more distinct names
        yield (name, start + dt.timedelta(days=rng.randrange(30000)),
               f"+44 7700 {rng.randrange(10**6):06d}", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or str(Path(tmp) / "bench.sqlite3")
        store = open_store(url)
        t0 = time.perf_counter()
        added = store.import_patients(patients(args.patients, random.Random(7)))
        created = time.perf_counter() - t0
        print(f"backend: {store.dialect}; created {added:,} patients in {created:.2f} s "
              f"({added / created:,.0f} per second)")
        for q in QUERIES:                       # warm the cache
            store.search_patients(q)
        medians = {}
        for q in QUERIES:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                found = store.search_patients(q)
                times.append((time.perf_counter() - t) * 1000)
            medians[q] = statistics.median(times)
            print(f"  search {q!r:14} {len(found):3} shown  median {medians[q]:6.1f} ms")
        names = [v for q, v in medians.items() if not q[0].isdigit()]
        print(f"median name search over {len(names)} queries: "
              f"{statistics.median(names):.1f} ms (worst {max(names):.1f} ms; goal < 50 ms)")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
