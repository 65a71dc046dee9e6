"""No token reaches the database, its -wal file, the pre-migration copy or the logs, in any usual encoding.

Logging runs at DEBUG (``--verbose``) throughout, the level where libraries print tokens if let.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from alembic import command

from app.config import AppPaths, PackageSettings
from app.db import alembic_config, create_database_engine, open_database
from app.integrations.connections import open_xero
from app.integrations.secrets import MAX_SECRET_CHARS, SecretStore
from app.logs import configure_logging
from app.services.connections import ConnectionBook
from tests.integration.connections.conftest import (
    DEMO_COMPANY,
    connect_through_consent,
    keyring_value,
    play_user,
    run_cli,
    start_cli_connect,
)


def encodings(token: str) -> dict[str, bytes]:
    """The token as it could appear in a file: plain, a long slice of it, URL-encoded, and base64 (standard
    and URL-safe, at each of the three alignments it could have inside a longer base64 text)."""
    raw = token.encode("utf-8")
    forms = {
        "plain": raw,
        "middle slice": raw[len(raw) // 4 : len(raw) // 4 + 24],
        "url-encoded": quote(token, safe="").encode(),
        "form-encoded": quote_plus(token).encode(),
    }
    for shift in range(3):
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = encode(b"\0" * shift + raw)
            inner = text[4:-4] if shift else text[:-4]
            forms[f"{name} (offset {shift})"] = inner
    return forms


def leaks(files: list[Path], tokens: dict[str, str]) -> list[str]:
    found = []
    for path in files:
        content = path.read_bytes()
        for label, token in tokens.items():
            for form, needle in encodings(token).items():
                if needle and needle in content:
                    found.append(f"{label} ({form}) in {path.name}")
    return found


@pytest.fixture
def debug_log(paths: AppPaths) -> Iterator[Path]:
    configure_logging(paths.log_file, verbose=True)
    yield paths.log_file
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_ledgerbridge", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.WARNING)


def test_after_connect_and_refreshes_no_token_is_in_the_database_copies_or_logs(
    tmp_path: Path, paths: AppPaths, xero: PackageSettings, store: SecretStore, debug_log: Path
) -> None:
    # A database from the previous version, so opening it migrates and leaves a pre-migration copy.
    database_file = tmp_path / "books.db"
    url = f"sqlite:///{database_file}"
    engine = create_database_engine(url)
    command.upgrade(alembic_config(engine), "0001")
    engine.dispose()
    database = open_database(url)
    copies = sorted(tmp_path.glob("books.before-*"))
    assert copies, "opening an older database makes a copy before migrating"

    book = ConnectionBook(database.session_factory)
    result = connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    tokens = {"consent access token": result.tokens.access_token}
    assert result.tokens.refresh_token is not None
    tokens["consent refresh token"] = result.tokens.refresh_token

    provider = open_xero(xero, info, store=store, events=book.events_for("xero"))
    try:
        for round_number in (1, 2):
            provider.credentials.forget()
            tokens[f"access token {round_number}"] = provider.credentials.access_token()
            stored = keyring_value(info.secret_key)
            assert stored is not None and len(stored) <= MAX_SECRET_CHARS
            tokens[f"refresh token {round_number}"] = stored
            assert provider.organisation().name == DEMO_COMPANY
            assert provider.accounts()
            provider.check()
    finally:
        provider.close()
    assert len(set(tokens.values())) == len(tokens), "every renewal rotated both tokens"

    wal = database_file.with_name(database_file.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the -wal file holds the latest writes"
    logs = sorted(p for p in paths.log_dir.rglob("*") if p.is_file())
    log_text = debug_log.read_text(encoding="utf-8")
    assert "Renewed the Xero sign-in" in log_text and "DEBUG" in log_text, "the logs were written at DEBUG"

    files = [database_file, wal, *copies, *logs]
    assert leaks(files, tokens) == []
    database.dispose()  # folds the -wal into the database file
    assert leaks([database_file, *copies, *logs], tokens) == []


def test_the_command_line_with_verbose_logging_leaks_no_refresh_token(
    tmp_path: Path, paths: AppPaths, xero: PackageSettings, keyring_file: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    cli = start_cli_connect("-v", "--db", url, "--sandbox", xero.endpoints.api.split("/xero/")[0], "connect",
                            "xero", "--no-browser")
    play_user(cli.address)
    code, _out, err = cli.finish()
    assert code == 0, err
    database = open_database(url)
    info = ConnectionBook(database.session_factory).find("xero")
    database.dispose()
    assert info is not None
    tokens = {}
    first = keyring_value(info.secret_key)
    assert first is not None
    tokens["refresh token after connect"] = first

    status = run_cli("-v", "--db", url, "--sandbox", xero.endpoints.api.split("/xero/")[0], "status")
    assert status.returncode == 0, status.stdout + status.stderr
    second = keyring_value(info.secret_key)
    assert second is not None and second != first
    tokens["refresh token after status"] = second

    files = sorted(p for p in tmp_path.glob("books.db*") if p.is_file())
    files += sorted(p for p in paths.log_dir.rglob("*") if p.is_file())
    assert any(p.parent == paths.log_dir for p in files), "the commands wrote their log"
    assert leaks(files, tokens) == []
    # Nor on the terminal (stderr gets the log lines too).
    for label, token in tokens.items():
        assert token not in err + status.stdout + status.stderr, label
