"""Recall by lot over 100,000 signed consultations: how long the upgrade that
fills the lots table takes on existing records, and the median time of
``Store.recall`` (goal: fast enough to answer while the practitioner waits,
well under 100 ms). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_recall.py [--consultations N] [--database URL]

The records are written as records version 4 left them (patients and signed
consultations, one to three products each, lots drawn from 5,000), in bulk;
then ``open_store`` upgrades them, which backfills the lots table from every
signed consultation's JSON, exactly as on a clinic's database. Without
--database it uses a throwaway SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mesodesk.storage import migrations, open_store  # noqa: E402
from mesodesk.storage.schema import consultations, patients  # noqa: E402
from mesodesk.storage.store import Store, _sqlite_engine, to_url  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PDF = b"%PDF-1.7\n% a signed pack stands in here\n%%EOF\n"
LOTS = 5_000
TARGET = "HA24A17"          # the recalled lot: in about 1 consultation in 4,000


def _engine(url: str):
    from sqlalchemy import create_engine

    parsed = to_url(url)
    return _sqlite_engine(parsed) if parsed.get_backend_name() == "sqlite" else \
        create_engine(parsed)


def write_version_4_records(url: str, n: int, rng: random.Random) -> int:
    """``n`` signed consultations (and one patient per 2.5 of them) at records
    version 4, in one transaction; returns how many used the target lot."""
    engine = _engine(url)
    store = Store(engine, to_url(url))
    migrations.upgrade(engine, target=4, begin=store._begin_write)
    base = json.loads((DATA / "jane.json").read_text(encoding="utf-8"))
    now = dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    people = [f"p{i:06d}" for i in range(max(1, int(n / 2.5)))]
    target_uses = 0
    with store._begin_write() as conn:
        conn.execute(patients.insert(), [
            {"id": pid, "name": f"Patient {pid}", "search_key": f"patient {pid}",
             "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)),
             "phone": "", "email": "", "created_at": now, "updated_at": now}
            for pid in people])
        rows = []
        for i in range(n):
            data = copy.deepcopy(base)
            data["patient"]["name"] = f"Patient {i}"
            data["date"] = (dt.date(2020, 1, 1) + dt.timedelta(days=i % 2500)).isoformat()
            lots = [f"L{rng.randrange(LOTS):05d}" for _ in range(rng.randint(1, 3))]
            if rng.randrange(4000) == 0:
                lots[0] = TARGET.lower() if i % 2 else f" {TARGET} "
                target_uses += 1
            data["products"] = [{**data["products"][0], "lot": lot} for lot in lots]
            canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
            rows.append({"id": f"c{i:07d}", "patient_id": rng.choice(people), "state": "signed",
                         "step": "", "patient_name": data["patient"]["name"], "patient_key": "",
                         "patient_dob": dt.date(1986, 3, 14),
                         "consultation_date": dt.date.fromisoformat(data["date"]),
                         "canonical_json": canonical, "pdf": PDF,
                         "fingerprint": hashlib.sha256(canonical).hexdigest(),
                         "practitioner": "Dr Ana Silva", "created_at": now, "updated_at": now,
                         "signed_at": now})
            if len(rows) == 5000:
                conn.execute(consultations.insert(), rows)
                rows = []
        if rows:
            conn.execute(consultations.insert(), rows)
    engine.dispose()
    return target_uses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultations", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or str(Path(tmp) / "bench.sqlite3")
        t0 = time.perf_counter()
        target_uses = write_version_4_records(url, args.consultations, random.Random(11))
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        store = open_store(url)                 # upgrade to version 5: backfills the lots
        upgraded = time.perf_counter() - t0
        print(f"backend: {store.dialect}; wrote {args.consultations:,} signed consultations "
              f"in {written:.1f} s; upgrade with lots backfill {upgraded:.1f} s")
        queries = [TARGET, f"  {TARGET.lower()} ", "L00042", "L04999", "NO-SUCH-LOT"]
        for q in queries:
            store.recall(q)                     # warm the cache
        medians = []
        for q in queries:
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                found = store.recall(q)
                times.append((time.perf_counter() - t) * 1000)
            medians.append(statistics.median(times))
            print(f"  recall {q!r:16} {len(found):3} consultations  median {medians[-1]:6.2f} ms"
                  f"  worst {max(times):6.2f} ms")
        got = len(store.recall(TARGET))
        print(f"  {TARGET}: {got} found of the {target_uses} written"
              + ("" if got == target_uses else "  ** RECALL MISSED SOME **"))
        print(f"recall over {args.consultations:,} signed consultations: median "
              f"{statistics.median(medians):.2f} ms, worst lot {max(medians):.2f} ms "
              f"(goal < 100 ms)")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
