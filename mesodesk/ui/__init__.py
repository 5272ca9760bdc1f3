"""mesodesk.ui."""
