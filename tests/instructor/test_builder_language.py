"""The instructor's builder and the registration pages in the page's language: the builder's
feasibility sentences come from question_bank as messages (a msgid and its numbers) that the web
layer translates, numbers formatted for the locale (57.155 in Spanish, 57,155 in English)."""

from __future__ import annotations

import json
from html import unescape

import requests

from tests.attempts.conftest import configure_link
from tests.attempts.test_language_and_zone import _lms_locale
from tests.instructor.conftest import instructor
from tests.instructor.conftest import open_chooser
from tests.support.shipped_bank import distinct_forms
from tests.support.shipped_bank import enemy_limit
from tests.support.shipped_bank import pool_size

#: Three questions from "components" only: tens of thousands of different sets (C(71, 3) = 57,155 at 71
#: items), so the number is written with the locale's thousands separator.
ONLY_COMPONENTS = dict(count__components=3, count__barriers=0, count__phases=0, count__comparison=0)


def test_the_builder_speaks_spanish_from_a_launch_in_spanish(demo_stack) -> None:
    _lms_locale(demo_stack, "es-MX")
    chooser = open_chooser(demo_stack)
    assert '<html lang="es">' in chooser.page.text
    messages = json.loads(_data_messages(chooser.page.text))  # builder.js's words
    assert messages["infeasible"] == "Los estudiantes aún no pueden recibir un cuestionario completo:"

    check = chooser.post("builder/check", **ONLY_COMPONENTS).json()
    assert check["feasible"] is True and check["summary"] == "3 preguntas por estudiante."
    assert check["notes"][0] == "Cada estudiante puede recibir un cuestionario completo de 3 preguntas."
    assert distinct_forms("components:3") >= 10_000  # else no separator: the check below would prove nothing
    forms = f"{distinct_forms('components:3'):,}".replace(",", ".")  # Spanish groups thousands with a dot
    assert check["notes"][1] == (f"Son posibles {forms} combinaciones distintas de preguntas, así que rara vez dos "
                                 "estudiantes reciben la misma.")

    mixed = chooser.post("builder/check", **{**ONLY_COMPONENTS, "mix__components__1": 3,
                                             "types__components": ["ordering"]}).json()
    assert mixed["problems"] == ["Pediste 3 preguntas de memoria (dificultad 1) de «Components of the therapeutic "
                                 "relationship», pero solo tiene 0 preguntas de ese nivel de los tipos elegidos "
                                 f"(ordenación), de {pool_size('components')} en total."]

    barriers = enemy_limit("barriers")
    refused = chooser.submit(title="Demasiadas", count__barriers=barriers.too_many, count__components=500)
    assert refused.status_code == 400
    text = unescape(refused.text)
    assert ("Pediste 500 preguntas de «Components of the therapeutic relationship», pero solo tiene "
            f"{pool_size('components')} preguntas.") in text
    assert (f"Como máximo {barriers.together} de las {barriers.available} preguntas de «Barriers to the therapeutic "
            "relationship» pueden aparecer juntas, porque algunas preguntas revelan las respuestas de otras; "
            f"pediste {barriers.too_many}.") in text
    assert "Memoria <span" in text and "respuesta única (" in text  # the difficulty and type labels too
    not_a_number = chooser.submit(title="x", attempts="dos")
    assert not_a_number.status_code == 400 and "Intentos permitidos: un número entero de 1 a 20." in unescape(not_a_number.text)
    live = chooser.post("builder/check", **{**ONLY_COMPONENTS, "mix__components__1": 1}).json()
    assert live["errors"] == {"mix.components": "La mezcla de dificultades de «Components of the therapeutic relationship» "
                                                "suma 1, no las 3 preguntas pedidas: haz que cuadre, o deja las tres "
                                                "casillas vacías para cualquier dificultad."}


def test_the_builder_stays_english_with_english_numbers(demo_stack) -> None:
    _lms_locale(demo_stack, "en")
    chooser = open_chooser(demo_stack)
    check = chooser.post("builder/check", **ONLY_COMPONENTS).json()
    assert check["summary"] == "3 questions per student."
    assert check["notes"][1] == (f"{distinct_forms('components:3'):,} different sets of questions are possible, so students rarely get the "
                                 "same set.")


def test_the_registration_pages_follow_the_browser_language(demo_stack) -> None:
    spanish = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
    help_page = requests.get(f"{demo_stack.tool_url}/lti/register", headers=spanish, timeout=10)
    text = unescape(help_page.text)
    assert help_page.status_code == 400 and '<html lang="es">' in text
    assert "Registra esta herramienta en tu plataforma de aprendizaje" in text
    assert "Esta dirección debe abrirla tu plataforma de aprendizaje" in text
    refused = requests.get(f"{demo_stack.tool_url}/lti/register/not-a-link", headers=spanish, timeout=10)
    assert "Este enlace de registro no es válido" in unescape(refused.text)
    english = requests.get(f"{demo_stack.tool_url}/lti/register", headers={"Accept-Language": "en"}, timeout=10)
    assert "Register this tool with your LMS" in english.text


def _data_messages(page: str) -> str:
    start = page.index("data-messages='") + len("data-messages='")
    return unescape(page[start:page.index("'", start)])


def test_custom_parameter_problems_are_said_in_spanish_on_the_landing_page(demo_stack) -> None:
    _lms_locale(demo_stack, "es")
    configure_link(demo_stack, {"pools": "components:500", "attempts": "2"})
    page = unescape(instructor(demo_stack).landing.text)
    assert ("parámetro personalizado pools: Pediste 500 preguntas de «Components of the therapeutic relationship», "
            f"pero solo tiene {pool_size('components')} preguntas.") in page
