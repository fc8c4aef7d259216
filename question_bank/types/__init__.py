"""The registry of item types: one module per type, each implementing ``base.ItemTypeSpec``.

``spec_for(x)`` gives the type module's ``TYPE`` for an ``Item`` (by its ``kind``: a scenario
is handled by the type it carries), an ``ItemType``, a type name or a body. Nothing outside this
package looks at a body's class (``tests/question_bank/test_types_registry.py`` checks).

Adding a type:

1. its value in ``model.ItemType``;
2. ``question_bank/types/<type>.py``: the body dataclass, the bank-file schema (an
   ``ItemSchema`` subclass), and a spec class implementing ``ItemTypeSpec`` (``base.py`` says
   what each method is for), with ``TYPE = <Spec>()``;
3. the module in ``_MODULES`` below;
4. its partials ``lti_tool/templates/items/<type>.html`` (student: plain form controls named
   ``q<slot>`` or ``q<slot>.<part>``, read back by the spec's ``response_from_form``; quiz.js
   autosaves unknown kinds by posting those fields) and ``items/review/<type>.html``;
5. exchange formats: an ``exchange`` shape (choice, pairs, order; ``kind`` marks it so imports
   read it back through ``from_exchange``), or the format hooks ``qti21_native``/``qti21_write``/
   ``qti21_read``, ``moodle_native``/``moodle_plan``/``moodle_read``,
   ``qti12_native``/``qti12_plan``/``qti12_write``/``qti12_read``, or nothing: the item is
   skipped and ``exchange_note`` is in the export notes;
6. tests (``tests/question_bank/types/``), an example in the shipped bank (every type is used).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from question_bank.model import ItemType
from question_bank.types import bowtie
from question_bank.types import classification
from question_bank.types import cloze
from question_bank.types import extended_multiple
from question_bank.types import highlight
from question_bank.types import matching
from question_bank.types import matrix
from question_bank.types import multiple
from question_bank.types import ordering
from question_bank.types import scenario
from question_bank.types import single
from question_bank.types import true_false
from question_bank.types.base import ItemTypeSpec

_MODULES: tuple[ModuleType, ...] = (
    single, multiple, true_false, matching, ordering, classification, matrix,
    extended_multiple, cloze, bowtie, highlight,
)

#: Every answerable type's module object, by its ``ItemType``.
TYPES: dict[ItemType, ItemTypeSpec] = {module.TYPE.type: module.TYPE for module in _MODULES}
#: The scenario carrier (a vignette around a carried type).
SCENARIO = scenario.TYPE
#: The types a scenario may carry.
CARRIABLE_TYPES: tuple[ItemType, ...] = tuple(t for t, spec in TYPES.items() if spec.carriable)

_BY_BODY: dict[type, ItemTypeSpec] = {spec.body_class: spec for spec in TYPES.values()}


def spec_for(what: Any) -> ItemTypeSpec:
    """The type module for an Item (its kind), an ItemType, a type name or a body."""
    if isinstance(what, ItemType):
        return TYPES[what]
    if isinstance(what, str):
        return TYPES[ItemType(what)]
    kind = getattr(what, "kind", None)
    if isinstance(kind, ItemType):
        return TYPES[kind]
    try:
        return _BY_BODY[type(what)]
    except KeyError:
        raise TypeError(f"no item type for {type(what).__name__}") from None


__all__ = ["CARRIABLE_TYPES", "SCENARIO", "TYPES", "ItemTypeSpec", "spec_for"]
