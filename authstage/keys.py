"""The server secret: loading it, rotating it, and deriving purpose-bound keys from it.

One secret signs action IDs (HMAC-SHA256) and, through HKDF, yields the AES-GCM key for
bound arguments. During a rotation the old secrets stay in ``previous``: IDs and tokens made
under them are still accepted, new ones are made under ``current`` only.

In development a secret is generated once into a git-ignored file (default
``.authstage-secret``) with a warning; in production a missing secret is a startup error.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from authstage.errors import ConfigurationError

__all__ = ["MIN_SECRET_LENGTH", "KeyRing", "load_keyring"]

logger = logging.getLogger("authstage")

#: A secret shorter than this (in bytes) is refused: 32 bytes is the HMAC-SHA256 block's half.
MIN_SECRET_LENGTH = 32


def _check(secret: str, what: str) -> bytes:
    raw = secret.strip().encode()
    if len(raw) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"{what} is {len(raw)} bytes; use at least {MIN_SECRET_LENGTH} "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return raw


@dataclass(frozen=True)
class KeyRing:
    """The current secret and the previous ones still accepted during a rotation."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_strings(cls, current: str, previous: tuple[str, ...] | list[str] = ()) -> KeyRing:
        """Build a key ring from text secrets, checking each one's length."""
        return cls(
            current=_check(current, "the secret"),
            previous=tuple(_check(p, "a previous secret") for p in previous if p.strip()),
        )

    @property
    def all(self) -> tuple[bytes, ...]:
        """Every accepted secret, the current one first."""
        return (self.current, *self.previous)

    def derive(self, purpose: bytes) -> tuple[bytes, ...]:
        """One 32-byte key per accepted secret for ``purpose``, the current one first."""
        return tuple(self._derive(secret, purpose) for secret in self.all)

    @staticmethod
    def _derive(secret: bytes, purpose: bytes) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"authstage", info=purpose)
        return hkdf.derive(secret)

    @cached_property
    def fingerprint(self) -> str:
        """A short, non-secret name for the current key (safe to log)."""
        return self._derive(self.current, b"authstage fingerprint").hex()[:8]


def _dev_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    logger.warning(
        "authstage: no AUTHSTAGE_SECRET set; generated a development secret in %s "
        "(git-ignored). Set AUTHSTAGE_SECRET in production.",
        path,
    )
    return secret


def load_keyring(
    secret: str | None,
    previous: tuple[str, ...] | list[str] = (),
    *,
    production: bool,
    dev_secret_file: str | Path = ".authstage-secret",  # noqa: S107 - a file name
) -> KeyRing:
    """Return the key ring, generating a development secret when allowed.

    Raises:
        ConfigurationError: in production without a secret, or with a secret too short.
    """
    if not secret:
        if production:
            raise ConfigurationError(
                "AUTHSTAGE_SECRET is not set: production refuses to start without a secret "
                "(at least 32 bytes, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        secret = _dev_secret(Path(dev_secret_file))
    return KeyRing.from_strings(secret, previous)
