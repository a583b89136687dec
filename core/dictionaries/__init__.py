"""Reference dictionaries used as rate-tree attribute values."""
