"""A platform registration as an admin gives it (CLI flags or a JSON file), with presets."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import post_load
from marshmallow import pre_load
from marshmallow import validate

from lti_tool.platform_hosts import CANVAS_CLOUD_HOSTS
from lti_tool.platform_hosts import InvalidHost
from lti_tool.platform_hosts import is_canvas_cloud
from lti_tool.platform_hosts import normalize_host

CANVAS_ENVIRONMENTS = {
    "canvas": ("https://canvas.instructure.com", "https://sso.canvaslms.com"),
    "canvas-beta": ("https://canvas.beta.instructure.com", "https://sso.beta.canvaslms.com"),
    "canvas-test": ("https://canvas.test.instructure.com", "https://sso.test.canvaslms.com"),
}
PRESETS = ("moodle", *CANVAS_ENVIRONMENTS)


def preset_values(preset: str, site_url: str | None) -> dict[str, str]:
    """Endpoint URLs of a preset. Moodle needs its site URL (which is also its issuer)."""
    if preset == "moodle":
        if not site_url:
            raise ValidationError("The moodle preset needs the site URL (--url https://moodle.example.edu).", "url")
        site = site_url.rstrip("/")
        return {
            "issuer": site,
            "auth_login_url": f"{site}/mod/lti/auth.php",
            "auth_token_url": f"{site}/mod/lti/token.php",
            "key_set_url": f"{site}/mod/lti/certs.php",
            "product": "moodle",
        }
    if preset in CANVAS_ENVIRONMENTS:
        issuer, sso = CANVAS_ENVIRONMENTS[preset]
        token_host = (site_url or issuer).rstrip("/")
        return {
            "issuer": issuer,
            "auth_login_url": f"{sso}/api/lti/authorize_redirect",
            "auth_token_url": f"{sso}/login/oauth2/token" if not site_url else f"{token_host}/login/oauth2/token",
            "key_set_url": f"{sso}/api/lti/security/jwks",
            "product": "canvas",
        }
    raise ValidationError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.", "preset")


def valid_host(value: str) -> None:
    """A host name or pattern a platform may live on (platform_hosts.normalize_host's rules)."""
    try:
        normalize_host(value)
    except InvalidHost as error:
        raise ValidationError(str(error)) from error


class PlatformSpecSchema(Schema):
    """Everything needed to register a platform. With ``preset`` the endpoint URLs are optional."""

    class Meta:
        unknown = RAISE

    preset = fields.String(validate=validate.OneOf(PRESETS), load_default=None)
    url = fields.Url(require_tld=False, load_default=None, metadata={"help": "Moodle site URL"})
    name = fields.String(load_default="")
    issuer = fields.Url(require_tld=False, required=True)
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    auth_login_url = fields.Url(require_tld=False, required=True)
    auth_token_url = fields.Url(require_tld=False, required=True)
    auth_audience = fields.String(load_default=None)
    key_set_url = fields.Url(require_tld=False, required=True)
    product = fields.String(validate=validate.OneOf(("moodle", "canvas", "other")), load_default="other")
    deployment_ids = fields.List(fields.String(validate=validate.Length(min=1, max=255)), load_default=list)
    #: Record new deployment ids on their first launch (None: not said; the CLI asks).
    auto_register_deployments = fields.Boolean(load_default=None)
    #: Further hosts of this platform (lti_tool/platform_hosts.py).
    hosts = fields.List(fields.String(validate=valid_host), load_default=list)

    @pre_load
    def _apply_preset(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data = {k: v for k, v in data.items() if v not in (None, "", [])}
        if data.get("preset"):
            for key, value in preset_values(data["preset"], data.get("url")).items():
                data.setdefault(key, value)
        return data

    @post_load
    def _drop_preset(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        preset = data.pop("preset", None)
        data.pop("url", None)
        hosts = [normalize_host(h) for h in data["hosts"]]
        if preset in CANVAS_ENVIRONMENTS or is_canvas_cloud(data["issuer"]):
            hosts.extend(CANVAS_CLOUD_HOSTS)
            if data["auto_register_deployments"] is None:
                data["auto_register_deployments"] = True  # Canvas makes deployments per course install
        data["hosts"] = list(dict.fromkeys(hosts))
        return data


class PlatformUpdateSchema(Schema):
    """What ``quiztool platform update`` may change (services.platforms.update_platform)."""

    class Meta:
        unknown = RAISE

    name = fields.String(validate=validate.Length(min=1, max=200))
    auth_login_url = fields.Url(require_tld=False)
    auth_token_url = fields.Url(require_tld=False)
    auth_audience = fields.String(validate=validate.Length(max=1000))
    key_set_url = fields.Url(require_tld=False)
    product = fields.String(validate=validate.OneOf(("moodle", "canvas", "other")))
    auto_register_deployments = fields.Boolean()
    active = fields.Boolean()
    add_hosts = fields.List(fields.String(validate=valid_host))
    remove_hosts = fields.List(fields.String(validate=valid_host))
