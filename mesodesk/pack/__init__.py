"""The PDF consent and information pack. The only package importing reportlab.

    build_pack(consultation, catalogue, *, paper="a4", sealed=True) -> bytes
    pack_copies(pdf_bytes) -> PackCopies (the pages of the patient's copy and
                                          of the clinic's record)
    read_embedded(pdf_bytes) -> bytes | None
    verify_pack(pdf_bytes, catalogue, *, trusted=None, records=None) -> VerifyResult
    seal.export_certificate(path, clinic="") / seal.certificate_pem()

reportlab and pypdf load on first use of these names, so importing
``mesodesk.pack`` (or its :mod:`~mesodesk.pack.text` escaper) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesodesk.pack.builder import build_pack
    from mesodesk.pack.copies import PackCopies, pack_copies
    from mesodesk.pack.embed import NotAPack, read_embedded
    from mesodesk.pack.flow import PackError
    from mesodesk.pack.verification import VerifyResult, verify_pack

_LAZY = {"build_pack": "builder", "pack_copies": "copies", "PackCopies": "copies", "read_embedded": "embed", "NotAPack": "embed",
         "PackError": "flow", "VerifyResult": "verification", "verify_pack": "verification"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"mesodesk.pack.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'mesodesk.pack' has no attribute {name!r}")
