"""Fixtures for the sandbox's own tests: a seeded state file made once, a fresh copy per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID
from tests.integration.sandbox.consent import connect


@pytest.fixture(scope="session")
def seeded_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state file with the demo organisations seeded (seeding takes most of a second; copying does not)."""
    path = tmp_path_factory.mktemp("sandbox-template") / "sandbox.db"
    SandboxServer(path).stop()
    return path


@pytest.fixture
def sandbox(seeded_state: Path, tmp_path: Path) -> Iterator[SandboxServer]:
    state = tmp_path / "sandbox.db"
    shutil.copyfile(seeded_state, state)
    with SandboxServer(state, clock=SandboxClock()) as server:
        yield server


@pytest.fixture
def xero(sandbox: SandboxServer) -> dict[str, Any]:
    endpoints: dict[str, Any] = sandbox.endpoints()["xero"]
    return endpoints


class XeroSession:
    """A connected client: plain ``requests`` with the bearer token and tenant header set."""

    def __init__(self, endpoints: dict[str, Any], token: dict[str, Any], tenant_id: str) -> None:
        self.endpoints = endpoints
        self.token = token
        self.http = requests.Session()
        self.http.headers.update(
            {
                "Authorization": f"Bearer {token['access_token']}",
                "Accept": "application/json",
                "xero-tenant-id": tenant_id,
            }
        )

    def url(self, path: str) -> str:
        return self.endpoints["api"] + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.http.put(self.url(path), json=body, timeout=10, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(path), json=body, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.url(path), timeout=10, **kwargs)


@pytest.fixture
def api(xero: dict[str, Any]) -> Iterator[XeroSession]:
    """Connected to Demo Company (AU) with every scope the app asks for."""
    session = XeroSession(xero, connect(xero), DEMO_COMPANY_TENANT_ID)
    yield session
    session.http.close()
