"""Local emulators of the accounting packages' real APIs, served on loopback (DESIGN.md "The sandbox").

Start one with ``app.integrations.sandbox.server.SandboxServer``; ``ledgerbridge sandbox`` serves one in the
foreground. Only configuration (base URLs) points a client here: no production code path knows about it.
"""
