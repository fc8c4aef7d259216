"""The demo LMS on a real port, and a fake TOOL (its own RSA key, served from a tiny JWKS app).

The tests play the tool: they sign client assertions and deep-linking responses with the tool's
key and talk to the platform over HTTP only. Tables come from ``Base.metadata.create_all`` on a
fresh SQLite file per test (to be switched to the migrations once they cover demo_* tables).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.orm import Session
from urllib3.util import SKIP_HEADER

from lti_tool import create_app
from lti_tool.db import database
from lti_tool.db import session_scope
from lti_tool.models import Base
from lti_tool.demo_lms.setup import AGS_SCOPES
from lti_tool.demo_lms.setup import NRPS_READONLY
from lti_tool.demo_lms.setup import ensure_demo
from tests.support.live_server import LiveServer
from tests.support.live_server import live_server  # noqa: F401  (fixture)

UA = {"User-Agent": "demo-lms-tests/1.0"}
#: Headers that make requests/urllib3 send no User-Agent at all (urllib3 adds one by default).
NO_USER_AGENT = {"User-Agent": SKIP_HEADER}


@dataclass
class ToolKey:
    kid: str
    private_pem: str
    public_jwk: dict[str, Any]

    @classmethod
    def generate(cls, kid: str | None = None) -> ToolKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        kid = kid or "tool-" + secrets.token_hex(4)
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
        return cls(kid, pem, jwk)

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass
class FakeTool:
    """What the tool publishes: its JWKS (mutable, for rotation tests)."""

    keys: list[ToolKey]
    url: str = ""
    jwks_hits: int = 0

    def app(self) -> Flask:
        app = Flask("fake_tool")

        @app.get("/lti/jwks")
        def jwks():  # noqa: ANN202
            self.jwks_hits += 1
            return {"keys": [k.public_jwk for k in self.keys]}

        return app


@dataclass
class DemoLms:
    app: Flask
    url: str  # the issuer, http://127.0.0.1:PORT/demo-lms
    facts: dict[str, str]
    tool: FakeTool
    key: ToolKey
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def client_id(self) -> str:
        return self.facts["client_id"]

    def db(self) -> Any:
        """``with lms.db() as session:`` one committed unit of work in the LMS's database."""
        return _app_session(self.app)

    def assertion(self, key: ToolKey | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.facts["auth_token_url"],
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return (key or self.key).sign(claims)

    def request_token(self, assertion: str | None = None, scope: str | None = None, **form: str) -> requests.Response:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion or self.assertion(),
            "scope": scope if scope is not None else " ".join([*AGS_SCOPES, NRPS_READONLY]),
        }
        data.update(form)
        return self.http.post(self.facts["auth_token_url"], data=data, headers=UA, timeout=10)

    def token(self, scope: str | None = None) -> str:
        response = self.request_token(scope=scope)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def admin_form(self, path: str, data: dict[str, Any]) -> requests.Response:
        """Post one of the admin page's forms as a browser does: with the page's CSRF token."""
        page = self.http.get(self.url + "/admin/", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:500]
        return self.http.post(self.url + path, data={**data, "csrf_token": token.group(1)}, timeout=10)

    def get(self, url: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.http.get(url, headers=self._headers(token, kwargs.pop("headers", {})), timeout=10, **kwargs)

    def post(self, url: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self.http.post(url, headers=self._headers(token, kwargs.pop("headers", {})), timeout=10, **kwargs)

    def _headers(self, token: str | None, extra: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, Any] = dict(UA)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra)
        return headers


class _app_session:  # noqa: N801  (used like a function)
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._context = None
        self._scope = None

    def __enter__(self) -> Session:
        self._context = self.app.app_context()
        self._context.__enter__()
        self._scope = session_scope(self.app)
        return self._scope.__enter__()

    def __exit__(self, *exc: Any) -> None:
        assert self._scope is not None and self._context is not None
        try:
            self._scope.__exit__(*exc)
        finally:
            self._context.__exit__(*exc)


@pytest.fixture(scope="session")
def tool_key() -> ToolKey:
    return ToolKey.generate("tool-key-1")


@pytest.fixture
def make_lms(tmp_path, live_server, tool_key) -> Iterator[Callable[..., DemoLms]]:  # noqa: ANN001, F811
    """Build a fresh demo LMS (own SQLite file) with the fake tool registered as its demo tool."""
    made: list[DemoLms] = []

    def make(**config: Any) -> DemoLms:
        tool = FakeTool(keys=[tool_key])
        tool.url = live_server(tool.app(), host="localhost")
        server = LiveServer.bind()
        db_file = tmp_path / f"lms-{len(made)}.db"
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{db_file}",
                "DEMO_LMS": True,
                "ENV": "development",
                "SECRET_KEY": "demo-lms-tests",
                "TESTING": True,
                "DEMO_LMS_TOOL_URL": tool.url,
                **config,
            }
        )
        Base.metadata.create_all(database(app).engine)
        lms_url = server.url + "/demo-lms"
        with _app_session(app) as session:
            facts = ensure_demo(session, lms_url=lms_url, tool_url=tool.url)
        server.start(app)
        lms = DemoLms(app=app, url=lms_url, facts=facts, tool=tool, key=tool_key)
        made.append(lms)
        servers.append(server)
        return lms

    servers: list[LiveServer] = []
    yield make
    for lms in made:
        lms.http.close()
    for server in servers:
        server.stop()
    for lms in made:
        database(lms.app).dispose()


