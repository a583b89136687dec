"""The audit log: every change, with who, from where, and the old and new values."""
