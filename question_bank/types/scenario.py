"""Scenario: a vignette (the case) before the stem, carrying one of the other types.

Bank file: ``type: scenario``, ``carries: <type>``, ``vignette`` (text), then the carried type's
fields. Everything else (layout, views, response, scoring, formats) is the carried type's: an
item's ``kind`` is the carried type, and the registry hands out the carried type's module for it.
The formats mark a scenario (``qb:scenario=<type>``) and label vignette and stem in the question
text (``formats/_compose.py``); QTI 2.1 gives the vignette its own ``div``.
"""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields

from question_bank.messages import N_
from question_bank.bank.schema import Text
from question_bank.model import ItemType


class ScenarioCarrier:
    """The scenario's part: its two fields, and the schema of a scenario carrying a type."""

    type = ItemType.SCENARIO
    label = N_("clinical scenario")
    carriable = False
    partial_credit = "the carried type's rule"

    def __init__(self) -> None:
        self._schemas: dict[type[Schema], Schema] = {}

    def schema_for(self, carried: type[Schema]) -> Schema:
        """One instance per carried schema, built once (construction is marshmallow's slow part)."""
        if carried not in self._schemas:
            namespace = {"carries": fields.String(required=True), "vignette": Text(required=True)}
            self._schemas[carried] = type("Scenario" + carried.__name__, (carried,), namespace)()
        return self._schemas[carried]


TYPE = ScenarioCarrier()
