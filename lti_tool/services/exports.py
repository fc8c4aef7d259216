"""CSV exports of an assessment: one row per student, and one row per item's statistics.

Plain RFC 4180 CSV (UTF-8 with a byte order mark, so spreadsheet programs read accents right).
A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is prefixed with ``'``: names and stems come from outside and must not run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from collections.abc import Sequence

from lti_tool.services.dashboard import Dashboard
from lti_tool.services.item_analysis import Analysis

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.0f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


RESULTS_HEADER = ("student", "email", "in roster", "status", "attempts used", "attempts allowed",
                  "last score", "last possible", "kept grade", "points possible", "grade in LMS", "grade in LMS at",
                  "LMS answer", "extra minutes", "extra percent", "extra attempts")


def results_csv(board: Dashboard, points: int) -> str:
    return _csv(RESULTS_HEADER, (
        (row.name, row.email, "yes" if row.in_roster else "no", row.status, row.attempts_used,
         row.attempts_allowed, row.last_score[0] if row.last_score else None,
         row.last_score[1] if row.last_score else None, row.kept.score_given if row.kept else None,
         points, row.delivery.state, row.delivery.when.isoformat() if row.delivery.when else None,
         row.delivery.answer if row.delivery.state == "refused" else None,
         row.grant.extra_minutes, row.grant.extra_percent, row.grant.extra_attempts)
        for row in board.rows
    ))


ITEMS_HEADER = ("item", "version", "pool", "type", "stem", "attempts", "facility", "discrimination",
                "options (chosen; * = key)", "dropped", "accepted answers", "flags")


def items_csv(analysis: Analysis) -> str:
    return _csv(ITEMS_HEADER, (
        (s.item_id, s.item.version, s.item.pool, s.item.kind.value, s.item.stem, s.attempts, round(s.facility, 4),
         round(s.discrimination, 4) if s.discrimination is not None else None,
         "; ".join(f"{o.id}{'*' if o.is_key else ''}: {o.chosen}" for o in s.options),
         "yes" if s.item_id in analysis.rules.dropped else "no",
         " ".join(sorted(analysis.rules.accepted.get(s.item_id, ()))), " | ".join(s.flags))
        for s in analysis.items
    ))
