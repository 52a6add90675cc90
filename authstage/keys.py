"""The server secret: loading it, rotating it, and deriving purpose-bound keys from it.

One secret signs action IDs (HMAC-SHA256) and, through HKDF, yields the AES-GCM key for
bound arguments. During a rotation the old secrets stay in ``previous``: IDs and tokens made
under them are still accepted, new ones are made under ``current`` only.

Where the secret comes from, in order: the configured secret (``AUTHSTAGE_SECRET``); else,
outside production, the development secret file ``.authstage-secret`` in the *project root*:
the nearest directory, from the working directory up, holding a ``pyproject.toml`` (else the
working directory itself). An absolute ``dev_secret_file`` is used as it is. The server
generates the file on its first start, with a warning that says whether git ignores it
(checked with ``git check-ignore``; nothing is said about git outside a repository). In
production a missing secret is a startup error.

The CLI loads the app without being its server, so it must never make a secret of its own:
``secret_lookup("refuse")`` (commands that print action IDs) turns a missing development
secret into an error instead of a new file, since IDs from it would be refused by the server;
``secret_lookup("throwaway")`` (commands whose output has no IDs: codegen, schema, migrate)
uses a random in-memory secret. ``KeyRing.source`` says which secret was used, so the CLI
can say so. The lookup is a context variable, not a parameter, because the plugin loads the
key ring deep inside the app factory the CLI calls.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import subprocess
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from authstage.errors import ConfigurationError

__all__ = [
    "DEV_SECRET_FILE",
    "MIN_SECRET_LENGTH",
    "KeyRing",
    "dev_secret_path",
    "load_keyring",
    "project_root",
    "secret_lookup",
]

logger = logging.getLogger("authstage")

#: A secret shorter than this (in bytes) is refused: 32 bytes is the HMAC-SHA256 block's half.
MIN_SECRET_LENGTH = 32
#: The development secret's file name, kept in the project root.
DEV_SECRET_FILE = ".authstage-secret"  # noqa: S105 - a file name, not a secret
#: What a missing secret means: the server generates one; the CLI refuses or uses a throwaway.
OnMissing = Literal["generate", "refuse", "throwaway"]
_ON_MISSING: ContextVar[OnMissing] = ContextVar("authstage_on_missing_secret", default="generate")


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
    #: Where ``current`` came from, for messages: ``AUTHSTAGE_SECRET``, ``the development
    #: secret in /path/.authstage-secret``, ...; never the secret itself.
    source: str = field(default="the configured secret", compare=False)

    @classmethod
    def from_strings(
        cls,
        current: str,
        previous: tuple[str, ...] | list[str] = (),
        *,
        source: str = "the configured secret",
    ) -> KeyRing:
        """Build a key ring from text secrets, checking each one's length."""
        return cls(
            current=_check(current, "the secret"),
            previous=tuple(_check(p, "a previous secret") for p in previous if p.strip()),
            source=source,
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
        # cryptography is imported on the first derivation (a bound token, a log line), not
        # with the package.
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"authstage", info=purpose)
        return hkdf.derive(secret)

    @cached_property
    def fingerprint(self) -> str:
        """A short, non-secret name for the current key (safe to log)."""
        return self._derive(self.current, b"authstage fingerprint").hex()[:8]


@contextlib.contextmanager
def secret_lookup(on_missing: Literal["refuse", "throwaway"]) -> Iterator[None]:
    """While loading an app outside its server: never write a development secret.

    ``refuse``: a missing secret is a ``ConfigurationError`` (for output that depends on the
    secret, such as action IDs). ``throwaway``: a random secret lives for the process only
    (for output that does not), also in production.
    """
    token = _ON_MISSING.set(on_missing)
    try:
        yield
    finally:
        _ON_MISSING.reset(token)


def project_root(start: Path | None = None) -> Path:
    """The nearest directory from ``start`` (the working directory) up with a pyproject.toml;
    ``start`` itself when there is none."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return here


def dev_secret_path(dev_secret_file: str | Path = DEV_SECRET_FILE) -> Path:
    """Where the development secret is kept: ``dev_secret_file`` in the project root (as is
    when absolute)."""
    path = Path(dev_secret_file)
    return path if path.is_absolute() else project_root() / path


def _git_note(path: Path) -> str:
    """What git makes of ``path``, only when git can say: ignored, or not (a risk)."""
    try:
        result = subprocess.run(  # noqa: S603 - a fixed git command on our own path
            ["git", "check-ignore", "--quiet", str(path)],  # noqa: S607 - git from PATH
            cwd=path.parent,
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""  # no git here
    if result.returncode == 0:
        return " (git-ignored)"
    if result.returncode == 1:
        return f" (NOT git-ignored: add {path.name} to .gitignore)"
    return ""  # 128: not inside a repository


def _dev_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    logger.warning(
        "authstage: no AUTHSTAGE_SECRET set; generated a development secret in %s%s. "
        "Set AUTHSTAGE_SECRET in production.",
        path,
        _git_note(path),
    )
    return secret


def load_keyring(
    secret: str | None,
    previous: tuple[str, ...] | list[str] = (),
    *,
    production: bool,
    dev_secret_file: str | Path = DEV_SECRET_FILE,
) -> KeyRing:
    """Return the key ring, generating a development secret when allowed.

    Raises:
        ConfigurationError: in production without a secret, with a secret too short, or
            (inside ``secret_lookup("refuse")``) when no development secret exists yet.
    """
    on_missing = _ON_MISSING.get()
    if secret:
        from_env = secret == os.environ.get("AUTHSTAGE_SECRET")
        source = "AUTHSTAGE_SECRET" if from_env else "the secret in the app's configuration"
    elif on_missing == "throwaway":
        secret, source = secrets.token_hex(32), "a throwaway secret"
    elif production:
        raise ConfigurationError(
            "AUTHSTAGE_SECRET is not set: production refuses to start without a secret "
            "(at least 32 bytes, e.g. "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    else:
        path = dev_secret_path(dev_secret_file)
        if on_missing == "refuse" and not path.exists():
            raise ConfigurationError(
                f"no AUTHSTAGE_SECRET and no development secret in {path}: the server makes "
                "one when it first starts; start it (or set AUTHSTAGE_SECRET as the server "
                "has it), then run this again"
            )
        secret, source = _dev_secret(path), f"the development secret in {path}"
    return KeyRing.from_strings(secret, previous, source=source)
