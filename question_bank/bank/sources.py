"""``sources.yaml``: the seed texts an item may cite. An item citing any other seed is refused."""

from __future__ import annotations

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from question_bank.bank.problems import Problem
from question_bank.bank.problems import format_path
from question_bank.bank.yaml_lines import YamlSyntaxError
from question_bank.bank.yaml_lines import read_yaml


class _SeedSchema(Schema):
    class Meta:
        unknown = RAISE

    file = fields.String(required=True, validate=validate.Length(min=1))
    title = fields.String(required=True, validate=validate.Length(min=1))


class _SourcesSchema(Schema):
    class Meta:
        unknown = RAISE

    seeds = fields.List(fields.Nested(_SeedSchema), required=True)


def read_sources(text: str, name: str = "sources.yaml") -> tuple[dict[str, str], list[Problem]]:
    """The listed seeds as ``{file: title}``, and any problem with the list itself."""
    try:
        document, issues = read_yaml(text)
    except YamlSyntaxError as exc:
        return {}, [Problem(name, exc.line, "", "", exc.message)]
    problems = [Problem(name, issue.line, "", "", issue.message) for issue in issues]
    try:
        data = _SourcesSchema().load(document if isinstance(document, dict) else {})
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
        for field, message in messages.items():
            problems.append(Problem(name, 1, "", format_path([field]), str(message)))
        return {}, problems
    return {seed["file"]: seed["title"] for seed in data["seeds"]}, problems
