"""The assignment builder's form: what an instructor fills in, read into ``AssignmentSettings``.

Field names (also what a script may POST):

* ``title``, ``description``
* per pool ``P``: ``count.P`` (questions to draw, 0 = none), optionally ``mix.P.1``, ``mix.P.2``,
  ``mix.P.3`` (how many of them at each difficulty, adding up to the count) and ``types.P``
  (repeated: the item types allowed; none or all = any)
* ``attempts`` (1–20), ``grading`` (highest, latest, average, first), ``time_limit`` (minutes,
  0 = none), ``due_at`` (``YYYY-MM-DDTHH:MM``, UTC; empty = none), ``review`` (after_submit,
  after_due, never), ``points`` (1–1000), ``layout`` (paged, single)

Every refusal is a sentence naming the field as the page labels it, never a library default. The
blueprint's feasibility against the bank is the service's question (schemas know no bank).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import pre_load
from marshmallow import validate

import question_bank
from question_bank.blueprint import DIFFICULTIES
from question_bank.messages import Message
from question_bank.messages import N_
from question_bank.model import ItemType
from lti_tool.schemas.assignment import DEFAULT_CONFIGURATION
from lti_tool.schemas.assignment import GRADING
from lti_tool.schemas.assignment import REVIEW
from question_bank.numbers import whole_number

LAYOUTS = ("paged", "single")
MAX_PER_POOL = 9999  # a sanity bound; the bank says how many there are
DEFAULT_TITLE = "Quiz: the therapeutic relationship"


@dataclass(frozen=True)
class AssignmentSettings:
    title: str
    description: str
    blueprint: question_bank.Blueprint
    attempts: int
    grading: str
    time_limit: int
    due_at: datetime | None
    review: str
    points: int
    layout: str


#: The form's fixed sentences as messages (marshmallow hands back plain strings: ``_said`` finds the
#: message again so the page can say it in its language).
_SAID: dict[str, Message] = {}


def _said(message: Message) -> Message:
    _SAID[message] = message
    return message


def _sentence(messages: Any) -> str:
    parts = [_SAID.get(str(m), str(m)) for m in (messages if isinstance(messages, list) else [messages])]
    return parts[0] if len(parts) == 1 else " ".join(parts)


def _whole(label: Message, low: int, high: int, default: int) -> fields.Integer:
    # the bounds as written (1000, not 1,000): Spanish does not group four digits either
    message = _said(N_("%(label)s: a whole number from %(low)s to %(high)s.", label=label, low=str(low), high=str(high)))
    return fields.Integer(load_default=default, strict=False, validate=validate.Range(low, high, error=message),
                          error_messages={"invalid": message, "required": message})


def _choice(label: Message, choices: Sequence[str], default: str) -> fields.String:
    message = _said(N_("%(label)s: choose one of the options.", label=label))
    return fields.String(load_default=default, validate=validate.OneOf(choices, error=message),
                         error_messages={"invalid": message})


class _SettingsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(
        1, 200, error=_said(N_("Title: between 1 and 200 characters."))),
                          error_messages={"required": _said(N_("Give the assignment a title."))})
    description = fields.String(load_default="", validate=validate.Length(
        max=5000, error=_said(N_("Description: at most 5,000 characters."))))
    attempts = _whole(N_("Attempts allowed"), 1, 20, 1)
    grading = _choice(N_("Grade kept"), GRADING, "highest")
    time_limit = _whole(N_("Time limit"), 0, 600, 0)
    review = _choice(N_("Students see the answers"), REVIEW, "after_submit")
    points = _whole(N_("Points in the gradebook"), 1, 1000, 10)
    layout = _choice(N_("Layout"), LAYOUTS, "paged")
    due_at = fields.String(load_default="")

    @pre_load
    def _trim(self, data: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        for name in ("attempts", "time_limit", "points"):
            if cleaned.get(name) == "":
                cleaned.pop(name)
        if cleaned.get("title") == "":
            cleaned.pop("title")
        return cleaned


def read_builder_form(form: Mapping[str, Any], pools: Sequence[tuple[str, str]]) -> tuple[AssignmentSettings | None, dict[str, str]]:
    """The settings a posted builder form describes, or ``(None, errors)`` with one sentence per
    field name. ``pools`` are ``(name, title)`` in the order the page lists them; multi-valued
    fields (``types.P``) come as lists."""
    errors: dict[str, str] = {}
    try:
        data = _SettingsSchema().load({k: v for k, v in form.items() if not isinstance(v, list)})
    except ValidationError as error:
        data = {}
        for name, messages in error.normalized_messages().items():
            errors[str(name)] = _sentence(messages)
    due_at = None
    if data.get("due_at"):
        due_at = parse_due_at(data["due_at"])
        if due_at is None:
            errors["due_at"] = N_("Due date: pick a date and time, or write it as 2026-12-31T23:59 (UTC).")
    rules = _rules(form, pools, errors)
    if not rules and not any(name.startswith(("count.", "mix.")) for name in errors):
        errors["pools"] = N_("Choose at least one question from a pool.")
    if errors:
        return None, errors
    return AssignmentSettings(
        title=data["title"], description=data["description"], blueprint=question_bank.Blueprint(tuple(rules)),
        attempts=data["attempts"], grading=data["grading"], time_limit=data["time_limit"], due_at=due_at,
        review=data["review"], points=data["points"], layout=data["layout"],
    ), {}


def parse_due_at(text: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (a date-time input, read as UTC), a date, or ISO 8601 with an offset."""
    value = text.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _number(form: Mapping[str, Any], name: str, message: str, errors: dict[str, str], high: int) -> int | None:
    raw = form.get(name)
    text = raw.strip() if isinstance(raw, str) else ""
    if text == "":
        return None
    number = whole_number(text)
    if number is None or number > high:
        errors[name] = message
        return None
    return number


