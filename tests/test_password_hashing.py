"""The cheap test hashing must never leak into production behaviour."""

from argon2 import PasswordHasher

from core.auth import passwords


def test_suite_uses_cheap_argon2id_hashes():
    cheap = passwords.hash_password("Passw0rd!x")
    assert cheap.startswith("$argon2id$")
    assert passwords.verify_password(cheap, "Passw0rd!x")
    assert not passwords.verify_password(cheap, "wrong")


def test_production_parameters_rehash_a_cheap_hash(monkeypatch):
    cheap = passwords.hash_password("Passw0rd!x")
    monkeypatch.delenv(passwords.CHEAP_HASHING_VARIABLE)
    passwords._hasher.cache_clear()
    try:
        assert passwords._hasher().memory_cost == PasswordHasher().memory_cost
        assert passwords.verify_password(cheap, "Passw0rd!x")  # still signs in …
        assert passwords.needs_rehash(cheap)  # … and is re-hashed at production cost
        strong = passwords.hash_password("Passw0rd!x")
        assert not passwords.needs_rehash(strong)
    finally:
        monkeypatch.undo()
        passwords._hasher.cache_clear()
