"""The interface's language comes from the LTI launch (launch_presentation.locale), else the
browser's Accept-Language; times without JavaScript are in the launch's time zone (a ``timezone``
custom parameter), named; question content stays as written in the bank. The catalogues ship
compiled and must match their sources."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import requests
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.attempts.conftest import configure_link
from tests.attempts.conftest import launch

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lti_tool" / "translations"


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def _lms_locale(stack, locale: str) -> None:  # noqa: ANN001
    requests.post(f"{stack.lms_url}/admin/settings", json={"launch_options": {"locale": locale}}, timeout=10).raise_for_status()


def test_a_launch_in_spanish_gives_spanish_pages_with_times_in_the_launch_zone(demo_stack, people) -> None:
    _lms_locale(demo_stack, "es-ES")
    configure_link(demo_stack, {"pools": "components:2(single)", "attempts": "2", "time_limit": "1",
                                "due_at": "2030-01-15T12:00:00Z", "timezone": "Europe/Madrid"})
    student = launch(demo_stack, people["learners"][0])
    page = unescape(student.landing.text)
    assert '<html lang="es">' in page and "Tu cuestionario" in page and "1 minuto" in page
    assert "15 ene 2030, 13:00 hora estándar de Europa central" in page  # 12:00 UTC in Madrid, named
    assert 'datetime="2030-01-15T12:00:00+00:00"' in page  # for the browser's own zone
    attempt_id, question = student.start()
    text = unescape(question.text)
    assert "Pregunta 1 de 2" in text and "Revisar y entregar" in text
    saved = student.autosave(attempt_id, 1, "nonsense", revision=0)
    assert saved.status_code == 400  # a refusal names the question (the message is the service's)


def test_without_a_locale_the_browser_language_decides_and_english_is_the_default(demo_stack, people) -> None:
    _lms_locale(demo_stack, "fr")  # a language without a catalogue
    configure_link(demo_stack, {"pools": "components:2(single)", "attempts": "1"})
    student = launch(demo_stack, people["learners"][0])
    assert '<html lang="en">' in student.landing.text and "Your quiz" in student.landing.text
    page = student.browser.http.get(student.base, headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}, timeout=10)
    assert '<html lang="es">' in page.text and "Tu cuestionario" in unescape(page.text)


def test_the_compiled_catalogues_match_their_sources_and_translate_everything() -> None:
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("rb") as mo_file:
            compiled = read_mo(mo_file)
        untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
        assert not untranslated, f"{po_path}: untranslated {untranslated[:5]}"
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not fuzzy, f"{po_path}: fuzzy {fuzzy[:5]} (pybabel update guessed: check and clear the flag)"
        source = {_key(m.id): _key(m.string) for m in catalog if m.id}
        shipped = {_key(m.id): _key(m.string) for m in compiled if m.id}
        assert shipped == source, f"{po_path.with_suffix('.mo')} is stale: run pybabel compile -d lti_tool/translations"
    template = TRANSLATIONS / "messages.pot"
    with template.open("rb") as pot_file:
        wanted = {_key(m.id) for m in read_po(pot_file) if m.id}
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            have = {_key(m.id) for m in read_po(po_file) if m.id}
        assert wanted <= have, f"{po_path}: missing {sorted(map(str, wanted - have))[:5]} (pybabel update)"


def test_every_marked_string_of_the_pages_is_in_the_catalogue(tmp_path) -> None:
    """Extraction as babel.cfg says, compared with the committed template: a new _("…") in a page
    without `pybabel extract` + `update` + a translation fails here, not in front of a student."""
    import subprocess
    import sys

    root = TRANSLATIONS.parents[1]
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "--no-location", "-o", str(fresh), "."], cwd=root, check=True)
    with fresh.open("rb") as new, (TRANSLATIONS / "messages.pot").open("rb") as old:
        extracted = {_key(m.id) for m in read_po(new) if m.id}
        committed = {_key(m.id) for m in read_po(old) if m.id}
    assert extracted <= committed, f"not in lti_tool/translations/messages.pot: {sorted(map(str, extracted - committed))[:5]}"
