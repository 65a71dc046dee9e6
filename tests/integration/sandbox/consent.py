"""Driving the emulated Xero's consent page over HTTP, as a person's browser would.

Nothing here approves anything by itself: it fetches the authorize page, reads the form the page shows,
ticks the organisations asked for and presses the button asked for, like a person clicking.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

CLIENT_ID = "ledgerbridge-demo"
REDIRECT_URI = "http://localhost:53682/callback"
SCOPES = "offline_access accounting.settings accounting.contacts accounting.invoices accounting.payments"


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


def challenge_for(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class ConsentPage:
    """The authorize page as a browser shows it: its form fields and the organisations offered."""

    response: requests.Response
    action: str
    hidden: dict[str, str]
    organisations: dict[str, str]  # name -> tenant id
    checked: list[str]
    buttons: dict[str, str]  # label -> value

    @classmethod
    def read(cls, response: requests.Response) -> ConsentPage:
        text = response.text
        form = re.search(r'<form method="post" action="([^"]+)">', text)
        assert form is not None, text
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
        organisations: dict[str, str] = {}
        checked: list[str] = []
        for value, ticked, name in re.findall(
            r'<input type="checkbox" name="tenant" value="([^"]+)"( checked)?> ([^<]+)</label>', text
        ):
            organisations[html.unescape(name)] = value
            if ticked:
                checked.append(value)
        buttons = {
            html.unescape(label): value
            for value, label in re.findall(r'name="decision" value="([^"]+)">([^<]+)</button>', text)
        }
        base = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        return cls(response, base + form.group(1), hidden, organisations, checked, buttons)

    def press(self, label: str, organisations: list[str] | None = None) -> requests.Response:
        """Tick ``organisations`` (by name; None keeps the page's own ticks) and press the button."""
        tenants = self.checked if organisations is None else [self.organisations[n] for n in organisations]
        data: dict[str, Any] = dict(self.hidden)
        data["tenant"] = tenants
        data["decision"] = self.buttons[label]
        return requests.post(self.action, data=data, allow_redirects=False, timeout=10)


def authorize_params(verifier: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPES,
        "state": "state-" + secrets.token_hex(4),
        "code_challenge": challenge_for(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return params


def open_consent(endpoints: dict[str, Any], verifier: str, **overrides: str) -> ConsentPage:
    response = requests.get(
        endpoints["authorize"], params=authorize_params(verifier, **overrides), timeout=10
    )
    assert response.status_code == 200, response.text
    return ConsentPage.read(response)


def redirect_query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(
    endpoints: dict[str, Any], code: str, verifier: str, redirect_uri: str = REDIRECT_URI
) -> requests.Response:
    return requests.post(
        endpoints["token"],
        data={
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        timeout=10,
    )


def refresh(endpoints: dict[str, Any], refresh_token: str) -> requests.Response:
    return requests.post(
        endpoints["token"],
        data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": refresh_token},
        timeout=10,
    )


def connect(
    endpoints: dict[str, Any], organisations: list[str] | None = None, scope: str = SCOPES
) -> dict[str, Any]:
    """The whole consent: page, Allow access, code exchange. Returns the token response body."""
    verifier = new_verifier()
    page = open_consent(endpoints, verifier, scope=scope)
    query = redirect_query(page.press("Allow access", organisations))
    reply = exchange(endpoints, query["code"], verifier)
    assert reply.status_code == 200, reply.text
    token: dict[str, Any] = reply.json()
    return token
