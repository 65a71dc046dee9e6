"""The last line of defence: an unexpected exception is logged and shown with the log file's path."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

logger = logging.getLogger(__name__)


class CrashHandler:
    """Installed as ``sys.excepthook`` while the window runs. Never shows secrets: only the type and text."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self._previous = sys.excepthook
        self.last_message: str | None = None

    def install(self) -> None:
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def handle(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, trace)
            return
        logger.error("Unexpected error\n%s", "".join(traceback.format_exception(kind, error, trace)))
        self.last_message = (
            "Something went wrong that LedgerBridge did not expect:\n\n"
            f"{kind.__name__}: {error}\n\n"
            f"Nothing you saved has been lost. The details are in the log file:\n{self.log_file}"
        )
        if QApplication.instance() is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "LedgerBridge - unexpected error", self.last_message)
            box.setTextInteractionFlags(box.textInteractionFlags())
            box.exec()
