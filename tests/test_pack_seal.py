"""The seal on every pack, and ``verify`` that outlives program versions.

Exit codes: 0 proved unaltered, 1 altered, 2 not a pack, 3 cannot prove.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

import mesodesk
from mesodesk.cli import main
from mesodesk.domain import load, loads
from mesodesk.pack import build_pack, read_embedded, verify_pack
from mesodesk.pack import builder as pack_builder
from mesodesk.pack.seal import (FIELD_NAME, certificate_pem, export_certificate,
                                installation_key, key_path)
from tests.conftest import DATA

PACKS = DATA / "packs"
SEALED = PACKS / "sealed-format2.pdf"          # made by this release with the test key
OLD_UNSEALED = PACKS / "v0.1.0-format1-unsealed.pdf"  # made before the seal and format /2
TEST_CERT = PACKS / "test-seal-cert.pem"
TEST_KEY = PACKS / "test-seal-key.pem"


@pytest.fixture(scope="module")
def consultation():
    return load(DATA / "pack_txa_melasma.json")


@pytest.fixture(scope="module")
def pdf(consultation, catalogue) -> bytes:
    return build_pack(consultation, catalogue)


def verify_cli(data: bytes, tmp_path: Path, capsys, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    code = main(["verify", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def installed_test_key(home: Path) -> None:
    """This installation's key is the one that sealed ``SEALED``."""
    data = home / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEST_KEY, data / "seal.pem")
    os.chmod(data / "seal.pem", 0o600)


# -- the seal ----------------------------------------------------------------------------


def test_pyhankos_own_validator_judges_the_seal_valid_over_the_whole_file(pdf, consultation):
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    cert = x509.Certificate.load(installation_key(create=False).certificate_der)
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.field_name for s in signatures] == [FIELD_NAME]
    status = validate_pdf_signature(
        signatures[0], ValidationContext(trust_roots=[cert], allow_fetching=False))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signing_cert.subject.native["common_name"] == consultation.clinic.name


def test_the_seal_is_added_once_after_the_embedded_consultation(pdf, consultation, catalogue):
    unsealed = build_pack(consultation, catalogue, sealed=False)
    assert pdf.startswith(unsealed) and len(pdf) > len(unsealed)
    assert read_embedded(pdf) == read_embedded(unsealed)
    assert pdf.count(FIELD_NAME.encode()) == 1


def test_same_consultation_and_key_give_the_same_bytes_another_key_only_another_seal(
        pdf, consultation, catalogue, fresh_home):
    again = build_pack(consultation, catalogue)
    assert again != pdf  # fresh_home: this installation now has a new key
    unsealed = build_pack(consultation, catalogue, sealed=False)
    assert again.startswith(unsealed) and pdf.startswith(unsealed)
    assert build_pack(consultation, catalogue) == again


def test_the_key_is_made_at_first_use_readable_only_by_its_owner(fresh_home, consultation,
                                                                 catalogue):
    path = key_path()
    assert path == fresh_home / "data" / "seal.pem" and not path.exists()
    build_pack(consultation, catalogue)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    build_pack(consultation, catalogue)
    assert path.read_bytes() == first  # made once, then kept


def test_the_certificate_exports_as_pem_naming_the_clinic(fresh_home, tmp_path):
    out = export_certificate(tmp_path / "clinic-seal.pem", "Riverside Aesthetics")
    pem = out.read_bytes()
    assert pem == certificate_pem() and pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE" not in pem
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(out)],
                          capture_output=True, text=True, check=True).stdout
    assert "Subject: CN = Riverside Aesthetics, O = Riverside Aesthetics" in text
    assert "Public-Key: (3072 bit)" in text


# -- verify: proved ----------------------------------------------------------------------


def test_a_fresh_pack_is_proved_by_its_seal(pdf, tmp_path, capsys):
    code, out, _ = verify_cli(pdf, tmp_path, capsys)
    assert code == 0
    assert "unaltered, proved: its seal is intact over the whole file" in out


def test_a_pack_made_by_this_release_still_verifies_after_a_version_bump(
        tmp_path, capsys, monkeypatch, fresh_home):
    """The kept pack, checked against the clinic's published certificate, then
    with its key as this installation's own, by a 'newer' program."""
    monkeypatch.setattr(mesodesk, "__version__", "99.0.0")
    monkeypatch.setattr(pack_builder, "__version__", "99.0.0")
    sealed = SEALED.read_bytes()
    code, out, err = verify_cli(sealed, tmp_path, capsys, "--cert", str(TEST_CERT))
    assert code == 0, err
    assert "Riverside Aesthetics" in out
    installed_test_key(fresh_home)
    code, out, err = verify_cli(sealed, tmp_path, capsys)
    assert code == 0, err


def test_a_seal_by_a_certificate_not_known_here_cannot_prove(tmp_path, capsys):
    code, _, err = verify_cli(SEALED.read_bytes(), tmp_path, capsys)
    assert code == 3
    assert "a certificate this installation does not trust" in err and "--cert" in err


