"""question_bank says sentences as data (a msgid and named parameters) that read as English
wherever a plain string is expected (CLI, logs), and that the web layer translates."""

from __future__ import annotations

import pickle

from question_bank import explain_blueprint
from question_bank import load_bank
from question_bank.blueprint import parse_blueprint
from question_bank.messages import Message
from question_bank.messages import N_
from question_bank.messages import ngettext


def test_a_message_is_its_english_text_and_keeps_its_msgid_and_numbers() -> None:
    level = N_("%(label)s (difficulty %(level)s)", label=N_("recall"), level=1)
    said = N_("You asked for %(asked)s %(level)s questions.", asked=1200, level=level)
    assert said == "You asked for 1,200 recall (difficulty 1) questions."
    assert said.msgid == "You asked for %(asked)s %(level)s questions." and said.params["asked"] == 1200
    assert said.params["level"].params["label"].msgid == "recall"
    assert pickle.loads(pickle.dumps(said)).params == said.params


def test_plurals_follow_the_count() -> None:
    one, many = (ngettext("%(num)s case", "%(num)s cases", n) for n in (1, 3))
    assert (one, many) == ("1 case", "3 cases") and many.plural == "%(num)s cases" and many.n == 3


def test_the_builder_report_is_made_of_messages() -> None:
    bank = load_bank()
    report = explain_blueprint(bank, parse_blueprint("components:3"))
    assert all(isinstance(note, Message) for note in report.notes)
    assert report.notes[0] == "Every student can get a full form of 3 questions."
