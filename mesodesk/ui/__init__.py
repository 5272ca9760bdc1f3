"""The consultation window (PySide6). Holds no clinical logic: the flow is
:mod:`mesodesk.ui.flow`, findings come from :mod:`mesodesk.rules` and the pack
from :mod:`mesodesk.pack`."""
