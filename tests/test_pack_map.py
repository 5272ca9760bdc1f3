"""The injection map in the pack: charts and numbered points drawn as vectors in
the treatment record with a legend (product, lot, volume, depth per point), a
small version on the aftercare card, and the same bytes every time."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from mesodesk.catalogue.charts import load_chart
from mesodesk.domain import from_data, load
from mesodesk.pack import build_pack

DATA = Path(__file__).parent / "data"


def flat(text: str) -> str:
    return " ".join(text.split())


class Built:
    def __init__(self, consultation, catalogue) -> None:
        self.consultation = consultation
        self.pdf = build_pack(consultation, catalogue)
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.pages = [flat(p.extract_text() or "") for p in self.reader.pages]
        self.text = " ".join(self.pages)

    def page_with(self, words: str) -> int:
        hits = [i for i, t in enumerate(self.pages) if words in t]
        assert hits, f"no page says {words!r}"
        return hits[0]


def abdomen_points(n: int, volume: float = 0.05) -> list[dict]:
    chart = load_chart("body-front")
    sx = 1.0 / (chart.width * chart.cm_per_unit)
    sy = 1.0 / (chart.height * chart.cm_per_unit)
    spots = [(round(0.013 + i * sx, 4), round(0.011 + j * sy, 4))
             for j in range(int(1 / sy)) for i in range(int(1 / sx))]
    spots = [p for p in spots if chart.area_at(*p) == "abdomen"][:n]
    assert len(spots) == n
    return [{"view": "body-front", "x": x, "y": y, "volume_ml": volume} for x, y in spots]


@pytest.fixture(scope="module")
def dca_map(catalogue) -> Built:
    return Built(load(DATA / "pack_dca_map.json"), catalogue)


@pytest.fixture(scope="module")
def plain(catalogue) -> Built:
    return Built(load(DATA / "pack_dca_submental.json"), catalogue)


def test_the_record_shows_the_map_with_a_legend_of_every_point(dca_map):
    c = dca_map.consultation
    assert sum(len(p.points) for p in c.products) == 20
    record = dca_map.page_with("Clinic's record")
    at = dca_map.page_with("Injection map")
    assert at >= record
    text = " ".join(dca_map.pages[at:at + 2])
    # the key: product, lot, count and total
    assert "Deoxycholic acid 10 mg/mL (Belkyra) (lot KYB2210): 20 injections, 4 mL in total" \
        in text
    # the legend: product and lot, then points with chart, area, volume and depth
    legend = text[text.index("Injection points"):]
    assert "Points Chart and area Volume Depth" in legend
    assert "Deoxycholic acid 10 mg/mL (Belkyra), lot KYB2210" in legend
    assert re.search(r"1–10 Face, left side: Under the chin \(submental\) 0\.2 mL each 6 mm",
                     legend), legend[:400]
    assert re.search(r"11–20 Face, right side: Under the chin \(submental\) 0\.2 mL each 6 mm",
                     legend)


def test_the_map_is_vector_graphics_not_an_image(dca_map):
    at = dca_map.page_with("Injection map")
    page = dca_map.reader.pages[at]
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    assert not [k for k, v in xobjects.items() if v.get_object().get("/Subtype") == "/Image"]
    content = page.get_contents().get_data()
    # the chart outline is drawn with path operators; each mark is a filled path
    assert content.count(b" l\n") + content.count(b" l ") > 200


def test_point_numbers_are_placed_where_there_is_room():
    from mesodesk.pack.chart import ChartFigure, Mark, Style
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    chart = load_chart("body-front")
    style = Style(colors.black, "circle")
    sparse = [Mark(i + 1, p["x"], p["y"], style) for i, p in enumerate(abdomen_points(200))
              if i % 37 == 0]
    figure = ChartFigure(chart, sparse, 80 * mm, 120 * mm, planned=frozenset({"abdomen"}))
    assert [n for n, _, _ in figure.number_at] == [str(m.number) for m in sparse]
    assert figure.hidden_numbers == 0
    dense = [Mark(i + 1, p["x"], p["y"], style) for i, p in enumerate(abdomen_points(200))]
    figure = ChartFigure(chart, dense, 80 * mm, 120 * mm, planned=frozenset({"abdomen"}))
    shown = [int(n) for n, _, _ in figure.number_at]
    assert shown[0] == 1 and 0 < figure.hidden_numbers < 200
    # no two numbers overlap
    boxes = [(x, y, x + 3.5 * len(n), y + 4.5) for n, x, y in figure.number_at]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def test_the_aftercare_card_has_the_small_map_and_stays_at_twelve_point(dca_map):
    number = dca_map.page_with("Aftercare card Keep this card.")
    card = dca_map.pages[number]
    assert "Where you were treated: each mark is one of your 20 injections" in card
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add((round(size * tm[3] * cm[3], 2), text.strip()[:30]))

    dca_map.reader.pages[number].extract_text(visitor_text=visit)
    running = ("Fingerprint", "Page ", "Patient's copy", "Ελένη Παπαδοπούλου, born")
    small = [(s, t) for s, t in sizes if s < 12 and not t.startswith(running)]
    assert not small, small     # the card was not shrunk to make room for the map


def test_no_points_no_map(plain):
    assert "Injection map" not in plain.text
    assert "Where you were treated" not in plain.text


def test_the_same_consultation_with_a_map_gives_the_same_bytes(dca_map, catalogue):
    again = build_pack(load(DATA / "pack_dca_map.json"), catalogue)
    assert again == dca_map.pdf


def test_moving_one_point_changes_the_pack(dca_map, catalogue):
    data = json.loads((DATA / "pack_dca_map.json").read_text(encoding="utf-8"))
    data["products"][0]["points"][0]["x"] += 0.01
    assert build_pack(from_data(data), catalogue) != dca_map.pdf


def test_runs_split_where_volume_or_depth_changes(catalogue):
    data = json.loads((DATA / "pack_pcdc_abdomen.json").read_text(encoding="utf-8"))
    data["format"] = "mesodesk-consultation/2"
    pts = abdomen_points(6, 0.1)
    pts[2]["depth_mm"] = 6.0
    pts[3]["volume_ml"] = 0.2
    data["products"][0]["points"] = pts
    data["products"][0]["volume_ml"] = 0.7
    built = Built(from_data(data), catalogue)
    legend = built.text[built.text.index("Injection points"):]
    assert "1, 2 Body, front: Abdomen 0.1 mL each 8 mm" in legend
    assert "3 Body, front: Abdomen 0.1 mL 6 mm" in legend
    assert "4 Body, front: Abdomen 0.2 mL 8 mm" in legend
    assert "5, 6 Body, front: Abdomen 0.1 mL each 8 mm" in legend


def test_two_products_have_their_own_markers_and_legend_rows(catalogue):
    data = json.loads((DATA / "pack_pcdc_abdomen.json").read_text(encoding="utf-8"))
    data["format"] = "mesodesk-consultation/2"
    pts = abdomen_points(8, 0.1)
    data["products"][0]["points"] = pts[:5]
    data["products"][0]["volume_ml"] = 0.5
    data["products"].append({"id": "lidocaine", "lot": "LID9", "expiry": "2027-06-30",
                             "volume_ml": 0.3, "points": pts[5:]})
    built = Built(from_data(data), catalogue)
    legend = built.text[built.text.index("Injection points"):]
    first, second = legend.index("lot PCDC77"), legend.index("lot LID9")
    assert first < legend.index("1–5 Body") < second < legend.index("6–8 Body")
    assert "5 injections, 0.5 mL in total" in built.text
    assert "3 injections, 0.3 mL in total" in built.text


def test_two_hundred_points_fit_and_stay_deterministic(catalogue):
    data = json.loads((DATA / "pack_pcdc_abdomen.json").read_text(encoding="utf-8"))
    data["format"] = "mesodesk-consultation/2"
    data["products"][0]["points"] = abdomen_points(200)
    data["products"][0]["volume_ml"] = 10.0
    c = from_data(data)
    first = Built(c, catalogue)
    assert "200 injections, 10 mL in total" in first.text
    assert "1–200 Body, front: Abdomen 0.05 mL each 8 mm" in first.text
    # crowded marks: some numbers are left out, and the page says so
    assert "some numbers are left out" in first.text
    assert build_pack(c, catalogue) == first.pdf
