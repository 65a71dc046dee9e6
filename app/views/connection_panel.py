"""The connection to the accounting package: its health, Connect / Reconnect / Disconnect, and keep-alive.

``PackageAccess`` is how the window reaches the packages (the folders, where the sandbox is, the secret
store) and holds the connection's one open provider, whose access token lives in memory only. It is
plain Python, and everything on it that may touch the network or start the demo sandbox runs on a
worker thread (``BackgroundTask``), never on the GUI thread.

``ConnectionPanel`` shows package, organisation, connected since, last successful call, payments last
checked, refresh token last renewed and a warning when the consent would lapse within 15 days (DESIGN.md
"Connections and secrets"). Connect runs the consent in a ``BackgroundTask``: the system browser opens
the package's page (through an injectable opener), the address is shown to copy, Cancel stops waiting;
with several organisations the person picks one. Disconnect asks first and revokes. A connection that
needs reconnecting says why in a plain sentence and offers Reconnect.

``ConnectionKeepAlive`` renews the access token ahead of expiry every few minutes while the window runs,
so a consent that is not otherwise used does not lapse (Xero drops refresh tokens unused for 60 days).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from app.config import AppPaths, ConfigFileError, PackageSettings, xero_settings
from app.db import SessionFactory
from app.integrations.base import IntegrationError, NeedsReconnecting, Tenant
from app.integrations.connections import (
    Connected,
    TenantNotChosen,
    connect_xero,
    disconnect_xero,
    open_xero,
)
from app.integrations.oauth import ConsentCancelled
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.models.base import utcnow
from app.services.connections import ConnectionBook, ConnectionInfo
from app.services.progress import Cancelled, CancelToken, ProgressReporter
from app.views.record_editor import Confirm, ScreenMessage, ask_yes_no
from app.views.workers import BackgroundTask

logger = logging.getLogger(__name__)

XERO = "xero"
#: How often the keep-alive looks at the access token. Shorter than the two minutes before expiry at
#: which ``RefreshingCredentials`` renews it, so the renewal always happens ahead of expiry.
KEEP_ALIVE_INTERVAL_MS = 100_000

#: Opens an address in the system browser (injected so tests can play the browser themselves).
OpenAddress = Callable[[str], None]
#: Asks which organisation to use: the names offered -> the index chosen, or None.
ChooseOrganisation = Callable[[Sequence[str]], int | None]

#: Problems a person can act on: shown as a sentence. Anything else is a bug and reaches the crash dialog.
KNOWN_PROBLEMS = (IntegrationError, ConfigFileError, Cancelled)


def open_in_browser(url: str) -> None:
    """The real opener: the system browser."""
    QDesktopServices.openUrl(QUrl(url))


def connection_book(session_factory: SessionFactory) -> ConnectionBook:
    # ConnectionBook only calls its factory for a new Session, as every SessionFactory does.
    return ConnectionBook(cast("sessionmaker[Session]", session_factory))


def when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else f"{moment.astimezone():%d %b %Y %H:%M}"


class NotConnected(IntegrationError):
    """There is no connection to use."""


class PackageAccess:
    """How the window reaches the accounting packages, and the connection's open provider.

    ``sandbox_url`` is the runtime's ``package_sandbox_url``: where the packages are reached when not the
    real ones (``--sandbox``, or the demo's in-process sandbox, started on first use), None for the real
    packages. Call every method but the constructor on a worker thread.
    """

    def __init__(
        self,
        paths: AppPaths,
        sandbox_url: Callable[[], str | None] | None = None,
        *,
        store: SecretStore | None = None,
    ) -> None:
        self.paths = paths
        self._sandbox_url = sandbox_url or (lambda: None)
        self._store = store
        # Re-entrant: opening a provider reads the package settings under the same lock.
        self._lock = threading.RLock()
        self._provider: XeroProvider | None = None
        self._provider_for: tuple[str, str] | None = None
        self._fresh_tokens: Connected | None = None

    def xero_settings(self) -> PackageSettings:
        with self._lock:  # the demo sandbox is started once, even if two workers ask at the same time
            return xero_settings(self.paths, self._sandbox_url())

    def secret_store(self) -> SecretStore:
        with self._lock:
            if self._store is None:
                self._store = SecretStore.for_paths(self.paths)
            return self._store

    def provider(self, session_factory: SessionFactory) -> XeroProvider:
        """The open provider of the stored connection (opened on first use, reopened after a reconnect)."""
        with self._lock:
            book = connection_book(session_factory)
            stored = book.find(XERO)
            if stored is None:
                self._close_provider()
                raise NotConnected("LedgerBridge is not connected to Xero. Connect first.")
            if not stored.connected:
                self._close_provider()
                raise NeedsReconnecting(stored.status_message or "Xero needs reconnecting.")
            key = (stored.tenant_id, stored.secret_key)
            if self._provider is not None and self._provider_for == key:
                return self._provider
            self._close_provider()
            fresh = self._fresh_tokens
            self._fresh_tokens = None
            tokens = fresh.tokens if fresh is not None and fresh.tenant.id == stored.tenant_id else None
            self._provider = open_xero(
                self.xero_settings(),
                stored,
                store=self.secret_store(),
                events=book.events_for(XERO),
                tokens=tokens,
            )
            self._provider_for = key
            return self._provider

    def adopt(self, connected: Connected) -> None:
        """A consent just completed: its access token serves the next provider (saving one renewal)."""
        with self._lock:
            self._close_provider()
            self._fresh_tokens = connected

    def keep_alive(self, session_factory: SessionFactory) -> bool:
        """Renew the access token if it is due (always, the first time). True if it was renewed."""
        with self._lock:
            stored = connection_book(session_factory).find(XERO)
            if stored is None or not stored.connected:
                return False
            provider = self.provider(session_factory)
        return provider.credentials.refresh_if_due()

    def forget(self) -> None:
        """Close the open provider (after a disconnect)."""
        with self._lock:
            self._close_provider()
            self._fresh_tokens = None

    def _close_provider(self) -> None:
        if self._provider is not None:
            self._provider.close()
        self._provider = None
        self._provider_for = None


class _ConsentBridge(QObject):
    """Carries what the consent needs from the person, from the worker thread to the GUI thread and back.

    Signals (delivered on the GUI thread): ``address_ready(str)``, ``organisations_offered(list)``.
    """

    address_ready = Signal(str)
    organisations_offered = Signal(list)

    def __init__(self, cancel: threading.Event) -> None:
        super().__init__()
        self._cancel = cancel
        self._answered = threading.Event()
        self._answer: int | None = None

    # -- called on the worker thread
    def show_address(self, url: str) -> None:
        self.address_ready.emit(url)

    def choose(self, tenants: Sequence[Tenant]) -> Tenant:
        self._answered.clear()
        self.organisations_offered.emit([tenant.name for tenant in tenants])
        while not self._answered.wait(0.1):
            if self._cancel.is_set():
                raise ConsentCancelled("Connecting was cancelled.")
        if self._answer is None or not 0 <= self._answer < len(tenants):
            raise TenantNotChosen(
                "No organisation was chosen, so LedgerBridge is not connected. Connect again and pick one.",
                tenants,
            )
        return tenants[self._answer]

    # -- called on the GUI thread
    def answer(self, index: int | None) -> None:
        self._answer = index
        self._answered.set()


def ask_for_organisation(parent: QWidget | None) -> ChooseOrganisation:
    """The real chooser: a small dialog listing the organisations connected."""

    def choose(names: Sequence[str]) -> int | None:
        name, chosen = QInputDialog.getItem(
            parent,
            "Choose the organisation",
            "You connected more than one organisation. Which one should LedgerBridge use?",
            list(names),
            0,
            False,
        )
        return list(names).index(name) if chosen and name in names else None

    return choose


class ConnectionPanel(QGroupBox):
    """The connection's health and buttons.

    Signals: ``connected(bool)`` after a consent completes (True for a reconnect); ``disconnected()``;
    ``busy_changed(bool)`` while a consent or a disconnect runs.

    Attributes: ``status_label``, ``detail_labels`` (by heading), ``warning_label``, ``connect_button``,
    ``reconnect_button``, ``disconnect_button``, ``cancel_button``, ``address_edit``, ``copy_button``,
    ``message``, ``task`` (the running BackgroundTask, if any), ``info`` (the connection shown).
    ``confirm``, ``open_address`` and ``choose_organisation`` may be replaced (tests).
    """

    connected = Signal(bool)
    disconnected = Signal()
    busy_changed = Signal(bool)

    DETAILS = (
        "Connected since",
        "Last successful call",
        "Payments last checked",
        "Refresh token last renewed",
    )

    def __init__(
        self,
        session_factory: SessionFactory,
        access: PackageAccess,
        *,
        confirm: Confirm = ask_yes_no,
        open_address: OpenAddress = open_in_browser,
        choose_organisation: ChooseOrganisation | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Connection", parent)
        self._session_factory = session_factory
        self.access = access
        self.confirm = confirm
        self.open_address = open_address
        self.choose_organisation = choose_organisation or ask_for_organisation(self)
        self._clock = clock
        self.info: ConnectionInfo | None = None
        self.task: BackgroundTask | None = None
        self._cancel_consent: threading.Event | None = None
        self._bridge: _ConsentBridge | None = None

        self.status_label = QLabel()
        self.status_label.setObjectName("connectionStatus")
        self.status_label.setWordWrap(True)
        font = self.status_label.font()
        font.setBold(True)
        self.status_label.setFont(font)
        self.detail_labels: dict[str, QLabel] = {}
        details = QGridLayout()
        details.setHorizontalSpacing(12)
        details.setVerticalSpacing(2)
        for index, heading in enumerate(self.DETAILS):
            name = QLabel(f"{heading}:")
            name.setObjectName("hint")
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.detail_labels[heading] = value
            row, column = divmod(index, 2)
            details.addWidget(name, row, column * 2)
            details.addWidget(value, row, column * 2 + 1)
        details.setColumnStretch(1, 1)
        details.setColumnStretch(3, 1)
        self.details_widget = QWidget()
        self.details_widget.setLayout(details)
        details.setContentsMargins(0, 0, 0, 0)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("connectionWarning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "QLabel#connectionWarning { background: #fff4e5; border: 1px solid #f0c36d; border-radius: 3px; "
            "padding: 4px 8px; color: #5f3b00; }"
        )
        self.warning_label.hide()

        self.address_hint = QLabel("If your browser did not open, copy this address into it:")
        self.address_hint.setObjectName("hint")
        self.address_edit = QLineEdit()
        self.address_edit.setReadOnly(True)
        self.copy_button = QPushButton("Copy address")
        self.address_row = QWidget()
        address_layout = QHBoxLayout(self.address_row)
        address_layout.setContentsMargins(0, 0, 0, 0)
        address_layout.addWidget(self.address_hint)
        address_layout.addWidget(self.address_edit, 1)
        address_layout.addWidget(self.copy_button)
        self.address_row.hide()
        self.message = ScreenMessage()

        self.connect_button = QPushButton("Connect to Xero…")
        self.reconnect_button = QPushButton("Reconnect…")
        self.disconnect_button = QPushButton("Disconnect…")
        self.cancel_button = QPushButton("Cancel")
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        for button in (
            self.connect_button,
            self.reconnect_button,
            self.disconnect_button,
            self.cancel_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.status_label)
        left.addWidget(self.details_widget)
        left.addWidget(self.warning_label)
        left.addWidget(self.address_row)
        left.addWidget(self.message)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(buttons)

        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.reconnect_button.clicked.connect(self._on_connect_button_clicked)
        self.disconnect_button.clicked.connect(self._on_disconnect_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.refresh()

    # -- public
    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def refresh(self) -> None:
        """Read the connection again (a short read) and show it."""
        self.info = connection_book(self._session_factory).find(XERO)
        self._show()

    def connect_package(self) -> BackgroundTask | None:
        """Start the consent (Connect, or Reconnect): the browser opens the package's page."""
        if self.busy:
            return None
        self.message.clear_message()
        cancel = threading.Event()
        bridge = _ConsentBridge(cancel)
        bridge.address_ready.connect(self._on_bridge_address_ready)
        bridge.organisations_offered.connect(self._on_bridge_organisations_offered)
        self._cancel_consent, self._bridge = cancel, bridge
        access = self.access
        session_factory = self._session_factory

        def consent(report: ProgressReporter, _cancel: CancelToken) -> Connected:
            report(0, 0, "Waiting for you to allow access on Xero's page…")
            result = connect_xero(
                access.xero_settings(),
                store=access.secret_store(),
                book=connection_book(session_factory),
                choose=bridge.choose,
                show_address=bridge.show_address,
                cancel=cancel,
            )
            access.adopt(result)
            return result

        task = self._run(consent, self._on_consent_succeeded)
        task.progress.connect(self._on_task_progress)
        return task

    def cancel(self) -> None:
        """Stop waiting for the consent."""
        if self._cancel_consent is not None:
            self._cancel_consent.set()
        if self.task is not None:
            self.task.cancel()

    def disconnect_package(self, *, force: bool = False) -> BackgroundTask | None:
        """Disconnect (asking first): revoke the consent at the package and forget the sign-in."""
        info = self.info
        if self.busy or info is None:
            return None
        if not force and not self.confirm(
            "Disconnect",
            f"Disconnect LedgerBridge from {info.tenant_name} in {info.package_label}?\n\n"
            f"LedgerBridge stops sending invoices and payments until you connect again. Your accounting "
            "settings and the links between records are kept, so reconnecting carries on where you left off.",
        ):
            return None
        self.message.clear_message()
        access = self.access

        def disconnect(report: ProgressReporter, _cancel: CancelToken) -> object:
            report(0, 0, f"Withdrawing LedgerBridge's access in {info.package_label}…")
            access.forget()
            return disconnect_xero(
                access.xero_settings(),
                store=access.secret_store(),
                book=connection_book(self._session_factory),
                force=force,
            )

        return self._run(disconnect, self._on_disconnect_succeeded, self._on_disconnect_failed)

    def shutdown(self) -> None:
        """Cancel and wait for a running consent or disconnect (the window is closing)."""
        if self.task is not None and self.task.running:
            self.cancel()
            self.task.wait()

    # -- behaviour
    def _run(
        self,
        work: Callable[[ProgressReporter, CancelToken], Any],
        succeeded: Callable[[Any], None],
        failed: Callable[[object], None] | None = None,
    ) -> BackgroundTask:
        task = BackgroundTask(work, self)
        task.succeeded.connect(succeeded)
        task.failed.connect(failed or self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.task = task
        task.start()
        self._show()
        self.busy_changed.emit(True)
        return task

    def _show(self) -> None:
        info = self.info
        busy = self.busy
        if info is None:
            self.status_label.setText(
                "Not connected. Connect to Xero to choose the accounts each kind of transaction posts to."
            )
            self.details_widget.hide()
        else:
            where = " (sandbox)" if info.sandbox else ""
            state = "Connected to" if info.connected else "Needs reconnecting:"
            self.status_label.setText(f"{state} {info.tenant_name} in {info.package_label}{where}")
            self.details_widget.show()
            self.detail_labels["Connected since"].setText(when(info.connected_at))
            self.detail_labels["Last successful call"].setText(when(info.last_successful_call_at))
            self.detail_labels["Payments last checked"].setText(when(info.payments_last_checked_at))
            self.detail_labels["Refresh token last renewed"].setText(when(info.refresh_token_renewed_at))
        warnings = info.warnings(self._clock()) if info is not None else []
        self.warning_label.setText("\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))
        self.connect_button.setVisible(info is None)
        self.reconnect_button.setVisible(info is not None and not info.connected)
        self.disconnect_button.setVisible(info is not None)
        for button in (self.connect_button, self.reconnect_button, self.disconnect_button):
            button.setEnabled(not busy)
        self.cancel_button.setVisible(busy and self._cancel_consent is not None)
        if not busy:
            self.address_row.hide()

    def _on_connect_button_clicked(self) -> None:
        self.connect_package()

    def _on_disconnect_button_clicked(self) -> None:
        self.disconnect_package()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel()

    def _on_copy_button_clicked(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.address_edit.text())
        self.message.say("Address copied. Paste it into your browser's address bar.")

    def _on_bridge_address_ready(self, url: str) -> None:
        self.address_edit.setText(url)
        self.address_edit.setCursorPosition(0)
        self.address_row.show()
        self.open_address(url)

    def _on_bridge_organisations_offered(self, names: list[str]) -> None:
        bridge = self._bridge
        if bridge is not None:
            bridge.answer(self.choose_organisation(names))

    def _on_task_progress(self, _done: int, _total: int, text: str) -> None:
        self.message.say(text)

    def _on_consent_succeeded(self, result: Connected) -> None:
        self.message.clear_message()  # the status line above says so
        self.refresh()
        self.connected.emit(result.reconnected)

    def _on_disconnect_succeeded(self, _result: object) -> None:
        self.message.say("Disconnected. Your settings are kept for when you connect again.")
        self.refresh()
        self.disconnected.emit()

    def _on_disconnect_failed(self, error: object) -> None:
        if isinstance(error, IntegrationError) and not isinstance(error, NotConnected):
            info = self.info
            name = info.package_label if info is not None else "The package"
            if self.confirm(
                "Disconnect",
                f"{error}\n\nRemove the connection from LedgerBridge anyway? {name} keeps LedgerBridge's "
                "access until you remove it there (under Connected Apps).",
            ):
                # Run once the failed task has finished.
                QTimer.singleShot(0, lambda: self.disconnect_package(force=True))
                return
        self._on_task_failed(error)

    def _on_task_failed(self, error: object) -> None:
        if not isinstance(error, KNOWN_PROBLEMS):
            raise error if isinstance(error, BaseException) else RuntimeError(str(error))
        if isinstance(error, ConsentCancelled | Cancelled):
            self.message.say("Connecting was cancelled. Nothing was changed.")
        else:
            self.message.refuse(str(error))
        self.refresh()

    def _on_task_finished(self) -> None:
        self._cancel_consent = None
        self._bridge = None
        self._show()
        self.busy_changed.emit(False)


class ConnectionKeepAlive(QObject):
    """Renews the access token ahead of expiry, every few minutes, on a worker thread.

    Signals: ``renewed()`` after a renewal; ``failed(object)`` with the error when it could not (the
    connection is then marked as needing reconnecting by the provider, where that is the cause).
    Attributes: ``timer``, ``task`` (the running check, if any).
    """

    renewed = Signal()
    failed = Signal(object)

    def __init__(
        self,
        session_factory: SessionFactory,
        access: PackageAccess,
        *,
        interval_ms: int = KEEP_ALIVE_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._access = access
        self.task: BackgroundTask | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        """Check at once (a fresh start holds no access token), then every interval."""
        self.timer.start()
        QTimer.singleShot(0, self.check)

    def stop(self) -> None:
        self.timer.stop()
        if self.task is not None and self.task.running:
            self.task.wait()

    def check(self) -> BackgroundTask | None:
        if self.task is not None and self.task.running:
            return None
        access, session_factory = self._access, self._session_factory
        task = BackgroundTask(lambda _report, _cancel: access.keep_alive(session_factory), self)
        task.succeeded.connect(self._on_task_succeeded)
        task.failed.connect(self._on_task_failed)
        self.task = task
        task.start()
        return task

    def _on_timer_timeout(self) -> None:
        self.check()

    def _on_task_succeeded(self, renewed: object) -> None:
        if renewed:
            self.renewed.emit()

    def _on_task_failed(self, error: object) -> None:
        # Offline for a while, or the consent is gone (recorded on the connection): the panel says so.
        logger.info("Keeping the connection alive failed: %s", error)
        self.failed.emit(error)
