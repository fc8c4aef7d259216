"""Canvas developer key JSON configuration (paste-a-URL install of an LTI 1.3 key)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti.registration import TOOL_SCOPES
from lti_tool.lti.registration import icon_url


def developer_key_configuration(*, base_url: str, title: str) -> dict[str, Any]:
    launch_url = base_url + "/lti/launch"
    placements = [
        {
            "placement": "assignment_selection",
            "message_type": "LtiDeepLinkingRequest",
            "target_link_uri": launch_url,
            "text": title,
            "icon_url": icon_url(base_url),
            "selection_height": 700,
            "selection_width": 900,
        },
        {
            "placement": "link_selection",
            "message_type": "LtiDeepLinkingRequest",
            "target_link_uri": launch_url,
            "text": title,
            "icon_url": icon_url(base_url),
            "selection_height": 700,
            "selection_width": 900,
        },
    ]
    return {
        "title": title,
        "description": "Randomized quizzes on the therapeutic relationship, graded into the Canvas gradebook.",
        "oidc_initiation_url": base_url + "/lti/login",
        "target_link_uri": launch_url,
        "public_jwk_url": base_url + "/lti/jwks",
        "scopes": list(TOOL_SCOPES),
        "extensions": [
            {
                "domain": urlsplit(base_url).netloc,
                "tool_id": "quiztool",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {"text": title, "icon_url": icon_url(base_url), "placements": placements},
            }
        ],
        "custom_fields": {"canvas_user_id": "$Canvas.user.id", "due_at": "$Canvas.assignment.dueAt.iso8601",
                          "timezone": "$Person.address.timezone"},
    }
