"""``quiztool user``: one person's data, exported or erased, and the retention purge.

A person is named as the LMS knows them: the platform (its id in ``quiztool platform list``)
and their LTI user id (the ``sub`` the LMS sends; Moodle's is the user's numeric id, Canvas's an
opaque string: an LMS admin finds it in the LTI launch or with the LMS's own export).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.db import session_scope
from lti_tool.services import personal_data

_person = [
    click.option("--platform", "platform_id", required=True, type=int, help="Platform id (quiztool platform list)."),
    click.option("--user", "sub", required=True, help="The person's LTI user id (sub) on that platform."),
]


def _with_person(command):  # noqa: ANN001, ANN202
    for option in reversed(_person):
        command = option(command)
    return command


@click.group("user")
def user() -> None:
    """One person's data: export it, erase it; purge old attempts (RETENTION_DAYS)."""


@user.command("export")
@_with_person
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here (default: standard output).")
@with_appcontext
def export(platform_id: int, sub: str, output: Path | None) -> None:
    """Everything the tool holds about one person, as JSON (attempts, answers, grades waiting
    for the LMS, sessions, memberships). The LMS gradebook's copy is the LMS's to export."""
    with session_scope() as session:
        try:
            document = personal_data.export_person(session, personal_data.find_person(session, platform_id, sub))
        except personal_data.PersonNotFound as error:
            raise click.ClickException(str(error)) from None
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
        return
    output.write_text(text + "\n")
    rows = sum(len(r) for r in document["tables"].values())
    click.echo(f"wrote {rows} row(s) of platform {platform_id}'s user {sub} to {output}", err=True)


@user.command("erase")
@_with_person
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase(platform_id: int, sub: str, yes: bool) -> None:
    """Delete everything the tool holds about one person. Grades already in the LMS gradebook
    stay there; a later launch by the same person starts afresh."""
    with session_scope() as session:
        try:
            person = personal_data.find_person(session, platform_id, sub)
        except personal_data.PersonNotFound as error:
            raise click.ClickException(str(error)) from None
        if not yes and not click.confirm(f"Erase every record of user {sub} of platform {platform_id}?",
                                         err=True):
            raise click.ClickException("nothing erased")
        counts = personal_data.erase_person(session, person)
    summary = ", ".join(f"{table} {count}" for table, count in sorted(counts.items()))
    click.echo(f"erased user {sub} of platform {platform_id}: {summary}")


@user.command("purge")
@click.option("--days", type=float, default=None,
              help="Submitted attempts older than this many days (default: QUIZTOOL_RETENTION_DAYS).")
@with_appcontext
def purge(days: float | None) -> None:
    """Delete submitted attempts (and their answers) older than the retention period now; the
    worker does this on its own every GRADE_PURGE_INTERVAL_SECONDS."""
    days = float(current_app.config["RETENTION_DAYS"]) if days is None else days
    if days <= 0:
        click.echo("retention is off (QUIZTOOL_RETENTION_DAYS=0): nothing purged", err=True)
        sys.exit(0)
    with session_scope() as session:
        removed = personal_data.purge_old_attempts(session, older_than_days=days)
    click.echo(f"deleted {removed} attempt(s) submitted more than {days:g} days ago")
