"""The ``quiztool`` command: a Flask CLI group over the app factory.

``quiztool run`` and ``quiztool demo`` are development mode (plain-http loopback platforms are
accepted); everything else follows QUIZTOOL_ENV (default production).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from lti_tool import create_app
from lti_tool import migrate
from lti_tool.db import session_scope
from lti_tool.lti import keys as tool_keys
from lti_tool.models.platform import ToolKey
from lti_tool.schemas.platform import PRESETS
from lti_tool.schemas.platform import PlatformSpecSchema
from lti_tool.services import platforms

DEVELOPMENT_COMMANDS = ("run", "demo")


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True, add_version_option=False)
def cli() -> None:
    """The therapeutic relationship quiz tool (LTI 1.3)."""


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in DEVELOPMENT_COMMANDS:
        os.environ.setdefault("QUIZTOOL_ENV", "development")
    cli(prog_name="quiztool")


# -- database ---------------------------------------------------------------------------------------
@cli.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Go back to an older schema revision (e.g. -1)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


# -- platforms --------------------------------------------------------------------------------------
@cli.group("platform")
def platform_group() -> None:
    """Register LMS platforms by hand (Dynamic Registration does this for you)."""


@platform_group.command("add")
@click.option("--preset", type=click.Choice(PRESETS), help="Fill the endpoint URLs for Moodle or Canvas.")
@click.option("--url", help="Moodle site URL (with --preset moodle).")
@click.option("--name", default="")
@click.option("--issuer")
@click.option("--client-id")
@click.option("--auth-login-url")
@click.option("--auth-token-url")
@click.option("--auth-audience")
@click.option("--key-set-url")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="May be repeated; optional.")
@click.option("--json-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the fields from a JSON object instead (flags override).")
@click.option("--replace", is_flag=True, help="Update an existing registration with the same issuer and client id.")
@with_appcontext
def platform_add(json_file: Path | None, replace: bool, **flags: object) -> None:
    """Register a platform."""
    data: dict[str, object] = {}
    if json_file:
        try:
            loaded = json.loads(json_file.read_text())
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{json_file}: line {error.lineno}: not valid JSON ({error.msg})") from error
        if not isinstance(loaded, dict):
            raise click.ClickException(f"{json_file}: expected a JSON object with the platform's fields")
        data.update(loaded)
    data.update({k: v for k, v in flags.items() if v not in (None, "", ())})
    if "deployment_ids" in data:
        data["deployment_ids"] = list(data["deployment_ids"])  # type: ignore[call-overload]
    try:
        spec = PlatformSpecSchema().load(data)
    except ValidationError as error:
        lines = [f"  {field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                 for field, msgs in sorted(error.normalized_messages().items())]  # type: ignore[union-attr]
        raise click.ClickException("the platform was not added:\n" + "\n".join(lines)) from error
    with session_scope() as session:
        try:
            platform = platforms.add_platform(session, spec, replace=replace)
        except platforms.PlatformExists as error:
            raise click.ClickException(f"{error} Use --replace to update it.") from error
        tool_keys.ensure_key(session)
        click.echo(json.dumps(platforms.describe(platform), indent=2))


@platform_group.command("list")
@with_appcontext
def platform_list() -> None:
    """List registered platforms."""
    with session_scope() as session:
        rows = platforms.list_platforms(session)
        if not rows:
            click.echo("no platforms registered")
        for p in rows:
            state = "active" if p.active else "inactive"
            click.echo(f"{p.id:>4}  {p.issuer}  client_id={p.client_id}  {p.product}  {state}  "
                       f"deployments={len(p.deployments)}")


@platform_group.command("show")
@click.argument("platform_id", type=int)
@with_appcontext
def platform_show(platform_id: int) -> None:
    """Show one platform as JSON."""
    with session_scope() as session:
        try:
            click.echo(json.dumps(platforms.describe(platforms.get_platform(session, platform_id)), indent=2))
        except platforms.PlatformNotFound as error:
            raise click.ClickException(str(error)) from error


@platform_group.command("remove")
@click.argument("platform_id", type=int)
@click.confirmation_option(prompt="Remove this platform and everything recorded for it?")
@with_appcontext
def platform_remove(platform_id: int) -> None:
    """Remove a platform."""
    with session_scope() as session:
        try:
            removed = platforms.remove_platform(session, platform_id)
        except platforms.PlatformNotFound as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"removed platform {removed.id} ({removed.issuer}, client_id={removed.client_id})")


@platform_group.command("approve-deployment")
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
@with_appcontext
def platform_approve(platform_id: int, deployment_id: str) -> None:
    """Approve a deployment recorded while AUTO_REGISTER_DEPLOYMENTS is off."""
    with session_scope() as session:
        try:
            platforms.approve_deployment(session, platform_id, deployment_id)
        except platforms.PlatformNotFound as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"deployment {deployment_id} of platform {platform_id} approved")


# -- keys -------------------------------------------------------------------------------------------
@cli.group("keys")
def keys_group() -> None:
    """The tool's signing keys."""


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """List keys and whether they are published."""
    with session_scope() as session:
        tool_keys.ensure_key(session)
        published = {k.kid for k in tool_keys.published_keys(session)}
        for key in session.scalars(select(ToolKey).order_by(ToolKey.id)):
            status = "signing" if key.retire_at is None else ("published until " + key.retire_at.isoformat() if key.kid in published else "retired")
            click.echo(f"{key.kid}  created {key.created_at.isoformat()}  {status}")


@keys_group.command("rotate")
@click.option("--retire-after", type=int, default=None,
              help="Seconds the old key stays published (default QUIZTOOL_KEY_RETIREMENT_SECONDS).")
@with_appcontext
def keys_rotate(retire_after: int | None) -> None:
    """Add a new signing key; keep the old one in the JWKS until it retires."""
    seconds = retire_after if retire_after is not None else int(current_app.config["KEY_RETIREMENT_SECONDS"])
    with session_scope() as session:
        new, older = tool_keys.rotate(session, timedelta(seconds=seconds))
        click.echo(f"new signing key {new.kid}; {len(older)} older key(s) published for {seconds} s more")


# -- the demo ---------------------------------------------------------------------------------------
@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Start the tool with the built-in demo LMS (SQLite, development mode)."""
    from lti_tool.demo import run_demo

    run_demo(host=host, port=port)


def _mount_bank_commands() -> None:
    try:
        from lti_tool.cli.bank import bank
    except ImportError:  # pragma: no cover - only while the engine is being built
        return
    cli.add_command(bank)


_mount_bank_commands()
