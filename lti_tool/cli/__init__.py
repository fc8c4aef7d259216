"""The ``quiztool`` command: a Flask CLI group over the app factory.

``quiztool run`` and ``quiztool demo`` are development mode (plain-http loopback platforms are
accepted); everything else follows QUIZTOOL_ENV (default production).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import ScriptInfo
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import exc as sql_errors
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lti_tool import create_app
from lti_tool import logs
from lti_tool import migrate
from lti_tool.db import session_scope
from lti_tool.lti import keys as tool_keys
from lti_tool.models.platform import ToolKey
from lti_tool.schemas.platform import PRESETS
from lti_tool.models.base import utcnow
from lti_tool.schemas.platform import PlatformSpecSchema
from lti_tool.schemas.platform import PlatformUpdateSchema
from lti_tool.services import platforms
from lti_tool.services import registration_links
from lti_tool.settings import ConfigurationError

DEVELOPMENT_COMMANDS = ("run", "demo")


class QuiztoolGroup(FlaskGroup):
    """Flask's CLI group without its habit of building the app to list commands: ``--help`` and
    the ``bank`` commands work before any configuration or database exists. A command that needs
    the app and cannot have it (no secret, no database, no schema) says why in one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, name)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            # One id per command: its log lines and the scores it queues (grades resync) carry it.
            with logs.request_id_set(logs.new_request_id()):
                return super().invoke(ctx)
        except ConfigurationError as error:
            raise click.ClickException(str(error)) from None
        except (sql_errors.OperationalError, sql_errors.ProgrammingError) as error:
            reason = _first_line(error.orig)
            where = _database_name(ctx)
            if any(missing in reason for missing in ("no such table", "no such column", "does not exist")):
                raise click.ClickException(f"the database {where} is not at this version's schema ({reason}): "
                                           "run `quiztool db upgrade` first") from None
            if isinstance(error, sql_errors.ProgrammingError):
                raise  # a bug in a query, not a state of the database: show it whole
            raise click.ClickException(f"the database {where} cannot be reached: {reason}") from None


def _database_name(ctx: click.Context) -> str:
    """The database URL in use, without its password, for error messages."""
    app = getattr(ctx.find_object(ScriptInfo), "_loaded_app", None)
    url = app.config["DATABASE_URL"] if app is not None else os.environ.get("QUIZTOOL_DATABASE_URL", "")
    return make_url(url).render_as_string(hide_password=True) if url else "(the SQLite file in the instance folder)"


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["unknown error"])[0]


