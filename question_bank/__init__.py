"""The question bank engine: items, bank files, drawing forms, scoring. Pure Python.

**The purity rule.** This package imports the standard library, marshmallow and PyYAML (and
defusedxml, in ``formats`` only) and nothing else: no Flask, SQLAlchemy, pylti1p3, requests,
alembic, and nothing from ``lti_tool``. It does no I/O beyond reading the bank files it is
pointed at and writing the versions lock when asked. The web app, the CLI and the format converters depend on it, never the other way,
so the engine can be tested and reasoned about without a server, a database or an LMS
(``tests/question_bank/test_purity.py`` enforces the rule).

The public API:

* ``load_bank(paths=None) -> Bank`` reads bank files (None: the shipped bank, via
  importlib.resources) or raises ``BankError`` whose ``problems`` name file, line, item and field.
  ``validate_bank``, ``record_versions`` (the versions lock), ``dump_items_to_yaml``.
* ``Blueprint``/``PoolRule``, ``parse_blueprint("components:5,barriers:6[1=2,2=2,3=2]")``,
  ``check_blueprint(bank, blueprint) -> list[str]`` (an author's terms) and
  ``explain_blueprint(bank, blueprint, excluded=, attempts=)`` (an instructor's: feasibility in
  words a teacher acts on, how many different forms); ``without_items(bank, ids)``.
* ``analysis``: item statistics (facility, discrimination, option counts) and score bands.
* ``attempt_seed(secret, resource_link_id, user_id, attempt_number) -> str`` and
  ``draw_form(bank, blueprint, seed, seen=()) -> Form`` (``Form.to_json``/``from_json``); a rule
  on a case pool draws whole unfolding cases (``cases``: ``case_view``, ``question_counts``; ``unfolding_state``, ``next_part`` and ``go_on``:
  a case's parts are opened in order and opening one closes the one before).
* ``replay``: a stored response scored against a given item version (a key correction replayed
  over submitted attempts), ``ItemVersions`` resolving ``id@version`` from a bank and snapshots.
* ``score_item(item, response) -> Fraction``, ``score_form(form, responses, items) -> FormScore``
  (response shapes: ``model``'s body classes; rules: ``scoring``).
* ``student_view(item, layout)`` (no key, no rationale) and ``review_view(item, layout, response)``.
* ``bank_stats(bank)``: counts by pool, type and difficulty.
* Import and export formats live in ``question_bank.formats``.
"""

from question_bank.bank import BankError
from question_bank.bank import Problem
from question_bank.bank import dump_items_to_yaml
from question_bank.bank import load_bank
from question_bank.bank import record_versions
from question_bank.bank import validate_bank
from question_bank.blueprint import Blueprint
from question_bank.blueprint import BlueprintSyntaxError
from question_bank.blueprint import PoolRule
from question_bank.blueprint import parse_blueprint
from question_bank.forms import Form
from question_bank.forms import FormCase
from question_bank.forms import FormSlot
from question_bank.forms import Layout
from question_bank.model import Bank
from question_bank.model import Case
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import Pool
from question_bank.randomization import BlueprintReport
from question_bank.randomization import InfeasibleBlueprint
from question_bank.randomization import attempt_seed
from question_bank.randomization import layout_for
from question_bank.cases import case_view
from question_bank.cases import go_on
from question_bank.cases import next_part
from question_bank.cases import unfolding_state
from question_bank.cases import check_blueprint
from question_bank.cases import draw_form
from question_bank.cases import explain_blueprint
from question_bank.cases import question_counts
from question_bank.cases import without_items
from question_bank.scoring import FormScore
from question_bank.scoring import ItemVersionUnavailable
from question_bank.scoring import credit
from question_bank.scoring import score_form
from question_bank.scoring import score_item
from question_bank.stats import bank_stats
from question_bank.views import review_view
from question_bank.views import student_view

__all__ = [
    "Bank",
    "BankError",
    "Case",
    "Blueprint",
    "BlueprintReport",
    "BlueprintSyntaxError",
    "Form",
    "FormCase",
    "FormScore",
    "FormSlot",
    "InfeasibleBlueprint",
    "Item",
    "ItemType",
    "ItemVersionUnavailable",
    "Layout",
    "Pool",
    "PoolRule",
    "Problem",
    "attempt_seed",
    "bank_stats",
    "case_view",
    "go_on",
    "next_part",
    "unfolding_state",
    "check_blueprint",
    "credit",
    "draw_form",
    "dump_items_to_yaml",
    "explain_blueprint",
    "layout_for",
    "load_bank",
    "parse_blueprint",
    "question_counts",
    "record_versions",
    "review_view",
    "score_form",
    "score_item",
    "student_view",
    "validate_bank",
    "without_items",
]
