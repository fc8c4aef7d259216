"""Instructor tests: people act through the demo LMS over real HTTP (deep linking in its content
chooser, launches, the tool's pages and forms); the database is read only to check.

``HtmlForm`` reads a page's form the way a browser would submit it (current values, checked
boxes, selected options), so a test changes only the fields a person would touch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any

import requests
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Assessment
from lti_tool.models.demo_lms import DemoLineItem
from lti_tool.models.demo_lms import DemoResourceLink
from lti_tool.models.demo_lms import DemoTool
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch
from tests.attempts.conftest import people  # noqa: F401  (fixture)
from tests.lti.test_platform_flows import Browser


class HtmlForm(HTMLParser):
    """The fields of the form with ``form_id`` (or the first form) as a browser would post them."""

    def __init__(self, html: str, form_id: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.action = ""
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.inside and not self.done and (self.form_id is None or a.get("id") == self.form_id):
            self.inside, self.action = True, a.get("action", "")
            return
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._first_option, self._selected = a.get("name"), None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self._select:
            if not self._selected and self._first_option is not None:
                self.fields.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.fields if n == name]

    def changed(self, **changes: Any) -> list[tuple[str, str]]:
        """The fields with ``changes`` (``count__barriers=40`` sets ``count.barriers``; a list sets
        a repeated field; None removes it)."""
        wanted = {name.replace("__", "."): value for name, value in changes.items()}
        kept = [(n, v) for n, v in self.fields if n not in wanted]
        for name, value in wanted.items():
            if value is None:
                continue
            kept += [(name, str(v)) for v in value] if isinstance(value, list) else [(name, str(value))]
        return kept


def post_form(browser: Browser, url: str, fields: list[tuple[str, str]]) -> requests.Response:
    """POST repeated fields, then follow redirects and self-submitting forms like ``Browser.go``."""
    response = browser.http.post(url, data=fields, cookies=browser.jar.get(requests.utils.urlparse(url).netloc, {}),
                                 allow_redirects=False, timeout=20)
    if response.status_code in (301, 302, 303):
        return browser.go("GET", requests.compat.urljoin(url, response.headers["Location"]))
    if response.status_code == 200 and 'name="JWT"' in response.text:
        action = unescape(re.search(r'<form id="deep-link-return" method="post" action="([^"]+)"', response.text).group(1))
        jwt_value = unescape(re.search(r'name="JWT" value="([^"]*)"', response.text).group(1))
        return browser.go("POST", action, {"JWT": jwt_value})
    return response


@dataclass
class Chooser:
    """The tool's builder inside the LMS's content chooser (a deep-linking launch)."""

    browser: Browser
    page: requests.Response

    @property
    def form(self) -> HtmlForm:
        return HtmlForm(self.page.text, "builder")

    @property
    def base(self) -> str:
        return re.match(r"(.*/s/[^/]+/)", self.page.url).group(1)

    def submit(self, **changes: Any) -> requests.Response:
        form = self.form
        return post_form(self.browser, requests.compat.urljoin(self.page.url, unescape(form.action)), form.changed(**changes))

    def post(self, path: str, **changes: Any) -> requests.Response:
        return post_form(self.browser, self.base + path, self.form.changed(**changes))


def open_chooser(stack, link_id: int | None = None) -> Chooser:  # noqa: ANN001
    """The instructor's "Add activity" (or "Select content" of ``link_id``) in the demo LMS."""
    people = demo_people(stack)
    browser = Browser()
    browser.go("POST", f"{stack.lms_url}/course/{people['course']}/whoami", {"user_id": str(people["instructor"]), "storage": "0"})
    with session_scope(stack.app) as session:
        tool_id = session.scalars(select(DemoTool.id)).first()
    path = f"links/{link_id}/deep-link" if link_id else f"tools/{tool_id}/deep-link"
    page = browser.go("GET", f"{stack.lms_url}/course/{people['course']}/{path}?storage=0")
    assert page.status_code == 200 and page.url.startswith(stack.tool_url), page.text[:800]
    return Chooser(browser, page)


def demo_link(stack, title: str) -> dict[str, Any]:  # noqa: ANN001
    """The demo LMS's activity called ``title``: its custom parameters and line items."""
    with session_scope(stack.app) as session:
        link = session.scalars(select(DemoResourceLink).where(DemoResourceLink.title == title)).one()
        items = session.scalars(select(DemoLineItem).where(DemoLineItem.resource_link_pk == link.id)).all()
        return {"id": link.id, "custom": dict(link.custom), "text": link.text,
                "line_items": [(i.score_maximum, i.label, i.resource_id, i.tag) for i in items]}


def assessment_of(stack, key: str) -> dict[str, Any]:  # noqa: ANN001
    with session_scope(stack.app) as session:
        found = session.scalars(select(Assessment).where(Assessment.key == key)).one()
        return {c.name: getattr(found, c.name) for c in Assessment.__table__.columns}


def instructor(stack, link_id: int | None = None):  # noqa: ANN001, ANN201
    """The instructor's launch of a link (the demo quiz by default): a ``Student``-like browser."""
    return launch(stack, demo_people(stack)["instructor"], link_id)
