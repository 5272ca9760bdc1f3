"""mesodesk: a desktop consultation aid for mesotherapy."""

__version__ = "0.1.0"
