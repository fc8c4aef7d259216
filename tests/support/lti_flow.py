"""Drive LTI launches over real HTTP, as a browser would, without a browser.

``LaunchDriver`` does the tool's OIDC login, then either lets the demo LMS answer (the real
platform flow) or signs its own id_token with the demo LMS's key (to send signed-but-wrong
tokens). Cookies are handled by hand: ``requests`` will not send a ``Secure`` cookie over http,
while browsers do on loopback.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from html import unescape
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import jwt
import requests

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@dataclass
class Login:
    state: str
    nonce: str
    auth_url: str
    cookies: dict[str, str]
    response: requests.Response


@dataclass
class LaunchDriver:
    tool_url: str
    facts: dict[str, str]
    http: requests.Session = field(default_factory=requests.Session)

    def login(self, **overrides: str | None) -> Login:
        params: dict[str, str | None] = {
            "iss": self.facts["issuer"],
            "login_hint": "test-user",
            "target_link_uri": self.tool_url + "/lti/launch",
            "client_id": self.facts["client_id"],
            "lti_deployment_id": self.facts["deployment_id"],
            "lti_message_hint": "hint",
        }
        params.update(overrides)
        response = self.http.get(
            self.tool_url + "/lti/login",
            params={k: v for k, v in params.items() if v is not None},
            allow_redirects=False,
            timeout=10,
        )
        if response.status_code != 302:
            return Login("", "", "", {}, response)
        location = response.headers["Location"]
        query = parse_qs(urlsplit(location).query)
        return Login(query["state"][0], query["nonce"][0], location, dict(response.cookies), response)

    def claims(self, login: Login, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.facts["issuer"],
            "aud": [self.facts["client_id"]],
            "sub": "student-" + uuid.uuid4().hex[:8],
            "iat": now,
            "exp": now + 300,
            "nonce": login.nonce,
            "name": "Ana Lima",
            "email": "ana@example.edu",
            CLAIM + "message_type": "LtiResourceLinkRequest",
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.facts["deployment_id"],
            CLAIM + "target_link_uri": self.tool_url + "/lti/launch",
            CLAIM + "resource_link": {"id": "rl-1", "title": "Quiz"},
            CLAIM + "roles": [LEARNER],
            CLAIM + "context": {"id": "course-1", "label": "NURS 101", "title": "Therapeutic Relationships"},
        }
        for key, value in overrides.items():
            name = CLAIM + key[len("claim_"):] if key.startswith("claim_") else key
            if value is REMOVE:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def post_launch(self, login: Login, id_token: str, *, with_cookie: bool = True,
                    extra: dict[str, str] | None = None) -> requests.Response:
        data = {"id_token": id_token, "state": login.state, **(extra or {})}
        return self.http.post(
            self.tool_url + "/lti/launch",
            data=data,
            cookies=login.cookies if with_cookie else {},
            allow_redirects=False,
            timeout=10,
        )

    def platform_launch(self, login: Login) -> requests.Response:
        """Let the demo LMS answer the auth request, then POST its form to the tool."""
        answer = self.http.get(login.auth_url, allow_redirects=False, timeout=10)
        assert answer.status_code == 200, answer.text[:500]
        fields = dict(re.findall(r'name="(id_token|state)"\s+value="([^"]*)"', answer.text))
        assert "id_token" in fields, answer.text[:500]
        return self.http.post(
            self.tool_url + "/lti/launch",
            data={"id_token": unescape(fields["id_token"]), "state": unescape(fields["state"])},
            cookies=login.cookies,
            allow_redirects=False,
            timeout=10,
        )


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: Pass as a claim override to delete that claim.
REMOVE: Any = _Remove()


def sign(claims: dict[str, Any], private_key_pem: str, kid: str | None, alg: str = "RS256") -> str:
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, private_key_pem, algorithm=alg, headers=headers)


def login_url(tool_url: str, **params: str) -> str:
    return f"{tool_url}/lti/login?{urlencode(params)}"
