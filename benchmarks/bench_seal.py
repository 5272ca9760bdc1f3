"""What does the seal cost? A pack built unsealed, sealed, and verified.

    .venv/bin/python benchmarks/bench_seal.py [CONSULTATION.json] [--runs 10]

Prints the median time of: building the pack without the seal, building it
sealed (the seal alone is the difference), verifying the sealed pack (pyHanko's
validator) and verifying an unsealed one (a rebuild), plus the one-off cost of
making an installation key and the bytes the seal adds. Uses a throwaway data
folder, so this installation's own key is never touched. Figures only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT / "tests" / "data" / "pack_dca_submental.json"


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ["MESODESK_DATA_DIR"] = tempfile.mkdtemp(prefix="mesodesk-bench-seal-")

    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import load
    from mesodesk.pack import build_pack, verify_pack
    from mesodesk.pack.seal import installation_key, seal_pack

    catalogue = default_catalogue()
    consultation = load(args.file)
    build_pack(consultation, catalogue, sealed=False)  # warm caches (fonts, catalogue)
    start = time.perf_counter()
    installation_key(consultation.clinic.name)
    keygen = time.perf_counter() - start
    seal_pack(build_pack(consultation, catalogue, sealed=False), consultation)  # imports

    plain, unsealed = timed(lambda: build_pack(consultation, catalogue, sealed=False),
                            args.runs)
    sealed_t, sealed = timed(lambda: build_pack(consultation, catalogue), args.runs)
    seal_only, _ = timed(lambda: seal_pack(unsealed, consultation), args.runs)
    check_sealed, r1 = timed(lambda: verify_pack(sealed, catalogue), args.runs)
    check_plain, r2 = timed(lambda: verify_pack(unsealed, catalogue), args.runs)
    assert r1.code == 0 and r2.code == 0

    print(f"consultation: {Path(args.file).name}, {args.runs} runs, median")
    print(f"  key made at first use (RSA-3072, once) {keygen * 1000:8.0f} ms")
    print(f"  build, unsealed                        {plain * 1000:8.1f} ms")
    print(f"  build, sealed                          {sealed_t * 1000:8.1f} ms")
    print(f"  the seal alone                         {seal_only * 1000:8.1f} ms "
          f"({seal_only / plain:.0%} of a build)")
    print(f"  bytes the seal adds                    {len(sealed) - len(unsealed):8d} "
          f"({len(unsealed)} -> {len(sealed)})")
    print(f"  verify a sealed pack (pyHanko)         {check_sealed * 1000:8.1f} ms")
    print(f"  verify an unsealed pack (rebuild)      {check_plain * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
