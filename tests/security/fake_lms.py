"""A hostile (or merely broken) "LMS" on a loopback port, for the security tests: it serves an
openid-configuration whose fields a test chooses, answers registrations with the client id a test
chooses, serves AGS/NRPS-looking endpoints, and records every request it receives, so a test can
prove the tool sent it nothing (no fetch, no registration, no bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask
from flask import jsonify
from flask import request


@dataclass
class Received:
    method: str
    path: str
    authorization: str | None


@dataclass
class FakeLms:
    #: Overrides of the openid-configuration (``issuer``, endpoints), applied after the defaults.
    configuration: dict[str, Any] = field(default_factory=dict)
    #: The client id the registration endpoint answers with.
    client_id: str = "fake-client"
    received: list[Received] = field(default_factory=list)
    url: str = ""
    #: A ``Link: <...>; rel="next"`` the memberships endpoint answers with (NRPS paging).
    next_page: str | None = None

    def app(self) -> Flask:
        app = Flask("fake_lms")

        @app.before_request
        def record() -> None:
            self.received.append(Received(request.method, request.path, request.headers.get("Authorization")))

        @app.get("/.well-known/openid-configuration")
        def configuration():  # noqa: ANN202
            document = {
                "issuer": self.url,
                "authorization_endpoint": self.url + "/auth",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "registration_endpoint": self.url + "/register",
                "scopes_supported": [],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "moodle"},
            }
            document.update(self.configuration)
            return jsonify(document)

        @app.post("/register")
        def register():  # noqa: ANN202
            body = request.get_json(silent=True) or {}
            return jsonify({**body, "client_id": self.client_id,
                            "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "7"}})

        @app.post("/token")
        def token():  # noqa: ANN202
            return jsonify({"access_token": "token-of-" + self.url, "token_type": "Bearer", "expires_in": 3600})

        @app.get("/memberships")
        def memberships():  # noqa: ANN202
            response = jsonify({"id": self.url + "/memberships", "members": [{"user_id": "u1", "roles": ["Learner"]}]})
            if self.next_page:
                response.headers["Link"] = f'<{self.next_page}>; rel="next"'
            return response

        @app.route("/<path:anything>", methods=["GET", "POST", "PUT"])
        def anything_else(anything: str):  # noqa: ANN202
            return jsonify({"id": self.url + "/" + anything, "members": []})

        return app

    def start(self, live_server) -> FakeLms:  # noqa: ANN001 - the live_server fixture
        self.url = live_server(self.app())
        return self

    @property
    def registrations(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path == "/register"]

    @property
    def bearer_requests(self) -> list[Received]:
        return [r for r in self.received if (r.authorization or "").lower().startswith("bearer ")]
