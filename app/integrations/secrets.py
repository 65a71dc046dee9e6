"""Where a connection's refresh token lives: the OS keyring, one entry per connection.

Windows Credential Manager holds at most 2,560 bytes per entry (about 1,280 UTF-16 characters; writing more
fails with WinError 1783, jaraco/keyring#355 and #540), so an entry holds the refresh token alone and
``save`` refuses anything longer than ``MAX_SECRET_CHARS``. Access tokens are never stored anywhere.

With no keyring backend at all (a bare Linux box), a real connection is refused with a clear message. A
sandbox connection, which opens nothing real, then uses a clearly labelled demo-only file beside the
database; ``SecretStore`` selects it for sandbox connections alone, and says so in ``where``.

``exclusive`` serialises the read-refresh-write of one entry across threads and processes (a lock file),
because a token set refreshed from two places at once loses the connection (xero.md 1.3).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from app.config import AppPaths
from app.integrations.base import IntegrationError

logger = logging.getLogger(__name__)

SERVICE_NAME = "LedgerBridge"
MAX_SECRET_CHARS = 1280
DEMO_SECRET_FILE_NAME = "sandbox-demo-secrets.NOT-SECURE.json"
DEMO_FILE_WARNING = (
    "DEMO ONLY. Sign-in secrets for LedgerBridge's local sandbox, kept in plain text because this computer "
    "has no keyring. LedgerBridge never keeps a real accounting package's secrets here."
)
LOCK_WAIT_SECONDS = 120.0


class SecretStoreError(IntegrationError):
    """The secret could not be kept or read; ``str()`` says what to do, never the secret."""


class SecretStoreUnavailable(SecretStoreError):
    """No keyring backend exists, and this connection is a real one."""


def _keyring_usable(backend: Any) -> bool:
    """False for keyring's stand-ins that keep nothing (fail, null, an empty chainer)."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return len(backend.backends) > 0
    return True


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


