"""Bank accounts (guide §6.11, §10.7): where a legal entity is paid."""
