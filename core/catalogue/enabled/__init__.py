"""Enabled services (guide §6.4): which services, packs, bundle initiators and bundle packs an
agreement has, and when."""
