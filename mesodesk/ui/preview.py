"""The real PDF on screen (QtPdf) and on paper (QPrinter).

The pack is shown as it will print: the same bytes :func:`mesodesk.pack.build_pack`
returned, loaded into a ``QPdfDocument`` from memory. Printing renders each
page from that document at the printer's resolution, so what the patient saw
is what the printer gets.
"""

from __future__ import annotations

import logging
from typing import Sequence

from PySide6.QtCore import (QBuffer, QByteArray, QEvent, QIODevice, QObject, QRect, QSize, Qt,
                            Signal)
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

MAX_RENDER_DPI = 300


class PdfError(RuntimeError):
    """The PDF could not be shown or printed; the message is one sentence."""


def load_document(pdf: bytes, parent: QObject) -> tuple[QPdfDocument, QBuffer]:
    """A document read from memory. Keep the buffer alive as long as the document."""
    document = QPdfDocument(parent)
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise PdfError(f"the pack could not be read as a PDF ({document.error().name})")
    return document, buffer


def print_document(document: QPdfDocument, printer: QPrinter,
                   only: Sequence[int] | None = None) -> int:
    """Render every page (or the 1-based pages ``only``, e.g. one copy of the
    pack) at the printer's resolution onto ``printer``; returns the number of
    pages sent."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PdfError("the printer could not be started")
    pages = document.pageCount()
    first, last = 0, pages - 1
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first, last = printer.fromPage() - 1, min(printer.toPage() - 1, pages - 1)
    chosen = range(first, last + 1) if only is None else [n - 1 for n in only
                                                          if 0 < n <= pages]
    sent = 0
    try:
        for page in chosen:
            if sent:
                printer.newPage()
            target = painter.viewport()
            point = document.pagePointSize(page)
            # where the page goes, in printer pixels, keeping its shape
            place = QSize(round(point.width() / 72 * printer.resolution()),
                          round(point.height() / 72 * printer.resolution()))
            place.scale(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            # rendered at the printer's resolution, but at most 300 dpi: a 1200 dpi
            # A4 page would be a 550 MB image, and ink cannot show the difference
            dpi = min(printer.resolution(), MAX_RENDER_DPI)
            pixels = QSize(round(point.width() / 72 * dpi), round(point.height() / 72 * dpi))
            if pixels.width() > place.width() or pixels.height() > place.height():
                pixels.scale(place, Qt.AspectRatioMode.KeepAspectRatio)  # never enlarge
            image = document.render(page, pixels)
            painter.drawImage(QRect(target.topLeft(), place), image)
            sent += 1
    finally:
        painter.end()
    return sent


def print_pdf_bytes(pdf: bytes, printer: QPrinter, only: Sequence[int] | None = None) -> int:
    """Print a PDF given as bytes; safe on a worker thread (the document and its
    buffer are made and dropped there; Qt allows painting on a QPrinter off the
    GUI thread). Returns the number of pages sent."""
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    try:
        if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
            raise PdfError(f"the pack could not be read as a PDF ({document.error().name})")
        return print_document(document, printer, only)
    finally:
        document.close()
        buffer.close()


class PdfPreview(QWidget):
    """The pack, page after page, fitted to the width of the window.
    ``reached_end`` is emitted once per document, when its last page has been
    scrolled into view."""

    reached_end = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QPdfView(self)
        self.view.setAccessibleName("Pack preview")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.pages = QLabel("No pack yet.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        layout.addWidget(self.view, 1)
        self.document: QPdfDocument | None = None
        self._buffer: QBuffer | None = None
        self.pdf: bytes = b""
        self.read_to_end = False
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(self._check_end)
        bar.rangeChanged.connect(self._check_end)
        self.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Reading keys: Home/Ctrl+Home to the start of the pack, End/Ctrl+End to
        its end, Space a screen down and Shift+Space a screen up (the arrows and
        Page Up/Down are the view's own)."""
        if watched is self.view and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent):
            bar = self.view.verticalScrollBar()
            key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            ctrl = mods == Qt.KeyboardModifier.ControlModifier
            plain = mods == Qt.KeyboardModifier.NoModifier
            shift = mods == Qt.KeyboardModifier.ShiftModifier
            if key == Qt.Key.Key_Home and (plain or ctrl):
                bar.setValue(bar.minimum())
                return True
            if key == Qt.Key.Key_End and (plain or ctrl):
                bar.setValue(bar.maximum())
                return True
            if key == Qt.Key.Key_Space and (plain or shift):
                step = bar.pageStep() if plain else -bar.pageStep()
                bar.setValue(bar.value() + step)
                return True
        return super().eventFilter(watched, event)

    def _check_end(self, *_args: object) -> None:
        if self.document is None or self.read_to_end:
            return
        bar = self.view.verticalScrollBar()
        scrolled = bar.maximum() > 0 and bar.value() >= bar.maximum() - bar.singleStep()
        if scrolled or self.document.pageCount() == 1:
            self.read_to_end = True
            self.pages.setText(self.pages.text().replace(
                " Scroll to read every page.", " Every page has been on screen."))
            self.reached_end.emit()

    def show_pdf(self, pdf: bytes) -> None:
        document, buffer = load_document(pdf, self)
        old_doc, old_buf = self.document, self._buffer
        self.view.setDocument(document)
        self.document, self._buffer, self.pdf = document, buffer, pdf
        self.read_to_end = False
        self.view.verticalScrollBar().setValue(0)
        count = document.pageCount()
        self.pages.setText(f"{count} page{'s' if count != 1 else ''}. Scroll to read every page.")
        for obj in (old_doc, old_buf):
            if obj is not None:
                obj.deleteLater()

    def clear(self) -> None:
        self.view.setDocument(None)  # type: ignore[arg-type]
        self.document = None
        self.read_to_end = False
        self.pdf = b""
        self.pages.setText("No pack yet.")
