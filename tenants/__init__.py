"""Tenancy: the company tree, the caller's scope and tenant bootstrap files."""
