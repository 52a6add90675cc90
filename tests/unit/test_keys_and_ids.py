"""Secrets, key rotation, action IDs and the manifest hash."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from authstage.errors import ConfigurationError
from authstage.ids import action_id, is_action_id_shape, manifest_hash
from authstage.keys import KeyRing, load_keyring


def test_action_id_is_42_lowercase_hex_and_stable() -> None:
    aid = action_id("posts.create", b"s" * 32)
    assert len(aid) == 42 and aid == aid.lower() and is_action_id_shape(aid.encode())
    assert aid == action_id("posts.create", b"s" * 32)
    assert aid != action_id("posts.create", b"t" * 32)
    assert aid != action_id("posts.delete", b"s" * 32)


def test_manifest_hash_is_order_free_and_sensitive() -> None:
    a = [("x", "1", "f"), ("y", "2", "g")]
    assert manifest_hash(a) == manifest_hash(reversed(a))
    assert manifest_hash(a) != manifest_hash([("x", "1", "f"), ("y", "2", "changed")])


def test_dev_secret_is_generated_once_into_a_private_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ".authstage-secret"
    with caplog.at_level(logging.WARNING, logger="authstage"):
        first = load_keyring(None, production=False, dev_secret_file=path)
    assert "generated a development secret" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(None, production=False, dev_secret_file=path) == first


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="production refuses"):
        load_keyring(None, production=True, dev_secret_file=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least 32"):
        KeyRing.from_strings("short")
    with pytest.raises(ConfigurationError, match="previous secret"):
        KeyRing.from_strings("x" * 32, ["short"])


def test_derived_keys_differ_per_purpose_and_secret() -> None:
    ring = KeyRing.from_strings("a" * 32, ["b" * 32])
    assert len(ring.derive(b"one")) == 2
    assert ring.derive(b"one") != ring.derive(b"two")
    assert len(set(ring.derive(b"one"))) == 2
    assert len(ring.fingerprint) == 8