@click.group(cls=QuiztoolGroup, create_app=create_app, add_default_commands=True, add_version_option=False)
def cli() -> None:
    """The therapeutic relationship quiz tool (LTI 1.3).

    Settings come from QUIZTOOL_* environment variables (see docs/configuration.md); `bank`
    commands and --help need none.
    """


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
    """Create or upgrade the database schema (and make the first signing key)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    if revision == "head":
        with session_scope() as session:
            tool_keys.ensure_key(session)
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
@click.option("--auto-deployments/--no-auto-deployments", "auto_register_deployments", default=None,
              help="Accept new deployment ids on their first launch (default for Canvas presets; "
                   "otherwise asked).")
@click.option("--host", "hosts", multiple=True,
              help="A further host of this LMS (canvas.school.edu, or *.example.edu); may be repeated.")
@click.option("--json-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the fields from a JSON object instead (flags override).")
@with_appcontext
def platform_add(json_file: Path | None, **flags: object) -> None:
    """Register a platform (an existing issuer and client id is refused: see `platform update`)."""
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
    for name in ("deployment_ids", "hosts"):
        if name in data:
            data[name] = list(data[name])  # type: ignore[call-overload]
    try:
        spec = PlatformSpecSchema().load(data)
    except ValidationError as error:
        lines = [f"  {field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                 for field, msgs in sorted(error.normalized_messages().items())]  # type: ignore[union-attr]
        raise click.ClickException("the platform was not added:\n" + "\n".join(lines)) from error
    if spec["auto_register_deployments"] is None:
        if not sys.stdin.isatty():
            raise click.ClickException(
                "say whether new deployment ids of this registration are accepted on their first launch: "
                "--auto-deployments, or --no-auto-deployments to approve each with `quiztool platform "
                "approve-deployment`")
        spec["auto_register_deployments"] = click.confirm(
            "Accept new deployment ids of this registration on their first launch?", default=False)
    with session_scope() as session:
        try:
            platform = platforms.add_platform(session, spec)
        except platforms.PlatformExists as error:
            raise click.ClickException(f"{error} To change it, use `quiztool platform update`.") from error
        tool_keys.ensure_key(session)
        click.echo(json.dumps(platforms.describe(platform), indent=2))


@platform_group.command("update")
@click.argument("platform_id", type=int)
@click.option("--name")
@click.option("--auth-login-url")
@click.option("--auth-token-url")
@click.option("--auth-audience")
@click.option("--key-set-url", help="A new URL drops the cached keys: the next launch fetches them.")
@click.option("--product", type=click.Choice(("moodle", "canvas", "other")))
@click.option("--auto-deployments/--no-auto-deployments", "auto_register_deployments", default=None)
@click.option("--add-host", "add_hosts", multiple=True, help="Allow a further host of this LMS; may be repeated.")
@click.option("--remove-host", "remove_hosts", multiple=True, help="May be repeated.")
@click.option("--activate/--deactivate", "active", default=None, help="An inactive platform's launches are refused.")
@with_appcontext
def platform_update(platform_id: int, **changes: object) -> None:
    """Change a registered platform's endpoints, hosts or settings (every change is logged)."""
    try:
        loaded = PlatformUpdateSchema().load({k: v for k, v in changes.items() if v not in (None, ())})
    except ValidationError as error:
        lines = [f"  {field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                 for field, msgs in sorted(error.normalized_messages().items())]  # type: ignore[union-attr]
        raise click.ClickException("the platform was not changed:\n" + "\n".join(lines)) from error
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or "admin"
    with session_scope() as session:
        try:
            changed = platforms.update_platform(session, platform_id, loaded, by=f"quiztool platform update ({user})")
        except platforms.PlatformNotFound as error:
            raise click.ClickException(str(error)) from error
        if not changed:
            click.echo(f"platform {platform_id}: nothing to change")
        for line in changed:
            click.echo(f"platform {platform_id}: {line}")


@platform_group.command("registration-link")
@click.option("--expires", "expires", default="24h", show_default=True,
              help="How long the link works: 30m, 24h, 7d (at most 30 days).")
@click.option("--note", default="", help="Who it is for, shown by `platform registration-links`.")
@with_appcontext
def platform_registration_link(expires: str, note: str) -> None:
    """Make a one-time Dynamic Registration URL to paste into Moodle or Canvas."""
    try:
        lifetime = registration_links.parse_lifetime(expires)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--expires") from error
    base_url = current_app.config["BASE_URL"]
    if not base_url:
        raise click.ClickException(
            "set QUIZTOOL_BASE_URL to the tool's public address (https://quiz.example.edu): the link "
            "is opened by the LMS, so it must carry that address")
    with session_scope() as session:
        made = registration_links.create_link(session, lifetime=lifetime, note=note)
        expires_at = made.link.expires_at
        link_id = made.link.id
    click.echo(f"{base_url}/lti/register/{made.token}")
    click.echo(f"Link {link_id}: works once, until {expires_at:%Y-%m-%d %H:%M} UTC. Paste it into Moodle "
               "(Manage tools → Tool URL) or Canvas (Developer Keys → LTI Registration).", err=True)


@platform_group.command("registration-links")
@click.option("--revoke", "revoke_id", type=int, help="Expire this unused link now.")
@with_appcontext
def platform_registration_links(revoke_id: int | None) -> None:
    """List registration links (and revoke one)."""
    with session_scope() as session:
        if revoke_id is not None:
            if not registration_links.revoke(session, revoke_id):
                raise click.ClickException(f"no unused registration link {revoke_id}")
            click.echo(f"registration link {revoke_id} revoked")
            return
        rows = registration_links.list_links(session)
        if not rows:
            click.echo("no registration links")
        now = utcnow()
        for link in rows:
            if link.platform_id is not None:
                state = f"registered platform {link.platform_id}"
            elif link.used_at is not None:
                state = "in use"
            elif link.expires_at <= now:
                state = "expired"
            else:
                state = f"unused, until {link.expires_at:%Y-%m-%d %H:%M} UTC"
            click.echo(f"{link.id:>4}  made {link.created_at:%Y-%m-%d %H:%M}  {state}  {link.note}")


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
                       f"deployments={len(p.deployments)}"
                       f"{' (new ones accepted)' if p.auto_register_deployments else ' (new ones await approval)'}")


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
    """Approve a deployment recorded while the platform does not accept new ones by itself."""
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


