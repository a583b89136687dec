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


@lru_cache(maxsize=8)
def _fernet(secret_key: str, info: bytes = b"totp-seed-v1") -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"backoffice", info=info).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _info(purpose: str | None) -> bytes:
    """The HKDF label: TOTP seeds keep the original one; any other ``purpose`` gets its own key."""
    return b"totp-seed-v1" if purpose is None else f"{purpose}-v1".encode()


def encrypt(plain: str, purpose: str | None = None) -> str:
    return _fernet(get_settings().secret_key, _info(purpose)).encrypt(plain.encode()).decode()


def decrypt(token: str, purpose: str | None = None) -> str:
    try:
        fernet = _fernet(get_settings().secret_key, _info(purpose))
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the stored secret cannot be decrypted with this key") from None


def code_digest(code: str) -> str:
    """A keyed digest for short codes: a plain SHA-256 of a 6-digit code is reversed instantly."""
    key = hashlib.sha256(b"codes-v1:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
