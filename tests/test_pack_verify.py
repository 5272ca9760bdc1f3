"""The same consultation gives the same bytes; ``verify`` notices any change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from mesodesk.cli import main
from mesodesk.domain import load
from mesodesk.pack import build_pack, read_embedded, verify_pack
from mesodesk.pack.embed import ATTACHMENT

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def consultation():
    return load(DATA / "pack_txa_melasma.json")


@pytest.fixture(scope="module")
def pdf(consultation, catalogue) -> bytes:
    return build_pack(consultation, catalogue)


def test_two_builds_are_byte_identical(consultation, catalogue, pdf):
    assert build_pack(consultation, catalogue) == pdf


def test_a_different_consultation_gives_a_different_fingerprint_on_every_page(
        consultation, catalogue, pdf):
    other = build_pack(consultation.replace(plan=consultation.plan.__class__(
        sessions=5, interval_weeks=2, notes="")), catalogue)
    assert other != pdf
    assert read_embedded(other) != read_embedded(pdf)


def test_verify_passes_on_a_fresh_pack(pdf, catalogue, tmp_path, capsys):
    result = verify_pack(pdf, catalogue)
    assert result.ok and not result.problems
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    assert main(["verify", str(path)]) == 0
    assert "unaltered" in capsys.readouterr().out


def _replace_embedded(pdf: bytes, data: bytes) -> bytes:
    """The pack with its embedded consultation replaced, everything else kept."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    stream.set_data(data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _verify_cli(data: bytes, tmp_path: Path, capsys) -> tuple[int, str]:
    path = tmp_path / "altered.pdf"
    path.write_bytes(data)
    code = main(["verify", str(path)])
    return code, capsys.readouterr().err


def test_verify_fails_when_one_byte_of_the_embedded_data_changes(pdf, tmp_path, capsys):
    data = read_embedded(pdf)
    assert data is not None
    # Change one byte of the patient's name ("Анна" -> "Бнна" keeps valid UTF-8 and JSON).
    index = data.index("Анна".encode())
    altered = data[:index] + bytes([data[index], data[index + 1] + 1]) + data[index + 2:]
    tampered = _replace_embedded(pdf, altered)
    assert read_embedded(tampered) == altered
    code, err = _verify_cli(tampered, tmp_path, capsys)
    assert code == 1
    assert "does not match the fingerprint" in err


def test_verify_fails_when_the_embedded_json_is_reformatted(pdf, consultation, tmp_path, capsys):
    from mesodesk.domain import dumps

    tampered = _replace_embedded(pdf, dumps(consultation).encode())
    code, err = _verify_cli(tampered, tmp_path, capsys)
    assert code == 1
    assert "embedded consultation data was altered" in err


def test_verify_fails_when_the_embedded_data_no_longer_reads(pdf, tmp_path, capsys):
    tampered = _replace_embedded(pdf, canonical_json_broken(pdf))
    code, err = _verify_cli(tampered, tmp_path, capsys)
    assert code == 1
    assert "no longer reads" in err


def canonical_json_broken(pdf: bytes) -> bytes:
    data = read_embedded(pdf) or b""
    return data[:-1]  # drop the closing brace


def test_verify_fails_when_page_text_changes(pdf, tmp_path, capsys):
    """Change one word in the page content (the visible text), keep the embedded data."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    page = writer.pages[4]
    contents = page.get_contents()
    raw = contents.get_data()
    assert b"(" in raw
    i = raw.index(b"Tj")
    j = raw.rindex(b"(", 0, i) + 1
    changed = raw[:j] + bytes([raw[j] ^ 0x01]) + raw[j + 1:]
    contents.set_data(changed)
    page[NameObject("/Contents")] = writer._add_object(contents)
    out = io.BytesIO()
    writer.write(out)
    code, err = _verify_cli(out.getvalue(), tmp_path, capsys)
    assert code == 1
    assert "page 5" in err and "differs" in err


def test_verify_fails_when_any_raw_byte_of_the_file_changes(pdf, catalogue):
    """A change anywhere (here: one byte of the author in the metadata) breaks the seal."""
    i = pdf.index(b"/Author (Riverside")
    tampered = pdf[:i + 9] + b"Q" + pdf[i + 10:]
    assert len(tampered) == len(pdf) and tampered != pdf
    result = verify_pack(tampered, catalogue)
    assert result.code == 1
    assert "the seal is broken" in result.problems[0]


def test_an_unsealed_pack_changed_in_place_is_named_by_the_rebuild(consultation, catalogue):
    """Without a seal, this version's rebuild names what differs."""
    unsealed = build_pack(consultation, catalogue, sealed=False)
    i = unsealed.index(b"/Author (Riverside")
    tampered = unsealed[:i + 9] + b"Q" + unsealed[i + 10:]
    result = verify_pack(tampered, catalogue)
    assert result.code == 1
    assert "bytes differ" in result.problems[0]


def test_verify_exit_2_on_a_pdf_that_is_not_a_pack(tmp_path, capsys):
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(100, 700, "An ordinary PDF")
    canvas.save()
    code, err = _verify_cli(buf.getvalue(), tmp_path, capsys)
    assert code == 2
    assert "no embedded consultation" in err


@pytest.mark.parametrize("content", [b"just some text\n", b"", b"%PDF-1.4\n garbage"])
def test_verify_exit_2_on_a_file_that_is_not_a_pdf(content, tmp_path, capsys):
    code, err = _verify_cli(content, tmp_path, capsys)
    assert code == 2
    assert err.startswith("mesodesk: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_verify_exit_2_on_a_missing_file(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "nope.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_letter_pack_verifies_too(consultation, catalogue):
    letter = build_pack(consultation, catalogue, paper="letter")
    box = PdfReader(io.BytesIO(letter)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert verify_pack(letter, catalogue).ok


def test_embedded_file_is_named_consultation_json(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == [ATTACHMENT]


def test_verify_names_a_changed_catalogue_rather_than_blaming_the_pack(consultation,
                                                                      catalogue):
    """An unsealed pack made with another catalogue cannot be proved by a rebuild,
    and the answer says so (3) rather than calling it altered (1)."""
    import dataclasses

    unsealed = build_pack(consultation, catalogue, sealed=False)
    texts = dataclasses.replace(catalogue.texts, results_vary=dataclasses.replace(
        catalogue.texts.results_vary, text="Results differ between people."))
    newer = dataclasses.replace(catalogue, texts=texts)
    result = verify_pack(unsealed, newer)
    assert result.code == 3 and not result.ok
    assert "does not rebuild it byte for byte" in result.sentence


def test_build_refuses_ids_the_catalogue_does_not_know(consultation, catalogue):
    from mesodesk.pack import PackError

    odd = consultation.replace(areas=("elbow-of-nowhere",))
    with pytest.raises(PackError, match=r"areas\[0\]: unknown area 'elbow-of-nowhere'"):
        build_pack(odd, catalogue)
