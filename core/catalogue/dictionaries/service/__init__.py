"""Reading dictionaries: indexes built once, lookups, searches and pages."""
