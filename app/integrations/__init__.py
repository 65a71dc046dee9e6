"""The outside world: one provider per accounting package behind the protocol in ``base.py``.

``oauth.py`` (authorisation code + PKCE, the loopback listener, refreshing credentials), ``secrets.py``
(the OS keyring), ``http.py`` (timeouts, limiter hooks, error mapping), ``xero.py`` (the Xero provider),
``connections.py`` (connect / disconnect / open a provider, with the database side passed in), and
``sandbox/`` (local emulators of the packages). This package speaks neutral records; it never imports
``app.models`` or Qt. Importing it is cheap: submodules are imported where they are used.
"""
