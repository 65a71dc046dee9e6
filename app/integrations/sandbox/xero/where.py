"""The subset of Xero's ``where`` filter the emulator understands, and ``order``.

Grammar (reference section 3.3): comparisons ``Field == "text"`` (``=`` too), ``!=``, ``<``, ``<=``, ``>``,
``>=`` against strings, numbers, ``true``/``false``, ``null``, ``DateTime(2020, 01, 31[, h, m, s])`` and
``guid("...")``; ``Field.Contains("x")``, ``.StartsWith`` and ``.EndsWith``; dotted fields such as
``Contact.ContactID``; ``AND``/``OR`` (also ``&&``/``||``), ``NOT`` and parentheses. Strings compare
without regard to case, as Xero's database does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from app.integrations.sandbox.xero.wire import parse_msdate

Predicate = Callable[[dict[str, Any]], bool]
#: Field path (lower case) -> the texts (lower case) it must equal for a document to match.
Pins = dict[str, frozenset[str]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<>|<=|>=|&&|\|\||=|<|>|\(|\)|,|!)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)


class WhereError(ValueError):
    """A filter the emulator cannot read (Xero answers 400 QueryParseException)."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise WhereError(f"Unexpected character at position {position} in the where clause")
        kind = found.lastgroup or ""
        tokens.append(_Token(kind, found.group(kind)))
        position = found.end()
    return tokens