def in_form_order(form: Mapping[str, Any], pools: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pools`` in the order the form lists their counts (the order of the questions on a form),
    pools the form does not name last."""
    order = [name[len("count."):] for name in form if name.startswith("count.")]
    return sorted(pools, key=lambda pool: order.index(pool[0]) if pool[0] in order else len(order))


def _rules(form: Mapping[str, Any], pools: Sequence[tuple[str, str]], errors: dict[str, str]) -> list[question_bank.PoolRule]:
    rules = []
    pools = in_form_order(form, pools)
    known_types = {t.value: t for t in ItemType}
    for name, title in pools:
        count = _number(form, f"count.{name}", N_("Questions from “%(title)s”: a whole number from 0 to %(high)s.",
                                                  title=title, high=str(MAX_PER_POOL)), errors, MAX_PER_POOL) or 0
        levels = {
            level: _number(form, f"mix.{name}.{level}",
                           N_("Difficulty mix of “%(title)s”: whole numbers, or leave all three empty.", title=title),
                           errors, MAX_PER_POOL)
            for level in DIFFICULTIES
        }
        if any(f"mix.{name}.{level}" in errors for level in DIFFICULTIES):
            continue
        mix = None
        if any(n is not None for n in levels.values()):
            mix = {level: n or 0 for level, n in levels.items()}
            if count and sum(mix.values()) != count:
                errors[f"mix.{name}"] = N_(
                    "The difficulty mix of “%(title)s” adds up to %(sum)s, not to the %(count)s questions asked: "
                    "make it add up, or leave all three empty for any difficulty.",
                    title=title, sum=sum(mix.values()), count=count)
                continue
            mix = {level: n for level, n in mix.items() if n} or None
        chosen = form.get(f"types.{name}") or []
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        unknown = [t for t in chosen if t not in known_types]
        if unknown:
            errors[f"types.{name}"] = N_("Question types of “%(title)s”: %(types)s is not a type.", title=title,
                                         types=", ".join(unknown))
            continue
        types = frozenset(known_types[t] for t in chosen)
        if count:
            rules.append(question_bank.PoolRule(name, count, mix, types if types and len(types) < len(known_types) else None))
    return rules


def form_values(settings: AssignmentSettings) -> dict[str, Any]:
    """The builder form's fields filled with ``settings`` (editing shows what is in force)."""
    values: dict[str, Any] = {
        "title": settings.title, "description": settings.description, "attempts": str(settings.attempts),
        "grading": settings.grading, "time_limit": str(settings.time_limit),
        "due_at": settings.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if settings.due_at else "",
        "review": settings.review, "points": str(settings.points), "layout": settings.layout,
    }
    for rule in settings.blueprint.rules:
        values[f"count.{rule.pool}"] = str(rule.count)
        for level, n in (rule.difficulty or {}).items():
            values[f"mix.{rule.pool}.{level}"] = str(n)
        if rule.difficulty:
            for level in DIFFICULTIES:
                values.setdefault(f"mix.{rule.pool}.{level}", "0")
        values[f"types.{rule.pool}"] = sorted(t.value for t in rule.types) if rule.types else []
    return values


def default_settings() -> AssignmentSettings:
    """The README's documented defaults: 20 questions, one attempt, no time limit."""
    return AssignmentSettings(
        title=DEFAULT_TITLE, description="", blueprint=question_bank.parse_blueprint(DEFAULT_CONFIGURATION["pools"]),
        attempts=int(DEFAULT_CONFIGURATION["attempts"]), grading=DEFAULT_CONFIGURATION["grading"],
        time_limit=int(DEFAULT_CONFIGURATION["time_limit"]), due_at=None, review=DEFAULT_CONFIGURATION["review"],
        points=int(DEFAULT_CONFIGURATION["points"]), layout="paged",
    )
