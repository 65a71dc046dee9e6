"""--reset-demo forgets the old demo's sign-ins: its keyring entries and the demo-only secret file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.cli import main
from app.config import AppPaths, database_url
from app.db import open_database
from app.integrations.secrets import SecretStore
from app.models import AccountingPackage, Connection
from tests.integration.connections.conftest import keyring_value


def test_reset_demo_forgets_the_demo_sign_ins(paths: AppPaths, keyring_file: Path) -> None:
    assert main(["--demo", "status", "--offline"]) in (0, 2)  # creates and seeds the demo
    database = open_database(database_url(paths, None, demo=True))
    with database.session_factory() as session, session.begin():
        session.add(
            Connection(
                package=AccountingPackage.XERO, tenant_id="t1", tenant_name="Demo Company (AU)",
                secret_key="demo-xero-test", sandbox=True,
            )
        )
    database.dispose()
    store = SecretStore.for_paths(paths)
    store.save("demo-xero-test", "a-refresh-token", sandbox=True)
    store.demo_file.write_text("{}")
    assert keyring_value("demo-xero-test") == "a-refresh-token"

    assert main(["--reset-demo", "status", "--offline"]) in (0, 2)

    assert keyring_value("demo-xero-test") is None
    assert not store.demo_file.exists()
    fresh = open_database(database_url(paths, None, demo=True))
    with fresh.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 0
    fresh.dispose()