# -- grade delivery ---------------------------------------------------------------------------------
@cli.command("worker")
@with_appcontext
def worker_command() -> None:
    """Deliver grades to the platforms until stopped (SIGTERM or Ctrl+C). Run one or more."""
    from lti_tool.worker import run_worker

    click.echo("grade worker running; stop with Ctrl+C")
    run_worker(current_app._get_current_object())  # type: ignore[attr-defined]


@cli.group("grades")
def grades_group() -> None:
    """The grade outbox: what waits, what failed, and sending again."""


@grades_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts and monitoring.")
@with_appcontext
def grades_status(as_json: bool) -> None:
    """What waits, fails and lands, per platform: pending scores and the oldest one's age, the
    failing ones with the platform's last answer, deliveries in the last hour; then the latest
    refused scores."""
    from lti_tool import grade_sync

    with session_scope() as session:
        status = grade_sync.outbox_status(session)
        per_platform = grade_sync.outbox_by_platform(session)
        failed = grade_sync.failed_deliveries(session)[:20]
    if as_json:
        click.echo(json.dumps(_status_document(status, per_platform, failed), indent=2))
        return
    age = status.oldest_pending_age()
    click.echo(f"pending:    {status.pending}" + (f" (+{status.sending} sending)" if status.sending else ""))
    click.echo(f"failed:     {status.failed}")
    click.echo(f"delivered:  {status.delivered}")
    click.echo(f"superseded: {status.superseded}")
    click.echo("oldest pending: " + (_age(age) if age is not None else "none"))
    for platform in per_platform:
        click.echo(f"\nplatform {platform.platform_id} {platform.name or platform.issuer} "
                   f"({platform.issuer}, client_id={platform.client_id})")
        oldest = platform.oldest_pending_age()
        click.echo(f"  pending {platform.pending + platform.sending}"
                   + (f", oldest {_age(oldest)}" if oldest is not None else "")
                   + f"; failing {platform.retrying} (retrying) + {platform.failed} (failed)"
                   + f"; delivered in the last hour {platform.delivered_last_hour}")
        if platform.last_failure is not None:
            at, code, error, answer = platform.last_failure
            said = " ".join((answer or "").split())[:200]
            click.echo(f"  last failure {_age(datetime.now(UTC) - at)}: {error}"
                       + (f" | platform said: {said}" if said else ""))
    if failed:
        click.echo("")
    for row in failed:
        answer = " ".join((row.platform_answer or "").split())[:200]
        click.echo(f"  failed #{row.id} link={row.resource_link_pk} user={row.user_pk} "
                   f"tries={row.tries}: {row.last_error}" + (f" | platform said: {answer}" if answer else ""))


def _age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def _status_document(status, per_platform, failed) -> dict:  # noqa: ANN001
    now = datetime.now(UTC)

    def age_seconds(at):  # noqa: ANN001, ANN202
        return None if at is None else round((now - at).total_seconds(), 1)

    return {
        "totals": {"pending": status.pending, "sending": status.sending, "failed": status.failed,
                   "delivered": status.delivered, "superseded": status.superseded,
                   "oldest_pending_age_seconds": age_seconds(status.oldest_pending_at)},
        "platforms": [
            {"id": p.platform_id, "name": p.name, "issuer": p.issuer, "client_id": p.client_id, "product": p.product,
             "pending": p.pending, "sending": p.sending, "retrying": p.retrying, "failed": p.failed,
             "delivered_last_hour": p.delivered_last_hour,
             "oldest_pending_age_seconds": age_seconds(p.oldest_pending_at),
             "last_failure": None if p.last_failure is None else {
                 "at": p.last_failure[0].isoformat(), "status_code": p.last_failure[1],
                 "error": p.last_failure[2], "platform_answer": p.last_failure[3]}}
            for p in per_platform
        ],
        "failed": [{"id": r.id, "resource_link": r.resource_link_pk, "user": r.user_pk, "tries": r.tries,
                    "status_code": r.last_status_code, "error": r.last_error, "platform_answer": r.platform_answer}
                   for r in failed],
    }


