"""(filled in below)"""

from __future__ import annotations

from app.integrations.sandbox.xero.accounting import AccountingRoutes


def register(routes: AccountingRoutes) -> None:
    del routes
