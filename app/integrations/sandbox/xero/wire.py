"""Xero's wire format: ``/Date(ms+0000)/`` dates, money, the response envelope and the error bodies.

Shapes follow ../shared/reference/xero.md sections 1.2, 2.2-2.4 and the OpenAPI contract in
../shared/contracts/xero/.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.integrations.sandbox.web import WebResponse

APP_NAME = "LedgerBridge"
CENTS = Decimal("0.01")

_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def msdate(moment: dt.datetime | dt.date) -> str:
    """``/Date(1518685950940+0000)/``: milliseconds since the epoch, UTC (a date is its midnight)."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime(moment.year, moment.month, moment.day, tzinfo=dt.UTC)
    millis = int((moment.astimezone(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1000)
    return f"/Date({millis}+0000)/"


def parse_msdate(text: str) -> dt.datetime:
    found = _MSDATE.match(text.strip())
    if found is None:
        raise ValueError(f"'{text}' is not a /Date(...)/ value")
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(found.group(1)))
    offset = found.group(2)
    if offset:
        sign = 1 if offset[0] == "+" else -1
        moment = moment.astimezone(
            dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])))
        )
    return moment


def iso_date_string(moment: dt.date) -> str:
    """The ``DateString`` companion field: ``2009-05-27T00:00:00``."""
    return f"{moment.isoformat()}T00:00:00"


def iso_utc_string(moment: dt.datetime) -> str:
    """``UpdatedDateUTCString``: ISO, UTC, without zone, as Xero writes it."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def connection_time(moment: dt.datetime) -> str:
    """The identity API's timestamps: ``2019-12-07T18:46:19.5165400`` (seven fraction digits, UTC)."""
    naive = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return naive.strftime("%Y-%m-%dT%H:%M:%S.") + f"{naive.microsecond:06d}0"


class BadValue(ValueError):
    """A value Xero could not read (answered as a PostDataInvalidException)."""


def read_date(value: Any) -> dt.date:
    """A date as clients send it: ``2019-03-11``, ``2019-03-11T00:00:00`` or ``/Date(...)/``."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("/Date("):
            try:
                return parse_msdate(text).date()
            except ValueError as exc:
                raise BadValue(f"The string '{value}' is not a valid AllXsd value.") from exc
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise BadValue(f"The string '{value}' is not a valid AllXsd value.")


def stored_date(value: str | None) -> dt.date | None:
    """A date this emulator wrote (``/Date(...)/``), back as a date."""
    return None if not value else parse_msdate(value).date()


def read_money(value: Any, *, field: str = "amount") -> Decimal:
    if isinstance(value, bool):
        raise BadValue(f"'{value}' is not a valid {field}")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadValue(f"'{value}' is not a valid {field}") from exc
    if not amount.is_finite():
        raise BadValue(f"'{value}' is not a valid {field}")
    return amount


def cents(amount: Decimal) -> Decimal:
    """Rounded to the cent, half up (Xero rounds each line's tax this way, then sums)."""
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


def new_id() -> str:
    return str(uuid.uuid4())


def envelope(now: dt.datetime, key: str | None = None, items: Any = None, **extra: Any) -> dict[str, Any]:
    """``{"Id","Status":"OK","ProviderName","DateTimeUTC",...}``, Xero's success body."""
    body: dict[str, Any] = {
        "Id": new_id(),
        "Status": "OK",
        "ProviderName": APP_NAME,
        "DateTimeUTC": msdate(now).replace("+0000", ""),
    }
    body.update(extra)
    if key is not None:
        body[key] = items
    return body


def problem(status: int, title: str, detail: str, *, with_type: bool = True) -> WebResponse:
    """The gateway's problem body: ``{"Type":null,"Title":...,"Status":...,"Detail":...,"Instance":...}``."""
    body: dict[str, Any] = {}
    if with_type:
        body["Type"] = None
    body.update({"Title": title, "Status": status, "Detail": detail, "Instance": new_id(), "Extensions": {}})
    return WebResponse.json(status, body)


def unauthorized(detail: str) -> WebResponse:
    """401 ``{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: ..."}``."""
    return problem(401, "Unauthorized", detail)


def forbidden(detail: str = "AuthenticationUnsuccessful") -> WebResponse:
    """403 ``{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful"}``."""
    return problem(403, "Forbidden", detail)


NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


def not_found() -> WebResponse:
    return WebResponse.text(404, NOT_FOUND_TEXT)


def server_error() -> WebResponse:
    """500, as reported in xero-node#466."""
    return problem(
        500,
        "An error occurred",
        "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current "
        "service status. Contact the API support team at api@xero.com for more assistance.",
        with_type=False,
    )


def unavailable() -> WebResponse:
    """503 while the organisation is offline (maintenance); clients are told to retry in minutes."""
    return problem(503, "Service Unavailable", "The Organisation is offline", with_type=False)


def rate_limited_body() -> WebResponse:
    """The 429 body documented for Xero (form-encoded text, content type text/html)."""
    return WebResponse.text(
        429,
        "oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20retrying"
        "%20the%20xero%20api",
        "text/html; charset=utf-8",
    )


def validation_exception(
    elements: list[dict[str, Any]], message: str = "A validation exception occurred"
) -> WebResponse:
    """400 ValidationException with the submitted elements echoed back with their errors."""
    return WebResponse.json(
        400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": elements}
    )


def post_data_invalid(message: str) -> WebResponse:
    """400 PostDataInvalidException (ErrorNumber 14): the body could not be read."""
    return WebResponse.json(400, {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message})


def bad_request(message: str) -> WebResponse:
    """400 with a plain message (e.g. an Idempotency-Key reused for a different request)."""
    return WebResponse.json(
        400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": []}
    )
