"""Authenticated encryption for a secret kept in the shared store (the Zoom token).

A Server-to-Server token is as good as an admin's password for an hour, and the store
keeps only bytes (``put_shared``), so what reaches it is sealed here first, with
``cryptography``'s Fernet: AES-128-CBC with an HMAC-SHA256 over the whole message, a
random IV per message, and a version byte, behind two calls (encrypt, decrypt) that
leave no nonce or padding to get wrong (https://cryptography.io/en/latest/fernet/).

Its key is derived from ``SECUREMEET_SECRET_KEY`` (``Config.key_bytes()``) with HKDF-SHA256
and a label per purpose, so the key that seals tokens is never the one that keys passcode
fingerprints, and a leaked row cannot be read without the secret. Every replica derives
the same key from the same secret; one with a different secret cannot open the row
(:meth:`Sealer.open` answers None) and says so in the log, rather than reading garbage.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Sealer:
    """Seals and opens small values with a key derived from the app's secret."""

    def __init__(self, secret: bytes, *, purpose: str) -> None:
        if not secret:
            raise ValueError("a sealer needs a secret key")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=f"securemeet/{purpose}/v1".encode()).derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, blob: bytes) -> bytes | None:
        """The sealed value, or None when ``blob`` was not sealed with this key (another
        secret, or tampered with)."""
        try:
            return self._fernet.decrypt(blob)
        except (InvalidToken, ValueError, TypeError):
            return None

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"
