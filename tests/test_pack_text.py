"""User text is data, never markup: it prints exactly as typed, whatever it holds."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from mesodesk.catalogue import default_catalogue
from mesodesk.pack import PackError, build_pack
from mesodesk.pack.text import clean, markup


def test_markup_escapes_everything_and_keeps_line_breaks():
    assert markup("Zoë <b>O'Hara & Sons</b>") == "Zoë &lt;b&gt;O'Hara &amp; Sons&lt;/b&gt;"
    assert markup("line one\r\nline two\rthree") == "line one<br/>line two<br/>three"


def test_clean_normalises_to_nfc_and_drops_control_characters():
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    assert clean(decomposed) == "Zoë"
    assert clean("a\x00b\x07c\x1bd\x7fe\ud800f") == "abcdef"
    assert clean("tab\there") == "tab here"


def page_text(pdf: bytes, page: int = 0) -> str:
    return " ".join((PdfReader(io.BytesIO(pdf)).pages[page].extract_text() or "").split())


def test_markup_in_a_name_prints_exactly_as_typed(make_consultation, catalogue):
    name = "Zoë <b>O'Hara & Sons</b> &amp; <font size=40>x</font>"
    pdf = build_pack(make_consultation({"patient": {"name": name}}), catalogue)
    assert name in page_text(pdf)


def visible(text: str) -> bool:
    """Required names must have a character that prints (the schema's rule)."""
    return any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in text)


# Text a patient or practitioner might type, and text they should not but might paste.
awkward = st.lists(
    st.one_of(
        st.sampled_from(list("<>&'\"/;=#[](){}\\*_`~|%$")),
        st.sampled_from(["<b>", "</para>", "<br/>", "&amp;", "&#0;", "<font size=99>",
                         "\u202e", "\u200f", "שלום", "مرحبا", "\u0301", "\u0308", "👩‍⚕️", "😀",
                         "\x00", "\x07", "\x1b", "\x7f", "\t", "\n", "\r\n", "\u2028", "\ufeff",
                         "Ελένη", "Жанна", "Zoë", "ß", "İ"]),
        st.characters(codec="utf-8"),
        st.text(max_size=5),
    ),
    max_size=12,
).map("".join)
# Names restricted to what DejaVu Sans draws, so extraction can read them back.
printable_name = st.text(
    alphabet=st.one_of(st.sampled_from(list("<>&'\"/;= -.()[]")),
                       st.characters(min_codepoint=0x41, max_codepoint=0x17F,
                                     categories=("Lu", "Ll")),
                       st.characters(min_codepoint=0x391, max_codepoint=0x3C9,
                                     categories=("Lu", "Ll")),
                       st.characters(min_codepoint=0x410, max_codepoint=0x44F)),
    min_size=1, max_size=30,
).filter(visible)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=awkward.filter(visible), other=awkward)
def test_any_text_in_every_free_text_field_still_builds(make_consultation, name, other):
    catalogue = default_catalogue()  # not a fixture argument: its repr is huge on failure
    required = other if visible(other) else "x"
    c = make_consultation({
        "clinic": {"name": name, "address": other, "phone": other, "emergency_phone": other},
        "practitioner": {"name": required, "registration": other},
        "patient": {"name": name, "phone": other, "email": other},
        "screening": {"allergies": [other], "medications": other, "notes": other},
        "products": [{"id": "hyaluronic-acid-non-crosslinked", "lot": other,
                      "expiry": "2027-05-31", "volume_ml": 2.0}],
        "plan": {"notes": other},
        "consent": {"overrides": [{"rule": "anticoagulant-deoxycholic-acid",
                                   "reason": required}],
                    "signatures": [{"role": "witness", "name": name,
                                    "signed_at": "2026-11-25T10:00:00+01:00"}]},
    })
    try:
        pdf = build_pack(c, catalogue)
    except PackError as exc:  # only for characters the font has no glyph for
        assert "has characters the pack's font cannot print" in str(exc)
        from mesodesk.pack.fonts import missing_glyphs

        assert missing_glyphs(clean(name + other))
        return
    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 5


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=printable_name)
def test_patient_name_round_trips_through_the_pdf(make_consultation, name):
    pdf = build_pack(make_consultation({"patient": {"name": name}}), default_catalogue())
    expected = " ".join(unicodedata.normalize("NFC", clean(name)).split())
    got = unicodedata.normalize("NFC", page_text(pdf))
    assert expected in got


