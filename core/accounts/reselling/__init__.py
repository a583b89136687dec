"""Reselling (guide §14): which agreement a reseller's legal entity buys under, and when."""
