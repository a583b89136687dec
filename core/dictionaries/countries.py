"""Built-in plugin placeholder: the countries dictionary (filled by the plugin work)."""