@pytest.fixture
def lms(make_lms) -> DemoLms:  # noqa: ANN001
    return make_lms()


@dataclass
class CourseFacts:
    course_id: int
    tool_id: int
    quiz_link_id: str
    quiz_line_item_id: int
    students: list[str]
    instructor: str
    teaching_assistant: str
    lineitems_url: str
    quiz_lineitem_url: str
    memberships_url: str


def course_facts(lms: DemoLms) -> CourseFacts:
    from sqlalchemy import select

    from lti_tool.models.demo_lms import DemoCourse
    from lti_tool.models.demo_lms import DemoLineItem
    from lti_tool.models.demo_lms import DemoResourceLink
    from lti_tool.models.demo_lms import DemoTool
    from lti_tool.demo_lms.platform import PlatformUrls

    with lms.db() as session:
        course = session.scalars(select(DemoCourse)).one()
        tool = session.scalars(select(DemoTool).where(DemoTool.client_id == lms.client_id)).one()
        link = session.scalars(select(DemoResourceLink)).one()
        item = session.scalars(select(DemoLineItem)).one()
        by_role: dict[str, list[str]] = {}
        for e in course.enrollments:
            by_role.setdefault(e.role, []).append(e.user.sub)
        urls = PlatformUrls(lms.url)
        return CourseFacts(
            course_id=course.id,
            tool_id=tool.id,
            quiz_link_id=link.resource_link_id,
            quiz_line_item_id=item.id,
            students=by_role["learner"],
            instructor=by_role["instructor"][0],
            teaching_assistant=by_role["teaching_assistant"][0],
            lineitems_url=urls.lineitems(course.id, tool.id),
            quiz_lineitem_url=urls.lineitem(course.id, item.id, tool.id),
            memberships_url=urls.memberships(course.id, tool.id),
        )


@pytest.fixture
def course(lms) -> CourseFacts:  # noqa: ANN001
    return course_facts(lms)


def user_pk(lms: DemoLms, sub: str) -> int:
    from sqlalchemy import select

    from lti_tool.models.demo_lms import DemoUser

    with lms.db() as session:
        return session.scalars(select(DemoUser.id).where(DemoUser.sub == sub)).one()


def act_as(lms: DemoLms, course: CourseFacts, sub: str) -> None:
    """Choose who you are on the course page (the LMS's own cookie, kept by ``lms.http``)."""
    response = lms.http.post(
        f"{lms.url}/course/{course.course_id}/whoami", data={"user_id": user_pk(lms, sub)}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302, response.text


def start_launch(lms: DemoLms, course: CourseFacts, path: str, storage: str = "1") -> dict[str, str]:
    """Open an activity (or Add activity): the platform's redirect to the tool's login URL."""
    from urllib.parse import parse_qsl
    from urllib.parse import urlsplit

    response = lms.http.get(f"{lms.url}/course/{course.course_id}/{path}", params={"storage": storage}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == lms.tool.url + "/lti/login"
    return dict(parse_qsl(location.query))


def auth_params(lms: DemoLms, login: dict[str, str], **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": login["client_id"],
        "redirect_uri": lms.tool.url + "/lti/launch",
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "nonce": uuid.uuid4().hex,
        "state": uuid.uuid4().hex,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the platform's self-submitting form."""
    import re
    from html import unescape

    action = unescape(re.search(r'<form[^>]*action="([^"]*)"', html).group(1))  # type: ignore[union-attr]
    fields = {unescape(n): unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', html)}
    return action, fields


def verify_id_token(lms: DemoLms, id_token: str, audience: str | None = None) -> dict[str, Any]:
    key_set = jwt.PyJWKSet.from_dict(lms.get(lms.url + "/jwks").json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in key_set.keys if k.key_id == kid)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=audience or lms.client_id, issuer=lms.url)
