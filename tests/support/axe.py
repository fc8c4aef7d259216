"""axe-core (from npm, node_modules/axe-core) run in a page or frame, under the tool's
Content-Security-Policy.

The CSP allows no inline script, so axe is not added as a <script> element: its source is
evaluated through the browser's debugging protocol (Playwright's ``evaluate``), which page CSPs
do not govern, and the page itself stays exactly as users get it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@cache
def _source() -> str:
    return AXE.read_text()


def axe_violations(frame) -> list[dict]:  # noqa: ANN001 - a Playwright Page or Frame
    """Every axe violation on the frame's current page."""
    if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
        frame.evaluate(_source())
    return json.loads(frame.evaluate("async () => JSON.stringify(await axe.run(document))"))["violations"]


def axe_problems(frame) -> list[str]:  # noqa: ANN001
    """Serious and critical axe violations, one line each (empty when the page is clean)."""
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in axe_violations(frame) if v["impact"] in SERIOUS]
