"""Where the core dictionaries' values come from: one loader module per source."""
