"""Authentication: password hashes, UI sessions and API tokens."""
