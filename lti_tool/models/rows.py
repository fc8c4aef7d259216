"""Read-only stand-ins for model objects, for the hot read paths that select plain columns.

Setting up ORM entities (identity map, instance state, row processors) costs more CPU per
query than the query itself when several come back from one join, as in the demo LMS's auth
answer (eight). Code that only reads can take these rows instead: they carry the model's
attribute names and its plain properties, so it cannot tell the difference.

It pays only when the statement selects no entity at all: one entity left in the select sends
it down the ORM path anyway (tried on the landing page's four: 328 vs 335 us, no gain).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class RowReader:
    """Selects ``model``'s columns labelled ``<name>__<column>`` and reads them back as one
    object, or None where an outer join found no row."""

    def __init__(self, name: str, model: type) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        properties = {key: value for key, value in vars(model).items() if isinstance(value, property)}
        self._row_class = type(f"{model.__name__}Row", (SimpleNamespace,), properties)
        self._labels = tuple((column.name, f"{name}__{column.name}") for column in table.c)
        self._key_label = f"{name}__{table.primary_key.columns[0].name}"
        self.table = table

    def columns(self, table: Any = None) -> list[Any]:
        """The columns to select (of ``table``, an alias of the model's table, when given)."""
        source = self.table if table is None else table
        return [source.c[column].label(label) for column, label in self._labels]

    def read(self, row: Any) -> Any:
        values = row._mapping
        if values[self._key_label] is None:
            return None
        return self._row_class(**{column: values[label] for column, label in self._labels})
