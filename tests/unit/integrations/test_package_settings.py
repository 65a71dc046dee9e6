"""Where Xero is reached: production by default, the sandbox by its base URL, the client id from config."""

from __future__ import annotations

import pytest

from app.config import (
    ENV_XERO_CLIENT_ID,
    SANDBOX_CLIENT_ID,
    XERO_PRODUCTION,
    AppPaths,
    ConfigFileError,
    xero_settings,
)
from app.integrations.base import NotConfigured
from app.integrations.xero import XERO_SCOPES, xero_oauth_client


def test_production_is_the_default_and_without_a_client_id_connecting_refuses(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_XERO_CLIENT_ID, raising=False)
    settings = xero_settings(paths)
    assert settings.endpoints == XERO_PRODUCTION
    assert settings.endpoints.authorize == "https://login.xero.com/identity/connect/authorize"
    assert not settings.sandbox and settings.client_id is None
    with pytest.raises(NotConfigured) as refused:
        xero_oauth_client(settings)
    message = str(refused.value)
    assert ENV_XERO_CLIENT_ID in message and str(paths.config_file) in message
    assert "53682, 53683, 53684" in message and "--demo" in message


def test_the_client_id_comes_from_the_environment_before_the_config_file(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.config_file.write_text('[xero]\nclient_id = "FROM-FILE"\n', encoding="utf-8")
    monkeypatch.delenv(ENV_XERO_CLIENT_ID, raising=False)
    assert xero_settings(paths).client_id == "FROM-FILE"
    monkeypatch.setenv(ENV_XERO_CLIENT_ID, " FROM-ENV ")
    client = xero_oauth_client(xero_settings(paths))
    assert client.client_id == "FROM-ENV"
    assert client.scopes == XERO_SCOPES
    assert client.redirect_ports == (53682, 53683, 53684)


def test_a_broken_config_file_is_named_in_the_message(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_XERO_CLIENT_ID, raising=False)
    paths.config_file.write_text("[xero\nclient_id = ", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"ledgerbridge\.toml"):
        xero_settings(paths)


def test_the_sandbox_differs_only_by_its_addresses_and_demo_client(paths: AppPaths) -> None:
    settings = xero_settings(paths, "http://127.0.0.1:5555/")
    assert settings.sandbox and settings.client_id == SANDBOX_CLIENT_ID
    assert settings.endpoints.authorize == "http://127.0.0.1:5555/xero/login/identity/connect/authorize"
    assert settings.endpoints.token == "http://127.0.0.1:5555/xero/identity/connect/token"
    assert settings.endpoints.revocation == "http://127.0.0.1:5555/xero/identity/connect/revocation"
    assert settings.endpoints.connections == "http://127.0.0.1:5555/xero/api/connections"
    assert settings.endpoints.api == "http://127.0.0.1:5555/xero/api/api.xro/2.0"
    assert settings.redirect_uris == xero_settings(paths).redirect_uris == (
        "http://localhost:53682/callback",
        "http://localhost:53683/callback",
        "http://localhost:53684/callback",
    )
