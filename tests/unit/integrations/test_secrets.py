"""The secret store: an entry per connection, the Windows size limit, the demo-only file, the lock."""

from __future__ import annotations

import json
import stat
import sys
import threading
from pathlib import Path

import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from app.integrations.secrets import (
    DEMO_FILE_WARNING,
    MAX_SECRET_CHARS,
    SERVICE_NAME,
    SecretStore,
    SecretStoreError,
    SecretStoreUnavailable,
)


@pytest.fixture
def file_keyring(tmp_path: Path) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    return backend


def store_with(backend: object, tmp_path: Path) -> SecretStore:
    demo_file = tmp_path / "data" / "demo.json"
    return SecretStore(demo_file=demo_file, lock_dir=tmp_path / "locks", backend=backend)


def test_one_entry_per_connection_in_the_keyring(tmp_path: Path, file_keyring: PlaintextKeyring) -> None:
    store = store_with(file_keyring, tmp_path)
    assert store.has_keyring
    store.save("xero/a", "token-a", sandbox=False)
    store.save("xero/b", "token-b", sandbox=True)
    assert file_keyring.get_password(SERVICE_NAME, "xero/a") == "token-a"
    assert store.load("xero/b", sandbox=True) == "token-b"
    store.delete("xero/a", sandbox=False)
    assert store.load("xero/a", sandbox=False) is None
    store.delete("xero/a", sandbox=False)  # twice is harmless
    assert not (tmp_path / "data" / "demo.json").exists()


def test_a_value_longer_than_windows_credential_manager_holds_is_refused(
    tmp_path: Path, file_keyring: PlaintextKeyring
) -> None:
    store = store_with(file_keyring, tmp_path)
    store.save("k", "x" * MAX_SECRET_CHARS, sandbox=False)
    with pytest.raises(SecretStoreError, match="1281 characters") as refused:
        store.save("k", "y" * (MAX_SECRET_CHARS + 1), sandbox=False)
    assert "y" * 20 not in str(refused.value)
    assert store.load("k", sandbox=False) == "x" * MAX_SECRET_CHARS


def test_without_a_keyring_a_real_connection_is_refused_plainly(tmp_path: Path) -> None:
    store = store_with(fail.Keyring(), tmp_path)
    assert not store.has_keyring
    with pytest.raises(SecretStoreUnavailable, match="no keyring") as refused:
        store.save("xero/real", "secret-token", sandbox=False)
    assert "secret-token" not in str(refused.value)
    with pytest.raises(SecretStoreUnavailable):
        store.check_available(sandbox=False, package_label="Xero")
    assert not (tmp_path / "data" / "demo.json").exists()
    assert "no keyring" in store.where(sandbox=False)


def test_without_a_keyring_a_sandbox_connection_uses_the_labelled_demo_file(tmp_path: Path) -> None:
    store = store_with(fail.Keyring(), tmp_path)
    store.check_available(sandbox=True)
    store.save("xero/demo", "sandbox-token", sandbox=True)
    assert store.load("xero/demo", sandbox=True) == "sandbox-token"
    demo_file = tmp_path / "data" / "demo.json"
    content = json.loads(demo_file.read_text(encoding="utf-8"))
    assert content["warning"] == DEMO_FILE_WARNING
    assert "DEMO ONLY" in content["warning"]
    if sys.platform != "win32":
        assert stat.S_IMODE(demo_file.stat().st_mode) == 0o600
    assert str(demo_file) in store.where(sandbox=True)
    # A real connection never reads it, even when asked for the same entry.
    with pytest.raises(SecretStoreUnavailable):
        store.load("xero/demo", sandbox=False)
    store.delete("xero/demo", sandbox=True)
    assert store.load("xero/demo", sandbox=True) is None


class BrokenKeyring(PlaintextKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise OSError(1783, f"The stub received bad data: {password}")


def test_a_keyring_failure_says_so_without_the_secret(tmp_path: Path) -> None:
    backend = BrokenKeyring()
    backend.file_path = str(tmp_path / "k.cfg")
    store = store_with(backend, tmp_path)
    with pytest.raises(SecretStoreError) as refused:
        store.save("xero/x", "very-secret-refresh-token", sandbox=False)
    assert "very-secret-refresh-token" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_exclusive_holds_other_holders_off_until_released(
    tmp_path: Path, file_keyring: PlaintextKeyring
) -> None:
    first = store_with(file_keyring, tmp_path)
    second = store_with(file_keyring, tmp_path)  # another instance, as another window or process would
    trying = threading.Event()
    got_in = threading.Event()

    def other() -> None:
        trying.set()
        with second.exclusive("xero/a"):
            got_in.set()

    thread = threading.Thread(target=other)
    with first.exclusive("xero/a"):
        thread.start()
        assert trying.wait(5)
        assert not got_in.wait(0.5), "the second holder got in while the first held the lock"
    assert got_in.wait(10), "the second holder never got in after the first let go"
    thread.join(10)


def test_exclusive_gives_up_with_a_message_when_held_too_long(
    tmp_path: Path, file_keyring: PlaintextKeyring
) -> None:
    store = store_with(file_keyring, tmp_path)
    other = store_with(file_keyring, tmp_path)
    with (
        store.exclusive("xero/a"),
        pytest.raises(SecretStoreError, match="Another LedgerBridge"),
        other.exclusive("xero/a", wait_seconds=0.2),
    ):
        pass
    with store.exclusive("xero/b"):  # other entries are not held up
        pass