def test_a_damaged_signature_image_is_one_clear_error(make_consultation, catalogue):
    sig = {"role": "patient", "name": "Jane O'Hara", "signed_at": "2026-11-25T14:00:00Z",
           "image_png_base64": "bm90IGEgcG5n"}  # "not a png"
    c = make_consultation({"consent": {"signatures": [sig]}})
    with pytest.raises(PackError, match=r"consent\.signatures\[0\]\.image_png_base64: not a PNG"):
        build_pack(c, catalogue)
    sig["image_png_base64"] = "%%%"
    with pytest.raises(PackError, match="not base64"):
        build_pack(make_consultation({"consent": {"signatures": [sig]}}), catalogue)


def test_running_header_shortens_long_names_to_fit():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from mesodesk.pack.document import fit
    from mesodesk.pack.fonts import FAMILY, register_fonts

    register_fonts()
    long = "Dr Maximilian Alexander " * 6 + "\nvon Habsburg"
    short = fit(long, FAMILY, 9.5, 200)
    assert short.endswith("…") and "\n" not in short
    assert stringWidth(short, FAMILY, 9.5) <= 200
    assert fit("Zoë <b>O'Hara</b>", FAMILY, 9.5, 200) == "Zoë <b>O'Hara</b>"


def test_text_the_font_cannot_draw_is_refused_naming_the_field(make_consultation, catalogue):
    """No empty boxes in a signed document: Chinese (no glyphs in DejaVu) is refused."""
    with pytest.raises(PackError, match=r"^patient\.name: has characters the pack's font "
                                        r"cannot print \(李小龙\)"):
        build_pack(make_consultation({"patient": {"name": "李小龙"}}), catalogue)
    with pytest.raises(PackError, match=r"^screening\.allergies\[1\]: .*\(花粉\)"):
        build_pack(make_consultation({"screening": {"allergies": ["latex", "花粉"]}}),
                   catalogue)
    # Hebrew, Arabic, Greek, Cyrillic and this emoji have glyphs: no refusal.
    build_pack(make_consultation({"screening": {"notes": "שלום مرحبا Ελένη Жанна 😀"}}),
               catalogue)


def test_a_signature_png_with_damaged_pixels_is_one_clear_error(make_consultation, catalogue):
    import base64
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parent / "data" / "pack_hair_dutasteride.json")
                      .read_text(encoding="utf-8"))
    sig = data["consent"]["signatures"][0]
    raw = bytearray(base64.b64decode(sig["image_png_base64"]))
    raw[raw.index(b"IDAT") + 40] ^= 0x10
    sig["image_png_base64"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(PackError, match=r"signatures\[0\]\.image_png_base64: the PNG image "
                                        r"cannot be read"):
        build_pack(make_consultation({"consent": data["consent"]}), catalogue)


def test_ten_thousand_characters_in_a_table_cell_still_builds(make_consultation, catalogue):
    """A very long lot or name splits across pages instead of failing the layout."""
    long = ("Lot " + "0123456789 " * 1000)[:10_000]
    pdf = build_pack(make_consultation({
        "patient": {"name": "Jane " + "O'Hara " * 1400},
        "products": [{"id": "hyaluronic-acid-non-crosslinked", "lot": long,
                      "expiry": "2027-05-31", "volume_ml": 2.0}]}), catalogue)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    record = iter(text[text.index("Clinic'srecord"):])
    # Every character of the lot, in order (other cells and page footers interleave).
    assert all(ch in record for ch in "".join(long.split()))


def test_the_fast_right_to_left_test_matches_unicode_for_every_code_point():
    """has_rtl (a regex over blocks) must catch every strong right-to-left character."""
    from mesodesk.pack.text import has_rtl

    strong = [c for c in range(0x110000)
              if unicodedata.bidirectional(chr(c)) in ("R", "AL")]
    assert [hex(c) for c in strong if not has_rtl(chr(c))] == []
    assert not has_rtl("Zoë O'Hara, Ελένη, Жанна")
