"""mesodesk.pack."""
