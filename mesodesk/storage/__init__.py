"""mesodesk.storage."""
