"""Secrets, key rotation, action IDs and the manifest hash."""

from __future__ import annotations

import logging
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from authstage.errors import ConfigurationError
from authstage.ids import action_id, is_action_id_shape, manifest_hash
from authstage.keys import KeyRing, dev_secret_path, load_keyring, project_root, secret_lookup


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


def test_the_dev_secret_lives_in_the_project_root_whatever_the_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert project_root() == tmp_path.resolve()
    assert dev_secret_path() == tmp_path.resolve() / ".authstage-secret"
    ring = load_keyring(None, production=False)
    assert (tmp_path / ".authstage-secret").exists()
    assert ring.source == f"the development secret in {tmp_path.resolve() / '.authstage-secret'}"
    monkeypatch.chdir(tmp_path)
    assert load_keyring(None, production=False) == ring


def test_without_a_pyproject_the_working_directory_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if project_root() != tmp_path.resolve():
        pytest.fail(f"a pyproject.toml above {tmp_path} makes this test meaningless")
    assert dev_secret_path("secret.txt") == tmp_path.resolve() / "secret.txt"
    assert dev_secret_path(tmp_path / "abs") == tmp_path / "abs"


def test_a_refusing_lookup_never_creates_a_secret(tmp_path: Path) -> None:
    path = tmp_path / ".authstage-secret"
    with secret_lookup("refuse"), pytest.raises(ConfigurationError, match="no development"):
        load_keyring(None, production=False, dev_secret_file=path)
    assert not path.exists()
    made = load_keyring(None, production=False, dev_secret_file=path)
    with secret_lookup("refuse"):
        assert load_keyring(None, production=False, dev_secret_file=path) == made


def test_a_throwaway_lookup_writes_nothing_even_in_production(tmp_path: Path) -> None:
    path = tmp_path / ".authstage-secret"
    with secret_lookup("throwaway"):
        ring = load_keyring(None, production=True, dev_secret_file=path)
    assert ring.source == "a throwaway secret" and not path.exists()


def test_the_source_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_SECRET", "e" * 32)
    assert load_keyring("e" * 32, production=True).source == "AUTHSTAGE_SECRET"
    assert load_keyring("c" * 32, production=True).source == "the secret in the app's configuration"


def _warning(path: Path, caplog: pytest.LogCaptureFixture) -> str:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="authstage"):
        load_keyring(None, production=False, dev_secret_file=path)
    return caplog.text


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_warning_claims_git_ignored_only_when_git_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    text = _warning(plain / ".authstage-secret", caplog)
    assert "generated a development secret" in text and "git" not in text.replace(str(plain), "")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert "NOT git-ignored" in _warning(repo / ".authstage-secret", caplog)
    (repo / ".gitignore").write_text(".authstage-secret\n")
    (repo / ".authstage-secret").unlink()
    text = _warning(repo / ".authstage-secret", caplog)
    assert "(git-ignored)" in text and "NOT" not in text
