"""A tiny browser for consent pages: fetch the page, tick organisations, press a button, follow redirects.

It reads the page's HTML form the way a browser would (its action, hidden fields, checkboxes with their
labels, submit buttons) and knows nothing else about the sandbox, so nothing approves consent behind the
product's back: the test does what the user would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class _Checkbox:
    name: str
    value: str
    checked: bool
    label: str = ""


@dataclass
class ConsentForm:
    action: str
    method: str
    hidden: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: list[_Checkbox] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (label, name, value)

    @property
    def organisations(self) -> list[str]:
        return [box.label for box in self.checkboxes]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: ConsentForm | None = None
        self.title = ""
        self._in_title = False
        self._label_box: _Checkbox | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._in_title = True
        if tag == "form" and self.form is None:
            method = values.get("method", "get").lower()
            self.form = ConsentForm(action=values.get("action", ""), method=method)
        if self.form is None:
            return
        if tag == "input":
            kind = values.get("type", "text")
            if kind == "hidden":
                self.form.hidden.append((values.get("name", ""), values.get("value", "")))
            elif kind == "checkbox":
                box = _Checkbox(values.get("name", ""), values.get("value", "on"), "checked" in values)
                self.form.checkboxes.append(box)
                self._label_box = box
        elif tag == "button" and values.get("type", "submit") == "submit":
            self._button = [values.get("name", ""), values.get("value", ""), ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "label":
            self._label_box = None
        if tag == "button" and self._button is not None and self.form is not None:
            name, value, label = self._button
            self.form.buttons.append((label.strip(), name, value))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._label_box is not None:
            self._label_box.label = (self._label_box.label + data).strip()
        if self._button is not None:
            self._button[2] += data


@dataclass
class ConsentPage:
    url: str
    status: int
    title: str
    text: str
    form: ConsentForm | None


def open_consent_page(session: requests.Session, url: str) -> ConsentPage:
    response = session.get(url, timeout=30)
    parser = _FormParser()
    parser.feed(response.text)
    return ConsentPage(url=response.url, status=response.status_code, title=parser.title, text=response.text,
                       form=parser.form)


def answer_consent(
    session: requests.Session,
    page: ConsentPage,
    *,
    button: str = "Allow access",
    organisations: list[str] | None = None,
) -> requests.Response:
    """Tick ``organisations`` (by their label; None keeps the page's defaults), press ``button``, and follow
    the redirects as a browser would (to LedgerBridge's listener on localhost)."""
    form = page.form
    assert form is not None, f"no form on the page: {page.text[:500]}"
    data: list[tuple[str, str]] = list(form.hidden)
    for box in form.checkboxes:
        ticked = box.checked if organisations is None else box.label in organisations
        if ticked:
            data.append((box.name, box.value))
    chosen = [b for b in form.buttons if b[0] == button]
    assert chosen, f"no button {button!r} on the page; buttons: {[b[0] for b in form.buttons]}"
    _label, name, value = chosen[0]
    if name:
        data.append((name, value))
    target = urljoin(page.url, form.action)
    assert form.method == "post"
    return session.post(target, data=data, timeout=30, allow_redirects=True)