def test_an_unsealed_pack_of_this_version_is_proved_by_rebuilding(consultation, catalogue,
                                                                  tmp_path, capsys):
    unsealed = build_pack(consultation, catalogue, sealed=False)
    code, out, _ = verify_cli(unsealed, tmp_path, capsys)
    assert code == 0 and "rebuilds it byte for byte" in out


def test_a_sealed_pack_still_proves_after_the_catalogue_changes(pdf, catalogue):
    import dataclasses

    texts = dataclasses.replace(catalogue.texts, results_vary=dataclasses.replace(
        catalogue.texts.results_vary, text="Results differ between people."))
    assert verify_pack(pdf, dataclasses.replace(catalogue, texts=texts)).code == 0


# -- verify: cannot prove, unless a record holds the bytes -------------------------------


def test_an_unsealed_pack_from_another_version_cannot_be_proved(tmp_path, capsys):
    old = OLD_UNSEALED.read_bytes()
    assert json.loads(read_embedded(old))["format"] == "mesodesk-consultation/1"
    code, _, err = verify_cli(old, tmp_path, capsys)
    assert code == 3
    assert "cannot prove it unaltered: it carries no seal" in err
    assert "mesodesk-consultation/1" in err and err.count("\n") == 1


def test_an_old_pack_is_proved_by_the_signed_record_holding_its_bytes(tmp_path, capsys):
    from mesodesk.domain import fingerprint
    from mesodesk.storage import open_store

    old = OLD_UNSEALED.read_bytes()
    consultation = loads(read_embedded(old))
    db = tmp_path / "records.sqlite3"
    with open_store(db) as store:
        store.sign(None, consultation, old, fingerprint(consultation), "Dr Ana Silva")
    code, out, err = verify_cli(old, tmp_path, capsys, "--database", str(db))
    assert code == 0, err
    assert "it is exactly the signed record" in out
    # One byte different is not the record, and nothing else proves it.
    i = old.index(b"/Author (") + 9
    code, _, err = verify_cli(old[:i] + b"Q" + old[i + 1:], tmp_path, capsys,
                              "--database", str(db))
    assert code == 3, err


# -- verify: altered ---------------------------------------------------------------------


def test_one_flipped_byte_inside_a_sealed_pack_is_altered(pdf, tmp_path, capsys):
    # A byte inside a page's compressed content: the file still reads as a PDF.
    start = pdf.index(b"stream", pdf.index(b"/Filter")) + 200
    flipped = pdf[:start] + bytes([pdf[start] ^ 0x01]) + pdf[start + 1:]
    code, _, err = verify_cli(flipped, tmp_path, capsys)
    assert code == 1
    assert "the seal is broken" in err


def test_an_added_page_is_altered(pdf, tmp_path, capsys):
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    code, _, err = verify_cli(out.getvalue(), tmp_path, capsys)
    assert code == 1
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"page {pages + 1} does not state the embedded data's fingerprint" in err


def test_an_added_page_in_an_unsealed_pack_is_altered(consultation, catalogue, tmp_path,
                                                      capsys):
    """Even when this version cannot rebuild the pack, an added page shows."""
    writer = PdfWriter(clone_from=OLD_UNSEALED)
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    code, _, err = verify_cli(out.getvalue(), tmp_path, capsys)
    assert code == 1 and "does not state the embedded data's fingerprint" in err


def test_an_incremental_update_after_the_seal_is_altered(pdf, tmp_path, capsys):
    """The original bytes and seal untouched; a new title appended as an update."""
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_metadata({"/Title": "Something else"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(pdf)
    code, _, err = verify_cli(updated, tmp_path, capsys)
    assert code == 1
    assert "bytes were added after the seal" in err


def test_bytes_appended_after_the_seal_are_altered(pdf, tmp_path, capsys):
    code, _, err = verify_cli(pdf + b"\n% appended\n", tmp_path, capsys)
    assert code == 1 and "bytes were added after the seal" in err


def _with_embedded(pdf: bytes, data: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    stream.set_data(data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_changed_embedded_lot_is_altered(pdf, tmp_path, capsys):
    data = read_embedded(pdf)
    lot = loads(data).products[0].lot
    changed = data.replace(f'"lot":"{lot}"'.encode(), b'"lot":"OTHER1"')
    assert changed != data
    code, _, err = verify_cli(_with_embedded(pdf, changed), tmp_path, capsys)
    assert code == 1
    assert "does not match the fingerprint" in err


def test_a_damaged_sealed_pack_that_no_longer_reads_is_altered_not_foreign(pdf, tmp_path,
                                                                           capsys):
    i = pdf.rindex(b"startxref")
    code, _, err = verify_cli(pdf[:i] + b"startxref\n0\n%%EOF\n", tmp_path, capsys)
    assert code in (1,), err


def test_not_a_pack_is_still_2(tmp_path, capsys):
    code, _, err = verify_cli(b"plain text\n", tmp_path, capsys)
    assert code == 2 and "not a PDF" in err


def test_a_bad_certificate_file_is_one_sentence(pdf, tmp_path, capsys):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    code, _, err = verify_cli(pdf, tmp_path, capsys, "--cert", str(bad))
    assert code == 2 and "not a certificate" in err and err.count("\n") == 1
