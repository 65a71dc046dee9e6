"""Xero's XML answers, for clients that do not ask for JSON (Xero's default format, reference 2.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from app.integrations.sandbox.xero.wire import parse_msdate

#: Child element names of Xero's lists where dropping the plural "s" would be wrong.
SINGULAR = {
    "Addresses": "Address",
    "Elements": "DataContractBase",
    "Tracking": "TrackingCategory",
    "Warnings": "Warning",
    "Pagination": "Pagination",
}


def _singular(name: str) -> str:
    if name in SINGULAR:
        return SINGULAR[name]
    return name[:-1] if name.endswith("s") else name


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, str) and value.startswith("/Date("):
        try:
            moment = parse_msdate(value)
        except ValueError:
            return value
        return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")
    return "" if value is None else str(value)


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for item in value:
            _append(element, _singular(name), item)
    else:
        element.text = _text(value)


def to_xml(payload: Any) -> str:
    """A JSON body as Xero's XML: ``<Response>`` for answers, ``<ApiException>`` for errors."""
    root_name = "ApiException" if isinstance(payload, dict) and "ErrorNumber" in payload else "Response"
    root = ElementTree.Element(root_name)
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key != "pagination":
                _append(root, key, value)
    elif isinstance(payload, list):
        for item in payload:
            _append(root, "Item", item)
    return ElementTree.tostring(root, encoding="unicode")
