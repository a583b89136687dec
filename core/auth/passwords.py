"""Password hashing with argon2id; parameters live in the hash so they can be raised later.

The suite creates and signs in thousands of users, and argon2's production cost (about 0.1 s a
hash) would dominate its run time. The test plugin therefore sets
``BACKOFFICE_TEST_CHEAP_PASSWORD_HASHING=1``, which switches to argon2's cheapest profile; a
hash made that way is still argon2id, verifies anywhere, and ``needs_rehash`` reports it so a
production process re-hashes it at the next sign-in.
"""

from __future__ import annotations

import os
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

CHEAP_HASHING_VARIABLE = "BACKOFFICE_TEST_CHEAP_PASSWORD_HASHING"


@cache
def _hasher() -> PasswordHasher:
    if os.environ.get(CHEAP_HASHING_VARIABLE) == "1":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
