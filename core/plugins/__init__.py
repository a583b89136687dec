"""The plugin system: one pluggy manager, hook specifications, and the author's kit."""
