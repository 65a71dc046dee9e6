"""The small HTTP vocabulary the sandbox's emulators speak: a parsed request, a response, and routes.

The emulators are plain functions from ``WebRequest`` to ``WebResponse``; ``server.py`` owns the sockets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit


class Headers:
    """Case-insensitive HTTP headers that keep their first spelling (HTTP header names ignore case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = []
        for name, value in items:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self._items.append((name, value))

    def remove(self, name: str) -> None:
        lowered = name.lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != lowered]

    def get(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for item_name, value in self._items:
            if item_name.lower() == lowered:
                return value
        return default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


@dataclass
class WebRequest:
    """One HTTP request as the emulators see it. ``path`` has no query; ``query`` keeps repeated keys."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: bytes
    client_host: str
    raw_target: str = ""
    #: Values captured by the route's pattern (e.g. the invoice id in ``/Invoices/{id}``).
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, method: str, target: str, headers: Headers, body: bytes, client_host: str = "127.0.0.1"
    ) -> WebRequest:
        parts = urlsplit(target)
        return cls(
            method=method.upper(),
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            client_host=client_host,
            raw_target=target,
        )

    def arg(self, name: str, default: str | None = None, *, ignore_case: bool = True) -> str | None:
        """The first value of a query parameter. Xero matches its query parameter names without case."""
        if name in self.query:
            return self.query[name][0]
        if ignore_case:
            lowered = name.lower()
            for key, values in self.query.items():
                if key.lower() == lowered:
                    return values[0]
        return default

    def form(self) -> dict[str, list[str]]:
        """The body as an HTML form (application/x-www-form-urlencoded)."""
        return parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def json(self) -> Any:
        """The body as JSON with every number that has a fraction read as ``Decimal`` (money)."""
        return json.loads(self.body.decode("utf-8"), parse_float=Decimal)


@dataclass
class WebResponse:
    status: int
    body: bytes = b""
    headers: Headers = field(default_factory=Headers)
    #: Called once the answer has been sent, dropped or abandoned (e.g. to end a rate-limit count).
    on_finished: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> WebResponse:
        response = cls(status, dump_json(payload).encode("utf-8"))
        response.headers.set("Content-Type", "application/json; charset=utf-8")
        for name, value in (headers or {}).items():
            response.headers.set(name, value)
        return response

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> WebResponse:
        response = cls(status, text.encode("utf-8"))
        response.headers.set("Content-Type", content_type)
        return response

    @classmethod
    def html(cls, status: int, page: str) -> WebResponse:
        return cls.text(status, page, "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> WebResponse:
        response = cls(status)
        response.headers.set("Location", location)
        return response


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # A JSON number, as the packages send money; float keeps every 2- and 4-place amount exact in text.
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dump_json(payload: Any) -> str:
    return json.dumps(payload, default=_json_default, ensure_ascii=False, separators=(",", ":"))


Handler = Callable[[WebRequest], WebResponse]
H = TypeVar("H")


@dataclass(frozen=True)
class Route(Generic[H]):
    method: str
    pattern: re.Pattern[str]
    handler: H
    #: What the emulator needs to know about the route besides its handler (e.g. the scope it needs).
    meta: Any = None


class Router(Generic[H]):
    """Routes by method and a path pattern; ``{name}`` captures one path segment."""

    def __init__(self, prefix: str = "", *, ignore_case: bool = False) -> None:
        self.prefix = prefix
        self._ignore_case = ignore_case
        self._routes: list[Route[H]] = []

    def add(self, method: str, template: str, handler: H, meta: Any = None) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.prefix + template))
        flags = re.IGNORECASE if self._ignore_case else 0
        self._routes.append(Route(method.upper(), re.compile(f"^{regex}/?$", flags), handler, meta))

    def match(self, request: WebRequest) -> tuple[Route[H] | None, bool]:
        """The route for ``request`` (``request.params`` filled) and whether the path is known at all."""
        path_known = False
        for route in self._routes:
            found = route.pattern.match(request.path)
            if found is None:
                continue
            path_known = True
            if route.method == request.method:
                request.params = {k: v for k, v in found.groupdict().items() if v is not None}
                return route, True
        return None, path_known
