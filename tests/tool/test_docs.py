"""The guides stay true: the configuration reference is what config/default.py says, the
troubleshooting guide has every refusal a launch can give with the words people see, every
`quiztool ...` command a guide tells an administrator to type exists, and the README links them."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from config import reference
from lti_tool.cli import cli
from lti_tool.lti.errors import REFUSALS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES = ("moodle.md", "canvas.md", "deployment.md", "configuration.md", "backup.md", "troubleshooting.md")


def test_the_configuration_reference_is_generated_from_the_defaults() -> None:
    assert (DOCS / "configuration.md").read_text() == reference.render(), \
        "docs/configuration.md is out of date: run .venv/bin/python -m config.reference"


def test_every_setting_is_in_the_reference() -> None:
    import config.default as defaults

    text = (DOCS / "configuration.md").read_text()
    for name in (n for n in vars(defaults) if n.isupper()):
        assert f"### `QUIZTOOL_{name}`" in text, name


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_troubleshooting_explains_every_refusal_code(code: str) -> None:
    refusal = REFUSALS[code]
    (row,) = [line for line in (DOCS / "troubleshooting.md").read_text().splitlines()
              if line.startswith(f"| `{code}` |")]
    assert f"| {refusal.status} |" in row
    assert f"**{refusal.title}** — {refusal.message} |" in row  # exactly what the person reads
    assert len(row.rsplit("|", 2)[-2].strip()) > 40  # and what the administrator does about it


def _typed_commands(text: str) -> list[str]:
    """``quiztool ...`` in inline code, and the lines of shell blocks that run it."""
    inline = re.findall(r"`quiztool ([^`]+)`", text)
    blocks = re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S)
    fenced = [line.split("#")[0] for block in blocks for line in re.findall(r"^\s*quiztool (.+)$", block, re.M)]
    return inline + fenced


def _resolve(words: list[str]) -> str | None:
    """None if ``quiztool WORDS`` starts with a command or group (options and arguments after a
    command are fine; ``a|b`` means either); else the words that name nothing."""
    group: click.Command = cli
    ctx = click.Context(cli)
    for index, word in enumerate(words):
        if not isinstance(group, click.Group) or word.startswith("-"):
            return None
        choices = word.split("|")
        found = [group.get_command(ctx, choice) for choice in choices]
        if not all(found):
            return " ".join(words[: index + 1])
        group = found[0]  # type: ignore[assignment]
    return None


@pytest.mark.parametrize("guide", [*GUIDES, "../README.md"])
def test_every_command_a_guide_shows_exists(guide: str) -> None:
    text = (DOCS / guide).read_text()
    wrong = [c for c in _typed_commands(text) if c.split() and c.split()[0] != "--help" and _resolve(c.split())]
    assert not wrong, f"{guide}: no such quiztool command: {wrong}"


def test_the_readme_links_every_guide() -> None:
    readme = (ROOT / "README.md").read_text()
    for guide in GUIDES:
        assert f"(docs/{guide})" in readme, guide
        assert (DOCS / guide).exists()
