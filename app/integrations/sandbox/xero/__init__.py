"""The emulated Xero: identity server (login, tokens, connections) and Accounting API 2.0."""
