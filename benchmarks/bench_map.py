"""How much a 200-point injection map adds to a pack build (target: under 50 ms).

    .venv/bin/python benchmarks/bench_map.py [--runs N]

Builds the abdomen pack (tests/data/pack_pcdc_abdomen.json, a product with no
injection caps or spacing, so the findings are the same with and without a
map) as two lots without points, and the same consultation with 200 points
on the body-front chart's abdomen, 1 cm apart, split between the two lots
(so the key and legend have several rows; every tenth point a different
depth so the legend does not collapse to one row per lot). The two builds
alternate; the medians, the difference and the ratio are printed. Nothing
asserts; the figures are printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from _common import DATA, median


def two_lots(data: dict, points: list[tuple[float, float]]) -> dict:
    """The consultation as two lots of its product, each with half the points."""
    out = json.loads(json.dumps(data))
    out["format"] = "mesodesk-consultation/2"
    half = len(points) // 2
    first = dict(out["products"][0])
    second = {**first, "lot": first["lot"] + "B"}
    first["points"] = [{"view": "body-front", "x": x, "y": y, "volume_ml": 0.05,
                        **({"depth_mm": 6.0} if k % 10 == 9 else {})}
                       for k, (x, y) in enumerate(points[:half])]
    second["points"] = [{"view": "body-front", "x": x, "y": y, "volume_ml": 0.05}
                        for x, y in points[half:]]
    first["volume_ml"] = second["volume_ml"] = 5.0
    if not points:
        del first["points"], second["points"]
    out["products"] = [first, second]
    return out


def abdomen_grid(n: int = 200) -> list[tuple[float, float]]:
    """``n`` positions 1 cm apart on the body-front chart's abdomen."""
    from mesodesk.catalogue.charts import load_chart

    chart = load_chart("body-front")
    step_x = 1.0 / (chart.width * chart.cm_per_unit)
    step_y = 1.0 / (chart.height * chart.cm_per_unit)
    spots = [(round(0.013 + i * step_x, 4), round(0.011 + j * step_y, 4))
             for j in range(int(1 / step_y)) for i in range(int(1 / step_x))]
    spots = [p for p in spots if chart.area_at(*p) == "abdomen"][:n]
    assert len(spots) == n, f"only {len(spots)} positions on the abdomen"
    return spots


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import from_data
    from mesodesk.pack import build_pack

    catalogue = default_catalogue()
    base = json.loads((DATA / "pack_pcdc_abdomen.json").read_text(encoding="utf-8"))
    plain = from_data(two_lots(base, []))
    mapped = from_data(two_lots(base, abdomen_grid(200)))
    from mesodesk.rules import evaluate
    assert ([f.rule for f in evaluate(plain, catalogue)]
            == [f.rule for f in evaluate(mapped, catalogue)]), "the map changed the findings"
    for c in (plain, mapped):          # warm: fonts, charts, caches
        build_pack(c, catalogue)
    wall: dict[str, list[float]] = {"plain": [], "map": []}
    cpu: dict[str, list[float]] = {"plain": [], "map": []}
    sizes = {}
    for _ in range(args.runs):
        for name, c in (("plain", plain), ("map", mapped)):
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            pdf = build_pack(c, catalogue)
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            sizes[name] = len(pdf)
    points = sum(len(p.points) for p in mapped.products)
    print(f"{points}-point map, {args.runs} alternating builds each "
          f"({sizes['plain'] / 1024:.0f} KiB without, {sizes['map'] / 1024:.0f} KiB with)")
    for label, t in (("wall", wall), ("CPU", cpu)):
        a, b = median(t["plain"]), median(t["map"])
        print(f"  {label:4}: without {a:7.1f} ms, with {b:7.1f} ms median; the map adds "
              f"{b - a:6.1f} ms (target < 50 ms); ratio {b / a:.2f}x")


if __name__ == "__main__":
    main()
