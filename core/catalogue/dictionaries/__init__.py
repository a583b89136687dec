"""Reference dictionaries: the values rate-tree attributes take (countries, networks, WhatsApp
regions ...), core ones and those channel plugins contribute through ``register_dictionaries``."""
