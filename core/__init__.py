"""BackOffice core: tenancy, hierarchy, agreements, rating and invoicing live here."""

__version__ = "0.1.0"