def field_value(document: dict[str, Any], path: str) -> Any:
    """``Contact.ContactID`` read from a Xero document (names matched without case)."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
            continue
        lowered = part.lower()
        value = next((v for k, v in value.items() if k.lower() == lowered), None)
    return value


def _comparable(value: Any, like: Any) -> Any:
    """``value`` (from the document) in the form of ``like`` (from the filter)."""
    if value is None:
        return None
    if isinstance(like, dt.datetime):
        if isinstance(value, str) and value.startswith("/Date("):
            return parse_msdate(value).replace(tzinfo=None)
        return None
    if isinstance(like, Decimal):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if isinstance(like, bool):
        return bool(value)
    if isinstance(like, str):
        return str(value).lower()
    return value


@dataclass(frozen=True)
class _Clause:
    """A parsed part of the filter: its predicate, and the fields it pins to a few texts."""

    predicate: Predicate
    pins: Pins


def _both(left: Pins, right: Pins) -> Pins:
    """Both hold: a field pinned by either stays pinned (to the texts both allow, if both pin it)."""
    pins = dict(left)
    for path, texts in right.items():
        pins[path] = pins[path] & texts if path in pins else texts
    return pins


def _either(left: Pins, right: Pins) -> Pins:
    """Either holds: only a field pinned by both sides stays pinned, to the texts either allows."""
    return {path: texts | right[path] for path, texts in left.items() if path in right}


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._position = 0

    def _peek(self) -> _Token | None:
        return self._tokens[self._position] if self._position < len(self._tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise WhereError("The where clause ended too early")
        self._position += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.text != text:
            raise WhereError(f"Expected '{text}' but found '{token.text}' in the where clause")

    def parse(self) -> _Clause:
        clause = self._or()
        if self._peek() is not None:
            raise WhereError(f"Unexpected '{self._next().text}' in the where clause")
        return clause

    def _or(self) -> _Clause:
        left = self._and()
        while (token := self._peek()) is not None and token.text.upper() in {"OR", "||"}:
            self._next()
            right = self._and()
            left = _Clause(
                (lambda a, b: lambda d: a(d) or b(d))(left.predicate, right.predicate),
                _either(left.pins, right.pins),
            )
        return left

    def _and(self) -> _Clause:
        left = self._not()
        while (token := self._peek()) is not None and token.text.upper() in {"AND", "&&"}:
            self._next()
            right = self._not()
            left = _Clause(
                (lambda a, b: lambda d: a(d) and b(d))(left.predicate, right.predicate),
                _both(left.pins, right.pins),
            )
        return left

    def _not(self) -> _Clause:
        token = self._peek()
        if token is not None and token.text.upper() in {"NOT", "!"}:
            self._next()
            inner = self._not().predicate
            return _Clause(lambda d: not inner(d), {})
        return self._primary()

    def _primary(self) -> _Clause:
        token = self._next()
        if token.text == "(":
            inner = self._or()
            self._expect(")")
            return inner
        if token.kind != "name":
            raise WhereError(f"Expected a field name but found '{token.text}' in the where clause")
        path = token.text
        for method in ("Contains", "StartsWith", "EndsWith"):
            if (
                path.endswith("." + method)
                and (following := self._peek()) is not None
                and following.text == "("
            ):
                self._next()
                argument = self._value()
                self._expect(")")
                return _Clause(self._text_method(path[: -len(method) - 1], method, argument), {})
        following = self._peek()
        if (
            following is None
            or following.kind != "op"
            or following.text not in {"==", "=", "!=", "<>", "<", "<=", ">", ">="}
        ):
            # A bare boolean field: ``IsCustomer``.
            return _Clause(lambda d: bool(field_value(d, path)), {})
        operator = self._next().text
        value = self._value()
        pins: Pins = {}
        if operator in {"==", "="} and isinstance(value, str):
            # Text compares without case (``_comparable``): the field's text, lowered, is this one.
            pins = {path.lower(): frozenset([value.lower()])}
        return _Clause(self._comparison(path, operator, value), pins)

    def _value(self) -> Any:
        token = self._next()
        if token.kind == "string":
            return token.text[1:-1].replace('\\"', '"')
        if token.kind == "number":
            return Decimal(token.text)
        if token.kind == "name":
            word = token.text.lower()
            if word in {"true", "false"}:
                return word == "true"
            if word == "null":
                return None
            if word == "datetime":
                self._expect("(")
                numbers: list[int] = []
                while True:
                    part = self._next()
                    if part.kind != "number":
                        raise WhereError("DateTime() takes numbers")
                    numbers.append(int(part.text))
                    closing = self._next()
                    if closing.text == ")":
                        break
                    if closing.text != ",":
                        raise WhereError("Expected ',' or ')' in DateTime()")
                if len(numbers) < 3:
                    raise WhereError("DateTime() needs a year, month and day")
                try:
                    parts = [*numbers[:6], 0, 0, 0][:6]
                    return dt.datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
                except (TypeError, ValueError) as exc:
                    raise WhereError(f"DateTime{tuple(numbers)} is not a date") from exc
            if word == "guid":
                self._expect("(")
                inner = self._next()
                if inner.kind != "string":
                    raise WhereError("guid() takes a quoted value")
                self._expect(")")
                return inner.text[1:-1]
        raise WhereError(f"'{token.text}' is not a value in the where clause")

    @staticmethod
    def _comparison(path: str, operator: str, value: Any) -> Predicate:
        if isinstance(value, str):
            value = value.lower()

        def check(document: dict[str, Any]) -> bool:
            actual = _comparable(field_value(document, path), value)
            if operator in {"==", "="}:
                return bool(actual == value)
            if operator in {"!=", "<>"}:
                return bool(actual != value)
            if actual is None or value is None:
                return False
            try:
                if operator == "<":
                    return bool(actual < value)
                if operator == "<=":
                    return bool(actual <= value)
                if operator == ">":
                    return bool(actual > value)
                return bool(actual >= value)
            except TypeError:
                return False

        return check

    @staticmethod
    def _text_method(path: str, method: str, argument: Any) -> Predicate:
        needle = str(argument).lower()

        def check(document: dict[str, Any]) -> bool:
            actual = field_value(document, path)
            if actual is None:
                return False
            text = str(actual).lower()
            if method == "Contains":
                return needle in text
            if method == "StartsWith":
                return text.startswith(needle)
            return text.endswith(needle)

        return check


def parse_where(text: str) -> Predicate:
    """A predicate over Xero documents for the ``where`` text (raises WhereError)."""
    return _Parser(_tokens(text)).parse().predicate


def pinned_texts(text: str, path: str) -> frozenset[str] | None:
    """The texts (lower case) that field ``path`` (``CreditNoteNumber``, ``Contact.ContactID``; any case)
    must equal, compared without case, for a document to match the ``where`` text, or None when the
    filter does not pin it. ``CreditNoteNumber=="CN-1" OR CreditNoteNumber=="CN-2"`` pins it to two;
    ``Type=="ACCREC" AND InvoiceNumber=="INV-1"`` to one; a ``NOT``, an ``OR`` with a side that leaves it
    free, or any other comparison, to none. Raises WhereError as ``parse_where`` does."""
    return _Parser(_tokens(text)).parse().pins.get(path.lower())


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float | Decimal):
        return (1, Decimal(str(value)))
    if isinstance(value, str) and value.startswith("/Date("):
        try:
            return (1, Decimal(int(parse_msdate(value).timestamp() * 1000)))
        except ValueError:
            pass
    return (2, str(value).lower())


def apply_order(documents: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sort by ``order`` (``Name``, ``Date DESC, InvoiceNumber ASC``); a stable sort keeps ties in place."""
    result = list(documents)
    keys = [part.split() for part in order.split(",") if part.strip()]
    for words in reversed(keys):
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in {"ASC", "DESC"}):
            raise WhereError(f"'{' '.join(words)}' is not an order")
        descending = len(words) == 2 and words[1].upper() == "DESC"
        field = words[0]

        def key(document: dict[str, Any], field: str = field) -> tuple[int, Any]:
            return _sort_key(field_value(document, field))

        result.sort(key=key, reverse=descending)
    return result
