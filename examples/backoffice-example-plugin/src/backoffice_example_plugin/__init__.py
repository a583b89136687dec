"""An example BackOffice plugin, meant to be copied: see README.md."""
