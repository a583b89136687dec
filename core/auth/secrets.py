"""Encryption at rest for secrets we must read back (TOTP seeds), keyed from the app secret.

A hash is not enough for a TOTP seed: the server recomputes codes from it. The Fernet key is
derived with HKDF from ``BACKOFFICE_SECRET_KEY`` so a database dump alone reveals nothing, and a
dedicated ``info`` label keeps this key independent of every other use of the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.settings import get_settings


class SecretUnreadable(Exception):
    """The stored value was encrypted under another secret key (or is corrupt)."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"backoffice", info=b"totp-seed-v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    return _fernet(get_settings().secret_key).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(get_settings().secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the stored secret cannot be decrypted with this key") from None


def code_digest(code: str) -> str:
    """A keyed digest for short codes: a plain SHA-256 of a 6-digit code is reversed instantly."""
    key = hashlib.sha256(b"codes-v1:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
