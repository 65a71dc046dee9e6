"""Sending requests to a package: timeouts on every call, a limiter around it, network faults as errors.

``HttpClient`` wraps one ``requests.Session``. It never logs headers, bodies or query strings (an
``Authorization`` header or a token must never reach a log line, STYLE.md rule 9), only the method, the
path, the status and the time taken. Network faults become ``Transient``; for a write that may have reached
the package (read timeout, connection dropped after sending) ``OutcomeUnknown``, so the sync engine looks
the record up before sending it again. What a status code *means* is the provider's business: the packages
disagree (Xero 429 + ``Retry-After``, MYOB ``403 RateLimitError``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions

from app import __version__
from app.integrations.base import OutcomeUnknown, Transient

logger = logging.getLogger(__name__)
# urllib3 logs each request's full target (query string included) at DEBUG; HttpClient logs what is
# safe to say (no query), as a query may one day carry something that must not reach the log file.
logging.getLogger("urllib3").setLevel(logging.INFO)

#: (connect, read) seconds. Xero answers most calls in well under a second; a minute covers a large page.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestLimiter(Protocol):
    """Keeps a connection under its package's limits (the sync engine supplies a real one).

    ``slot()`` is held while one request is in flight: it waits for the rate and concurrency limits.
    ``observe()`` sees every answer's status and headers (e.g. Xero's ``X-MinLimit-Remaining``).
    """

    def slot(self) -> contextlib.AbstractContextManager[None]: ...

    def observe(self, status: int, headers: Mapping[str, str]) -> None: ...


class NoLimit:
    """A limiter that never waits (connecting, tests, the sandbox with its limits off)."""

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        yield

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        pass


def without_query(url: str) -> str:
    """``url`` with its query and fragment dropped: what may be logged of an address."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def retry_after_seconds(headers: Mapping[str, str], *, now: dt.datetime | None = None) -> float | None:
    """The ``Retry-After`` header as seconds (it may be a number or an HTTP date), or None."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before the request could have been sent (refused, DNS, connect)."""
    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(
        reason,
        urllib3.exceptions.NewConnectionError
        | urllib3.exceptions.ConnectTimeoutError
        | urllib3.exceptions.NameResolutionError,
    )


class HttpClient:
    """One package's HTTP session: timeouts, the limiter, safe logging, network faults as errors.

    ``service`` names the package in messages ("Xero could not be reached: ...").
    """

    def __init__(
        self,
        service: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        limiter: RequestLimiter | None = None,
    ) -> None:
        self.service = service
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"LedgerBridge/{__version__}"
        self.timeout = timeout
        self.limiter: RequestLimiter = limiter or NoLimit()

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: requests.auth.AuthBase | None = None,
    ) -> requests.Response:
        method = method.upper()
        shown = f"{method} {without_query(url)}"
        started = time.monotonic()
        with self.limiter.slot():
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    params=dict(params or {}),
                    json=json,
                    data=data,
                    auth=auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.ConnectTimeout:
                raise Transient(f"{self.service} could not be reached in time. Check the internet "
                                "connection; LedgerBridge will try again.") from None
            except requests.exceptions.ReadTimeout:
                logger.warning("%s: no answer within %.0f s", shown, self.timeout[1])
                raise self._maybe_applied(method, f"{self.service} did not answer in time") from None
            except requests.exceptions.ConnectionError as exc:
                if _never_sent(exc):
                    raise Transient(f"{self.service} could not be reached. Check the internet "
                                    "connection; LedgerBridge will try again.") from None
                logger.warning("%s: the connection dropped (%s)", shown, type(exc).__name__)
                raise self._maybe_applied(method, f"The connection to {self.service} dropped") from None
            except requests.exceptions.RequestException as exc:
                raise Transient(f"{self.service} could not be reached ({type(exc).__name__}).") from None
            self.limiter.observe(response.status_code, response.headers)
        logger.debug("%s -> %s in %.0f ms", shown, response.status_code, (time.monotonic() - started) * 1000)
        return response

    def _maybe_applied(self, method: str, what: str) -> Transient:
        if method in SAFE_METHODS:
            return Transient(f"{what}; LedgerBridge will try again.")
        return OutcomeUnknown(
            f"{what}, so it is not known whether the change was made; LedgerBridge checks before sending "
            "it again."
        )

    def close(self) -> None:
        self.session.close()
