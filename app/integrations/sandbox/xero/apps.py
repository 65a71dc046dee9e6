"""The apps registered with the emulated Xero, and which scopes cover which Accounting API calls.

The demo client is registered the way a business registers its own Xero app: "Auth Code with PKCE" (no
client secret), created after 2 March 2026 so only granular scopes are allowed, with exactly three
redirect URIs (reference sections 1.2 and 1.5).
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_CLIENT_ID = "ledgerbridge-demo"
DEMO_REDIRECT_URIS = (
    "http://localhost:53682/callback",
    "http://localhost:53683/callback",
    "http://localhost:53684/callback",
)

#: The demo user who is "signed in" to the emulated Xero when the consent page opens.
DEMO_USER_ID = "5b8e5a4d-2a55-4a8e-9d0b-1f3c0b7d6e21"
DEMO_USER_NAME = "Demo User"
DEMO_USER_EMAIL = "demo.user@ledgerbridge.example"


@dataclass(frozen=True)
class RegisteredApp:
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    #: Apps created on or after 2 March 2026 cannot ask for the broad transaction and report scopes.
    granular_scopes_only: bool = True
    company_url: str = "https://ledgerbridge.example"


REGISTERED_APPS = {
    DEMO_CLIENT_ID: RegisteredApp(
        client_id=DEMO_CLIENT_ID, name="LedgerBridge", redirect_uris=DEMO_REDIRECT_URIS
    ),
}

IDENTITY_SCOPES = {"openid", "profile", "email", "offline_access"}
GRANULAR_SCOPES = {
    f"accounting.{area}{suffix}"
    for area in (
        "settings",
        "contacts",
        "invoices",
        "payments",
        "banktransactions",
        "manualjournals",
        "attachments",
    )
    for suffix in ("", ".read")
} | {"accounting.journals.read", "accounting.budgets.read"}
BROAD_ONLY_SCOPES = {"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"}

#: For each Accounting API area, the scopes that allow reading it and writing it (OAS security per
#: operation, with the granular replacements of reference section 1.5).
AREA_SCOPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "settings": (
        frozenset({"accounting.settings", "accounting.settings.read"}),
        frozenset({"accounting.settings"}),
    ),
    "items": (
        frozenset(
            {
                "accounting.settings",
                "accounting.settings.read",
                "accounting.invoices",
                "accounting.invoices.read",
                "accounting.transactions",
                "accounting.transactions.read",
            }
        ),
        frozenset({"accounting.settings", "accounting.invoices", "accounting.transactions"}),
    ),
    "contacts": (
        frozenset({"accounting.contacts", "accounting.contacts.read"}),
        frozenset({"accounting.contacts"}),
    ),
    "invoices": (
        frozenset(
            {
                "accounting.invoices",
                "accounting.invoices.read",
                "accounting.transactions",
                "accounting.transactions.read",
            }
        ),
        frozenset({"accounting.invoices", "accounting.transactions"}),
    ),
    "payments": (
        frozenset(
            {
                "accounting.payments",
                "accounting.payments.read",
                "accounting.transactions",
                "accounting.transactions.read",
            }
        ),
        frozenset({"accounting.payments", "accounting.transactions"}),
    ),
}


def scope_problem(app: RegisteredApp, scope: str) -> str | None:
    """Why ``scope`` cannot be granted to ``app``, or None when it can."""
    requested = scope.split()
    if not requested:
        return "scope is missing"
    allowed = IDENTITY_SCOPES | GRANULAR_SCOPES
    if not app.granular_scopes_only:
        allowed |= BROAD_ONLY_SCOPES
    unknown = [s for s in requested if s not in allowed]
    if unknown:
        return f"Invalid scope: {' '.join(unknown)}"
    return None


def allows(granted: set[str], area: str, *, write: bool) -> bool:
    read_scopes, write_scopes = AREA_SCOPES[area]
    return bool(granted & (write_scopes if write else read_scopes))
