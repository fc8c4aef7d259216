"""Matrix (grid): rows × columns; one column per row (matrix multiple choice) or several
(matrix multiple response).

Bank file::

    type: matrix
    select: one              # one: a radio per cell; many: a checkbox per cell
    columns: [{id, text, rationale?}, ...]   # 2..6 column headers
    rows: [{id, text, rationale}, ...]       # 2..10 rows, each with its rationale
    key: {row_id: column_id}                 # select: one
    key: {row_id: [column_id, ...]}          # select: many (at least one column per row)

Layout: rows shuffled (``statement_order``), columns as authored.
Response: ``{row: column}`` (one) or ``{row: [columns]}`` (many).
Scoring: 0/1 per row: a row is right when its chosen columns are exactly its key; credit = rows
right / rows.
Formats: ``select: one`` is a set of pairs with reusable targets, marked ``kind=matrix``
(Moodle/GIFT matching, Canvas matching, QTI 2.1 ``matchInteraction class="qb-matrix"``), which
scores per row as this type does. ``select: many`` has no form in GIFT, Moodle XML or Canvas
(one answer per sub-question): skipped with a note; in QTI 2.1 it is a ``matchInteraction``
whose rows take several columns (inside ``div class="qb-matrix"``), scored per cell by QTI
players (noted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from fractions import Fraction
from typing import Any

from marshmallow import fields
from marshmallow import validate

from question_bank.messages import N_
from question_bank.bank import rules
from question_bank.bank.schema import ItemSchema
from question_bank.bank.schema import choice_records
from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.types.base import ZERO
from question_bank.types.base import Finding
from question_bank.types.base import ItemTypeSpec
from question_bank.types.base import PairShape
from question_bank.types.base import choices
from question_bank.types.base import choices_to_data
from question_bank.types.base import filled
from question_bank.types.base import ids_of
from question_bank.types.base import in_order
from question_bank.types.base import no_repeats
from question_bank.types.base import one_of
from question_bank.types.base import role_problems
from question_bank.types.base import shuffled

ONE_PER_ROW = "one"
MANY_PER_ROW = "many"
MAX_COLUMNS = 6
MAX_ROWS = 10


@dataclass(frozen=True, slots=True)
class MatrixBody:
    """Response: ``{row: column}`` (select one) or ``{row: [columns]}`` (select many)."""

    select: str
    columns: tuple[Choice, ...]
    rows: tuple[Choice, ...]
    key: dict[str, tuple[str, ...]]

    @property
    def many(self) -> bool:
        return self.select == MANY_PER_ROW


class MatrixSchema(ItemSchema):
    select = fields.String(required=True, validate=validate.OneOf(
        [ONE_PER_ROW, MANY_PER_ROW], error="must be one (a column per row) or many (any columns per row)"))
    columns = choice_records(2, "columns")
    rows = choice_records(2, "rows", rationale_required=True)
    key = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


def _given(response: object, row: str) -> set[str] | None:
    """The columns a response gives a row (None: the response is not a mapping)."""
    if not isinstance(response, Mapping):
        return None
    value = response.get(row)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {v for v in value if isinstance(v, str)} if all(isinstance(v, str) for v in value) else {"\0"}
    return set()


class MatrixType(ItemTypeSpec):
    type = ItemType.MATRIX
    label = N_("matrix")
    body_class = MatrixBody
    schema = MatrixSchema
    partial_credit = "0/1 per row: rows whose chosen columns are exactly the key / rows"
    pair_roles = ("row", "column")
    exchange_note = ("matrix multiple response: this format gives a sub-question one answer; "
                     "not exported (skipped)")

    def check(self, data: Mapping) -> Iterator[Finding]:
        yield from rules.check_choice_list(data, "columns")
        yield from rules.check_choice_list(data, "rows")
        columns, rows = rules.ids(data, "columns"), rules.ids(data, "rows")
        if len(columns) > MAX_COLUMNS:
            yield ("columns",), f"at most {MAX_COLUMNS} columns (has {len(columns)})"
        if len(rows) > MAX_ROWS:
            yield ("rows",), f"at most {MAX_ROWS} rows (has {len(rows)})"
        for index, row in enumerate(rows):
            if row in columns:
                yield ("rows", index, "id"), f"id {row!r} is also a column's; ids are unique in the item"
        many = data["select"] == MANY_PER_ROW
        for row, value in data["key"].items():
            if row not in rows:
                yield ("key", row), f"{row!r} is not a row ({rules.listing(rows)})"
                continue
            given = value if many else [value]
            if many and not isinstance(value, list):
                yield ("key", row), "select: many takes a list of columns per row, like [a, b]"
                continue
            if not many and not isinstance(value, str):
                yield ("key", row), "select: one takes one column per row (for several, select: many)"
                continue
            if many and not value:
                yield ("key", row), "name at least one column (a row nobody must tick scores for free)"
            for column in given:
                if column not in columns:
                    yield ("key", row), f"{column!r} is not a column ({rules.listing(columns)})"
            repeated = [c for c, n in Counter(given).items() if n > 1]
            if repeated:
                yield ("key", row), f"column {repeated[0]!r} is listed twice"
        missing = [row for row in rows if row not in data["key"]]
        if missing:
            yield ("key",), f"no column given for row {rules.listing(missing)}"

    def build(self, data: Mapping[str, Any]) -> MatrixBody:
        many = data["select"] == MANY_PER_ROW
        key = {row: tuple(value) if many else (value,) for row, value in data["key"].items()}
        return MatrixBody(data["select"], choices(data["columns"]), choices(data["rows"]), key)

    def to_data(self, body: MatrixBody) -> dict[str, Any]:
        key = {row: list(cols) if body.many else cols[0] for row, cols in body.key.items()}
        return {"select": body.select, "columns": choices_to_data(body.columns),
                "rows": choices_to_data(body.rows), "key": key}

    def layout(self, body: MatrixBody, rng) -> Layout:  # noqa: ANN001
        return Layout(statement_order=shuffled([c.id for c in body.rows], rng))

    def lists(self, body: MatrixBody, layout: Layout) -> dict[str, list[Choice]]:
        return {"columns": list(body.columns), "rows": in_order(body.rows, layout.statement_order)}

    def student_extra(self, body: MatrixBody, layout: Layout) -> dict[str, Any]:
        return {"select": body.select}

    def key(self, body: MatrixBody) -> object:
        return {row: list(cols) if body.many else cols[0] for row, cols in body.key.items()}

    def review_choice(self, body: MatrixBody, list_name: str, choice: Choice, response: object,
                      shown: bool) -> dict[str, Any]:
        if list_name != "rows":
            return {}
        entry: dict[str, Any] = {"key": list(body.key.get(choice.id, ()))}
        if shown:
            given = _given(response, choice.id) or set()
            entry["given"] = [c.id for c in body.columns if c.id in given]
            entry["right"] = given == set(body.key.get(choice.id, ()))
        return entry

    def review_extra(self, body: MatrixBody, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        return {"select": body.select}

    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        rows = fields.String(validate=one_of(ids_of(view, "rows"), "rows"))
        column = fields.String(validate=one_of(ids_of(view, "columns"), "columns"))
        if view.get("select") == MANY_PER_ROW:
            return fields.Dict(keys=rows, values=fields.List(column, validate=no_repeats), allow_none=True)
        return fields.Dict(keys=rows, values=column, allow_none=True)

    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        chosen: dict[str, Any] = {}
        for row in ids_of(view, "rows"):
            if view.get("select") == MANY_PER_ROW:
                ticked = [value for value in form.getlist(f"{name}.{row}") if value]
                if ticked:
                    chosen[row] = ticked
            elif form.get(f"{name}.{row}"):
                chosen[row] = form.get(f"{name}.{row}")
        return chosen

    def credit(self, body: MatrixBody, response: object) -> Fraction:
        if not isinstance(response, Mapping) or not body.rows:
            return ZERO
        right = sum(1 for row in body.rows if _given(response, row.id) == set(body.key[row.id]))
        return Fraction(right, len(body.rows))

    def pieces(self, body: MatrixBody) -> list[tuple[str, Choice]]:
        return [("row", c) for c in body.rows] + [("column", c) for c in body.columns]

    def with_pieces(self, body: MatrixBody, found: Mapping[tuple[str, str], str]) -> MatrixBody:
        return replace(body, rows=filled("row", body.rows, found),
                       columns=filled("column", body.columns, found))

    def import_problem(self, body: MatrixBody) -> str | None:
        problem = role_problems([("row", body.rows), ("column", body.columns)])
        if problem:
            return problem
        if len(body.rows) < 2 or len(body.columns) < 2:
            return "a matrix needs at least two rows and two columns"
        if set(body.key) != {c.id for c in body.rows}:
            return "not every row has a column"
        return None

    def exchange(self, body: MatrixBody) -> PairShape | None:
        if body.many:
            return None
        return PairShape("row", body.rows, "column", body.columns,
                         {row: cols[0] for row, cols in body.key.items()},
                         kind=ItemType.MATRIX, reusable=True)

    def export_notes(self, body: MatrixBody, fmt: str) -> list[str]:
        if fmt == "qti21" and body.many:
            return ["matrix multiple response: QTI players score each ticked cell (+/- per cell, "
                    "floor 0), not 0/1 per row; this tool reads it back as 0/1 per row"]
        return []

    # QTI 2.1 for select many (select one rides on the shared pair shape): a matchInteraction
    # whose rows may take every column, inside <div class="qb-matrix">; see formats/qti21.py.
    qti21_native = True

    def qti21_write(self, item: Any, root: Any, item_body: Any, qti: Any) -> None:
        from xml.etree.ElementTree import SubElement

        body: MatrixBody = item.body
        pairs = [f"{row.id} {col}" for row in body.rows for col in body.key[row.id]]
        declaration = SubElement(root, "responseDeclaration", identifier=qti.RESPONSE,
                                 cardinality="multiple", baseType="directedPair")
        qti._values(declaration, pairs)
        share = item.points / len(pairs)
        mapping = SubElement(declaration, "mapping", lowerBound="0", upperBound=str(item.points),
                             defaultValue=qti._number(-share))
        for pair in pairs:
            SubElement(mapping, "mapEntry", mapKey=pair, mappedValue=qti._number(share))
        interaction = SubElement(SubElement(item_body, "div", {"class": "qb-matrix"}), "matchInteraction",
                                 responseIdentifier=qti.RESPONSE, shuffle="true",
                                 maxAssociations=str(len(body.rows) * len(body.columns)))
        rows = SubElement(interaction, "simpleMatchSet")
        for row in body.rows:
            qti._inline(SubElement(rows, "simpleAssociableChoice", identifier=row.id,
                                   matchMax=str(len(body.columns))), row.text)
        columns = SubElement(interaction, "simpleMatchSet")
        for column in body.columns:
            qti._inline(SubElement(columns, "simpleAssociableChoice", identifier=column.id,
                                   matchMax="0"), column.text)
        qti._response_processing(root, scored_by_map=True, feedback_of_response=False)

    def qti21_read(self, root: Any, div: Any, qti: Any) -> MatrixBody | None:
        interaction = next(div.iter("matchInteraction"), None)
        declaration = next(iter(qti.children(root, "responseDeclaration")), None)
        if interaction is None or declaration is None:
            return None
        sets = qti.children(interaction, "simpleMatchSet")
        if len(sets) != 2:
            return None
        rows, columns = ([Choice(c.get("identifier", ""), qti._text(c)) for c in s.iter("simpleAssociableChoice")]
                         for s in sets)
        key: dict[str, list[str]] = {row.id: [] for row in rows}
        for value in declaration.iter("value"):
            row, _, column = qti.text_of(value).strip().partition(" ")
            if row in key:
                key[row].append(column.strip())
        return MatrixBody(MANY_PER_ROW, tuple(columns), tuple(rows),
                          {row: tuple(cols) for row, cols in key.items()})

    def from_exchange(self, shape: PairShape) -> MatrixBody:
        return MatrixBody(ONE_PER_ROW, tuple(shape.right), tuple(shape.left),
                          {row: (col,) for row, col in shape.key.items()})


TYPE = MatrixType()
