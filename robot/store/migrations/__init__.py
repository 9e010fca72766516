"""Versioned SQL migrations of the case store (``NNNN_name.sql``, applied in order)."""
