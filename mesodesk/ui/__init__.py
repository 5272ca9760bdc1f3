"""The consultation window (PySide6). Holds no clinical logic: it shows a
:class:`mesodesk.session.ConsultationSession`, which holds the consultation,
its steps and findings, and performs preview, signing and storing."""
