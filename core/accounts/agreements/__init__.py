"""Agreements (guide §6.3): what a tenant sells a company under, with dated versions of terms."""
