"""Deep Linking 2.0, tool side: what the platform asked for, and the signed answer.

``request_of`` reads the stored deep-linking launch (``accept_*``, ``data``, the default title
and text, the custom parameters a platform sends when the instructor edits an existing
activity). ``answer`` signs the LtiDeepLinkingResponse: one ``ltiResourceLink`` content item
(with a ``lineItem`` unless the platform said ``accept_lineitem: false``, opening in a new window
when the platform does not accept iframes), or no item at all when the instructor cancels.
``data`` is echoed exactly when the request had it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.lti.adapters import restore_launch
from lti_tool.lti.adapters import tool_base_url
from lti_tool.lti.claims import CLAIM
from lti_tool.lti.claims import DEEP_LINKING_SETTINGS

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESOURCE_LINK = "ltiResourceLink"


@dataclass(frozen=True)
class DeepLinkingRequest:
    """The platform's deep-linking settings, as plain values."""

    return_url: str
    accept_types: tuple[str, ...]
    accept_targets: tuple[str, ...]
    accept_lineitem: bool
    title: str | None
    text: str | None
    custom: Mapping[str, str] = field(default_factory=dict)


def _flag(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no")
    return default


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list | tuple) else ()


def request_of(db: Session, launch_id: str) -> DeepLinkingRequest:
    """The deep-linking request of a stored launch (raises LaunchRefused when it expired)."""
    return _request(restore_launch(db, launch_id).body)


def _request(body: Mapping[str, Any]) -> DeepLinkingRequest:
    settings = body.get(DEEP_LINKING_SETTINGS) or {}
    custom = body.get(CLAIM + "custom") or {}
    return DeepLinkingRequest(
        return_url=str(settings.get("deep_link_return_url") or ""),
        accept_types=_strings(settings.get("accept_types")),
        accept_targets=_strings(settings.get("accept_presentation_document_targets")),
        accept_lineitem=_flag(settings.get("accept_lineitem"), True),
        title=settings.get("title") if isinstance(settings.get("title"), str) else None,
        text=settings.get("text") if isinstance(settings.get("text"), str) else None,
        custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
    )


@dataclass(frozen=True)
class LineItem:
    score_maximum: float
    label: str
    resource_id: str
    tag: str


@dataclass(frozen=True)
class ResourceLinkItem:
    title: str
    text: str
    custom: Mapping[str, str]
    line_item: LineItem | None
    due_at: datetime | None = None


def answer(db: Session, launch_id: str, item: ResourceLinkItem | None, *, message: str | None = None) -> tuple[str, str]:
    """(return URL, signed JWT) of the LtiDeepLinkingResponse: ``item``, or nothing (cancel)."""
    launch = restore_launch(db, launch_id)
    deep_link = launch.get_deep_link()
    request = _request(launch.body)
    message_jwt: dict[str, Any] = deep_link.get_message_jwt([])
    settings = launch.body.get(DEEP_LINKING_SETTINGS) or {}
    if "data" not in settings:
        message_jwt.pop(DL + "data", None)
    content_items = []
    if item is not None:
        content_items.append(_content_item(item, request))
    message_jwt[DL + "content_items"] = content_items
    if message:
        message_jwt[DL + "msg"] = message
    return request.return_url, deep_link.encode_jwt(message_jwt)


def _content_item(item: ResourceLinkItem, request: DeepLinkingRequest) -> dict[str, Any]:
    content: dict[str, Any] = {
        "type": RESOURCE_LINK,
        "title": item.title,
        "url": tool_base_url() + "/lti/launch",
        "custom": dict(item.custom),
    }
    if item.text:
        content["text"] = item.text
    if request.accept_targets and "iframe" not in request.accept_targets and "window" in request.accept_targets:
        content["window"] = {"targetName": "_blank"}
    if item.line_item is not None and request.accept_lineitem:
        content["lineItem"] = {
            "scoreMaximum": item.line_item.score_maximum,
            "label": item.line_item.label,
            "resourceId": item.line_item.resource_id,
            "tag": item.line_item.tag,
        }
    if item.due_at is not None:
        content["submission"] = {"endDateTime": item.due_at.astimezone(UTC).isoformat(timespec="seconds")}
    return content
