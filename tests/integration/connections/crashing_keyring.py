"""A keyring that dies the way a process does on a power cut, at the moment a new token is being saved.

Selected in a ``ledgerbridge`` subprocess with ``PYTHON_KEYRING_BACKEND``; it is the OS keyring (the
outside world) that is replaced, not LedgerBridge's own code. Reads and deletes work as the file backend.
"""

from __future__ import annotations

import os

from keyrings.alt.file import PlaintextKeyring

CRASH_EXIT_CODE = 70
BACKEND = f"{__name__}.CrashOnSaveKeyring"


class CrashOnSaveKeyring(PlaintextKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        os._exit(CRASH_EXIT_CODE)