class SecretStore:
    """Keeps one secret (a refresh token) per connection, under ``key``.

    Attributes: ``backend_name`` (the keyring backend in use), ``has_keyring``, ``demo_file``.
    ``backend`` is a keyring backend; by default the one keyring selects (``PYTHON_KEYRING_BACKEND`` or the
    platform's own, e.g. Windows Credential Manager).
    """

    def __init__(self, *, demo_file: Path, lock_dir: Path, backend: Any | None = None) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self._backend = backend
        self.demo_file = demo_file
        self._lock_dir = lock_dir
        self.has_keyring = _keyring_usable(backend)
        self.backend_name = _backend_name(backend) if self.has_keyring else "none"

    @classmethod
    def for_paths(cls, paths: AppPaths, *, backend: Any | None = None) -> SecretStore:
        """The store for LedgerBridge's folders: the demo-only file and the lock files in the data folder."""
        return cls(demo_file=paths.data_dir / DEMO_SECRET_FILE_NAME, lock_dir=paths.lock_dir, backend=backend)

    # -- where ---------------------------------------------------------------------------------------------

    def where(self, *, sandbox: bool) -> str:
        """Where a connection's secret is kept, in words (for status and the connection panel)."""
        if self.has_keyring:
            return f"the system keyring ({self.backend_name})"
        if sandbox:
            return f"the demo-only file {self.demo_file} (this computer has no keyring)"
        return "nowhere: this computer has no keyring"

    def check_available(self, *, sandbox: bool, package_label: str = "the accounting package") -> None:
        """Refuse before a consent is asked for, when the secret could not be kept afterwards."""
        if self.has_keyring or sandbox:
            return
        raise SecretStoreUnavailable(
            f"This computer has no keyring (a secure store for passwords), so LedgerBridge will not "
            f"connect to {package_label} here: the sign-in would have to be kept in plain text. Install "
            "and unlock a keyring service (on Linux, GNOME Keyring or KWallet) and try again. The demo "
            "(--demo) works without one."
        )

    # -- the three operations ----------------------------------------------------------------------------

    def save(self, key: str, value: str, *, sandbox: bool) -> None:
        if len(value) > MAX_SECRET_CHARS:
            raise SecretStoreError(
                f"The sign-in secret is {len(value)} characters long, more than the {MAX_SECRET_CHARS} a "
                "Windows Credential Manager entry holds, so it was not saved."
            )
        self.check_available(sandbox=sandbox)
        if not self.has_keyring:
            self._write_demo_file(key, value)
            return
        try:
            self._backend.set_password(SERVICE_NAME, key, value)
        except Exception as exc:  # keyring backends raise their own types (PasswordSetError, OSError, ...)
            raise SecretStoreError(
                f"LedgerBridge could not save the sign-in to {self.where(sandbox=sandbox)}: "
                f"{type(exc).__name__}. The previous sign-in is still in place; try again."
            ) from None

    def load(self, key: str, *, sandbox: bool) -> str | None:
        self.check_available(sandbox=sandbox)
        if not self.has_keyring:
            return self._read_demo_file().get(key)
        try:
            value = self._backend.get_password(SERVICE_NAME, key)
        except Exception as exc:
            raise SecretStoreError(
                f"LedgerBridge could not read the sign-in from {self.where(sandbox=sandbox)}: "
                f"{type(exc).__name__}. Unlock the keyring and try again."
            ) from None
        return value if isinstance(value, str) else None

    def delete(self, key: str, *, sandbox: bool) -> None:
        """Forget the secret; nothing happens when there is none."""
        if not self.has_keyring:
            if not sandbox:
                return
            secrets = self._read_demo_file()
            if secrets.pop(key, None) is not None:
                self._write_demo_entries(secrets)
            return
        from keyring.errors import PasswordDeleteError

        try:
            self._backend.delete_password(SERVICE_NAME, key)
        except PasswordDeleteError:
            pass
        except Exception as exc:
            raise SecretStoreError(
                f"LedgerBridge could not remove the sign-in from {self.where(sandbox=sandbox)}: "
                f"{type(exc).__name__}."
            ) from None

    # -- serialising refreshes -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def exclusive(self, key: str, *, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
        """Hold the lock on ``key`` across threads and processes (a lock file per entry)."""
        self._lock_dir.mkdir(parents=True, exist_ok=True)
        path = self._lock_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", key) + ".lock")
        with path.open("a+b") as handle:
            _lock(handle, wait_seconds)
            try:
                yield
            finally:
                _unlock(handle)

    # -- the demo-only file --------------------------------------------------------------------------------

    def _read_demo_file(self) -> dict[str, str]:
        try:
            content = json.loads(self.demo_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SecretStoreError(f"The demo secret file {self.demo_file} cannot be read: {exc}") from None
        entries = content.get("secrets", {}) if isinstance(content, dict) else {}
        return {str(k): str(v) for k, v in entries.items()} if isinstance(entries, dict) else {}

    def _write_demo_file(self, key: str, value: str) -> None:
        secrets = self._read_demo_file()
        secrets[key] = value
        self._write_demo_entries(secrets)

    def _write_demo_entries(self, secrets: dict[str, str]) -> None:
        self.demo_file.parent.mkdir(parents=True, exist_ok=True)
        content = {
            "warning": DEMO_FILE_WARNING,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "secrets": secrets,
        }
        temporary = self.demo_file.with_name(self.demo_file.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2)
        os.replace(temporary, self.demo_file)
        logger.warning("Kept a sandbox sign-in in the demo-only file %s (no keyring here)", self.demo_file)


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[bytes], wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SecretStoreError(
                        "Another LedgerBridge is renewing this connection's sign-in and has not finished; "
                        "try again in a minute."
                    ) from None
                time.sleep(0.05)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[bytes], wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SecretStoreError(
                        "Another LedgerBridge is renewing this connection's sign-in and has not finished; "
                        "try again in a minute."
                    ) from None
                time.sleep(0.05)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
