"""The written rule of which configuration may register (lti/registration.py's docstring): it
registers real hosted Canvas and refuses look-alikes of it and of any other LMS."""

from __future__ import annotations

import pytest

from lti_tool.lti.outbound import OutboundPolicy
from lti_tool.lti.registration import RegistrationFailed
from lti_tool.lti.registration import check_platform_configuration

CANVAS = {
    "issuer": "https://canvas.instructure.com",
    "authorization_endpoint": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "token_endpoint": "https://sso.canvaslms.com/login/oauth2/token",
    "jwks_uri": "https://sso.canvaslms.com/api/lti/security/jwks",
    "registration_endpoint": "https://school.instructure.com/api/lti/registrations",
}
PRODUCTION = OutboundPolicy(development=False)


@pytest.mark.parametrize("config_url", [
    "https://canvas.instructure.com/api/lti/security/openid-configuration",   # what Canvas sends today
    "https://school.instructure.com/api/lti/security/openid-configuration",   # an institution's host
])
def test_hosted_canvas_registers_from_its_own_hosts(config_url: str) -> None:
    check_platform_configuration(config_url, dict(CANVAS), PRODUCTION)


@pytest.mark.parametrize(("config_url", "changes"), [
    ("https://evil.example/openid-configuration", {}),                          # Canvas's issuer, foreign host
    ("https://school.instructure.com.evil.example/c", {}),                      # a look-alike host
    ("https://school.instructure.com/c", {"jwks_uri": "https://evil.example/jwks"}),  # keys elsewhere
    ("https://moodle.example.edu/mod/lti/openid-configuration.php",
     {"issuer": "https://moodle.example.edu", "authorization_endpoint": "https://canvaslms.com.evil.example/a"}),
])
def test_impostors_of_canvas_or_of_a_moodle_are_refused(config_url: str, changes: dict[str, str]) -> None:
    with pytest.raises(RegistrationFailed):
        check_platform_configuration(config_url, {**CANVAS, **changes}, PRODUCTION)
