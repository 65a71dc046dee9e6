"""Checking the sandbox's answers against Xero's OpenAPI contracts (../shared/contracts/xero/).

``ContractChecker.check(response)`` validates one ``requests`` response with openapi-core against the
operation and status the contract documents, checks that every field marked ``x-is-msdate`` or
``x-is-msdate-time`` is written ``/Date(ms+0000)/``, and records which operation and status it saw.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

CONTRACTS = Path(__file__).resolve().parents[4] / "shared" / "contracts" / "xero"
GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
MSDATE = re.compile(r"^/Date\(-?\d+\+0000\)/$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
#: The identity API's own example writes ``2019-12-07T18:46:19.5165400`` (no zone) for a date-time, and so
#: does Xero; the contract's ``format: date-time`` alone would refuse it, so that one shape is let through.
XERO_IDENTITY_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}$")


def load_contract(name: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (CONTRACTS / name).open(encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=loader)
    return document


def _date_time(value: Any) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value) or XERO_IDENTITY_TIME.match(value))


@dataclass
class _Api:
    spec: dict[str, Any]
    base: str
    openapi: OpenAPI
    templates: list[tuple[re.Pattern[str], str]] = field(default_factory=list)


class ContractChecker:
    """Validates answers of the Accounting API (``api_base``) and the identity API (``identity_base``)."""

    def __init__(
        self, accounting: dict[str, Any], identity: dict[str, Any], api_base: str, identity_base: str
    ) -> None:
        # The contracts name Xero's hosts; the same paths are served under the sandbox's base URLs.
        config = Config(spec_validator_cls=None, extra_format_validators={"date-time": _date_time})
        self.apis: list[_Api] = []
        for spec, base in ((accounting, api_base), (identity, identity_base)):
            spec = dict(spec, servers=[{"url": base}])
            api = _Api(spec, base, OpenAPI.from_dict(spec, config=config))
            for template in spec["paths"]:
                pattern = re.escape(template)
                pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
                api.templates.append((re.compile(f"^{pattern}$"), template))
            # Specific paths (/Contacts/{ContactID}/History) before general ones.
            api.templates.sort(key=lambda t: -len(t[1]))
            self.apis.append(api)
        self.seen: set[tuple[str, str, int]] = set()
        self.checked = 0

    def _operation(self, response: requests.Response) -> tuple[_Api, str, dict[str, Any]]:
        request = response.request
        url = str(request.url)
        for api in self.apis:
            if not url.startswith(api.base):
                continue
            path = urlsplit(url).path[len(urlsplit(api.base).path) :]
            found = [
                (template, api.spec["paths"][template][str(request.method).lower()])
                for pattern, template in api.templates
                if pattern.match(path) and str(request.method).lower() in api.spec["paths"][template]
            ]
            if found:
                # /Contacts/{ContactID} and /Contacts/{ContactNumber} share a pattern: an id picks the first.
                last = path.rsplit("/", 1)[-1]
                by_id = [f for f in found if f[0].endswith("ID}")]
                others = [f for f in found if not f[0].endswith("ID}")]
                template, operation = (by_id or found)[0] if GUID.match(last) else (others or found)[0]
                return api, template, operation
        raise AssertionError(f"the contract has no operation for {request.method} {url}")

    def documents(self, response: requests.Response) -> bool:
        _, _, operation = self._operation(response)
        return str(response.status_code) in operation["responses"]

    def check(self, response: requests.Response) -> None:
        api, template, operation = self._operation(response)
        status = str(response.status_code)
        assert status in operation["responses"], f"{operation['operationId']} does not document {status}"
        api.openapi.validate_response(
            RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
        )
        content = operation["responses"][status].get("content", {}).get("application/json")
        if content is not None:
            self._check_dates(api.spec, content["schema"], response.json(), operation["operationId"])
        self.seen.add((str(response.request.method), template, response.status_code))
        self.checked += 1

    def check_request(self, response: requests.Response) -> None:
        """Validates the request that ``response`` answers: its parameters, headers and body."""
        api, _, _ = self._operation(response)
        with warnings.catch_warnings():
            # openapi-core does not check OAuth2 security schemes and says so with a UserWarning.
            warnings.simplefilter("ignore", UserWarning)
            api.openapi.validate_request(RequestsOpenAPIRequest(response.request))

    def _resolve(self, spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target: Any = spec
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def _check_dates(
        self, spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str, depth: int = 0
    ) -> None:
        schema = self._resolve(spec, schema)
        if depth > 12 or value is None:
            return
        if (schema.get("x-is-msdate") or schema.get("x-is-msdate-time")) and isinstance(value, str):
            assert MSDATE.match(value), f"{where}: {value!r} is not /Date(ms+0000)/"
        if isinstance(value, dict):
            for name, inner in value.items():
                child = schema.get("properties", {}).get(name)
                if child is not None:
                    self._check_dates(spec, child, inner, f"{where}.{name}", depth + 1)
        elif isinstance(value, list) and "items" in schema:
            for inner in value:
                self._check_dates(spec, schema["items"], inner, where, depth + 1)
