"""The pack on paper: every page rendered from the same PDF the patient saw."""

from __future__ import annotations

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget
from pypdf import PdfReader

from mesodesk.ui.preview import PdfError, PdfPreview, load_document, print_document


@pytest.fixture(scope="module")
def pack(catalogue) -> bytes:
    import json

    from mesodesk.domain import from_data
    from mesodesk.pack import build_pack
    from tests.conftest import DATA

    consultation = from_data(json.loads((DATA / "jane.json").read_text(encoding="utf-8")))
    return build_pack(consultation, catalogue, paper="a4")


def test_every_page_goes_to_the_printer(qtbot, pack, tmp_path):
    holder = QWidget()
    qtbot.addWidget(holder)
    document, _buffer = load_document(pack, holder)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # 1200 dpi: rendering is capped
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_document(document, printer) == document.pageCount()
    assert len(PdfReader(str(tmp_path / "printed.pdf")).pages) == len(PdfReader(
        __import__("io").BytesIO(pack)).pages)


def test_a_page_range_prints_only_those_pages(qtbot, pack, tmp_path):
    holder = QWidget()
    qtbot.addWidget(holder)
    document, _buffer = load_document(pack, holder)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "range.pdf"))
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    assert print_document(document, printer) == 2
    assert len(PdfReader(str(tmp_path / "range.pdf")).pages) == 2


def test_bytes_that_are_not_a_pdf_are_refused_in_one_sentence(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    with pytest.raises(PdfError, match="could not be read as a PDF"):
        load_document(b"%PDF-1.4 this is not really a pdf", holder)
    preview = PdfPreview()
    qtbot.addWidget(preview)
    with pytest.raises(PdfError):
        preview.show_pdf(b"hello")
    assert preview.document is None