@grades_group.command("retry")
@click.option("--failed", "include_failed", is_flag=True, help="Also send failed scores again.")
@with_appcontext
def grades_retry(include_failed: bool) -> None:
    """Make waiting scores due now (and failed ones with --failed); a worker sends them."""
    from lti_tool import grade_sync

    with session_scope() as session:
        count = grade_sync.retry_now(session, include_failed=include_failed)
    click.echo(f"{count} score(s) queued for delivery")


@grades_group.command("resync")
@click.option("--resource-link", "resource_link", required=True, type=int,
              help="The tool's id of the resource link (see the instructor page).")
@with_appcontext
def grades_resync(resource_link: int) -> None:
    """Send the kept grade of every student of a link again, with the original submission
    time (after a regrade or an LMS restore)."""
    from lti_tool.models.lti import ResourceLink
    from lti_tool.services import gradebook

    with session_scope() as session:
        if session.get(ResourceLink, resource_link) is None:
            raise click.ClickException(f"no resource link {resource_link}")
        count = gradebook.resync_link(session, resource_link)
    click.echo(f"{count} grade(s) queued for delivery")


@grades_group.command("deliver")
@with_appcontext
def grades_deliver() -> None:
    """Run one delivery pass now, in the foreground."""
    from lti_tool.worker import deliver_once

    report = deliver_once(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"claimed {report.claimed}: {report.delivered} delivered, {report.retrying} retrying, "
               f"{report.failed} failed, {report.superseded} superseded, {report.held_back} held back")
    for error in report.errors:
        click.echo(f"  {error}")


# -- serving ----------------------------------------------------------------------------------------
@cli.command("serve")
@click.option("--bind", help="host:port to listen on [QUIZTOOL_BIND, else 0.0.0.0:8000]")
@click.option("--workers", type=click.IntRange(1), help="Processes [QUIZTOOL_WORKERS, else 2]")
@click.option("--threads", type=click.IntRange(1), help="Threads per process [QUIZTOOL_THREADS, else 4]")
@with_appcontext
def serve(bind: str | None, workers: int | None, threads: int | None) -> None:
    """Serve the tool with gunicorn and the shipped configuration (config/gunicorn.conf.py).

    Checks the settings first (they fail here in one line, not in every worker), prints the
    address, then becomes the gunicorn master: stop it with SIGTERM or Ctrl+C.
    """
    import config

    for name, value in (("QUIZTOOL_BIND", bind), ("QUIZTOOL_WORKERS", workers), ("QUIZTOOL_THREADS", threads)):
        if value is not None:
            os.environ[name] = str(value)
    address = os.environ.get("QUIZTOOL_BIND", "0.0.0.0:8000")
    everywhere = " (every interface of this host)" if address.rpartition(":")[0] in ("0.0.0.0", "[::]", "") else ""
    click.echo(f"quiztool serving on http://{address}{everywhere} with {os.environ.get('QUIZTOOL_WORKERS', '2')} "
               f"worker(s) x {os.environ.get('QUIZTOOL_THREADS', '4')} thread(s)")
    click.echo(f"public URL: {current_app.config['BASE_URL'] or '(taken from each request; set QUIZTOOL_BASE_URL)'}")
    sys.stdout.flush()
    gunicorn_conf = Path(config.__file__).resolve().parent / "gunicorn.conf.py"
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(gunicorn_conf), "lti_tool:create_app()"])


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


def _mount_operator_commands() -> None:
    from lti_tool.cli.users import user

    cli.add_command(user)


_mount_operator_commands()
