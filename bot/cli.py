"""``securemeet``: the command line (click), one thin layer over :mod:`bot.bootstrap`.

The settings are read once, by the group (``Config.from_env``), and every command builds
its services through the composition root. Errors become ``click.ClickException`` at
this edge (as sqlite-utils does), so a misconfiguration prints one clear line instead
of a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from bot import console, logs
from bot.bootstrap import bootstrap
from bot.config import Config, ConfigError
from bot.services import Services
from commands import router
from commands.reply import Reply

DEMO = "tomorrow 3pm for 45m Budget review"
PRIVATE_UMASK = 0o077

log = logging.getLogger("securemeet.cli")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"],
                                               case_sensitive=False), default=None,
              help="DEBUG, INFO, WARNING or ERROR (default: SECUREMEET_LOG_LEVEL or WARNING).")
@click.version_option(package_name="securemeet")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """SecureMeet: Zoom meetings locked down by default, from Slack, Teams or here.

    With no ZOOM_* credentials set, everything runs against a built-in Zoom emulator.
    """
    # Files SecureMeet makes (the SQLite database and its -wal/-shm, the key beside it,
    # the sandbox's Zoom) hold emails, names and conversation references: owner only.
    os.umask(PRIVATE_UMASK)
    level = log_level.upper() if log_level else None
    try:
        ctx.obj = Config.from_env(log_level=level)
    except ConfigError as exc:  # said by the command that needs the settings
        ctx.obj = exc
        logs.setup(level or "WARNING")
    else:
        logs.setup(ctx.obj.log_level)


def settings(**overrides: object) -> Config:
    """The settings the group read, with a command's own options on top."""
    read = click.get_current_context().find_root().obj
    try:
        if isinstance(read, ConfigError):
            raise read
        config = read if isinstance(read, Config) else Config.from_env()
        config = config.with_(**{k: v for k, v in overrides.items() if v is not None})
        config.validate()
        return config
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def services(*, offline: bool = False, **overrides: object) -> Iterator[Services]:
    built = bootstrap(settings(**overrides), offline=offline)
    try:
        yield built
    finally:
        built.close()


def settle_interrupted(built: Services) -> None:
    """What ``serve``'s sweep does, once, for the terminal: creates an earlier run left
    unfinished (a crash, or one Zoom never confirmed) are settled before new work."""
    from commands import recovery

    try:
        for item in recovery.sweep(built.ctx):
            if item.outcome != recovery.KEPT:  # told as serve's sweep tells it, by DM
                reply = recovery.interrupted_reply(item, sandbox=built.config.sandbox)
                click.echo(console.render(reply), err=True, nl=False)
    except Exception:  # never in the way of the command itself
        log.warning("settling interrupted creates failed", exc_info=True)


@contextmanager
def console_handler(built: Services, email: str, tz: str | None
                    ) -> Iterator[Callable[[str], Reply]]:
    """The terminal's ``handle(text) -> Reply``, as ``email``.

    A reply's notices (the host hears of what an admin did) go out through the chat
    messengers on one event loop kept for the whole session, and the messengers are
    closed once at the end: their HTTP clients belong to that loop, and a Teams client
    closed after one reply could not send the next."""
    # In the sandbox the person at the terminal owns the whole fake account: an admin.
    who = built.requester(user=f"console:{email}", platform="console", email=email, tz=tz,
                          platform_admin=built.config.sandbox)

    settle_interrupted(built)

    with asyncio.Runner() as loop:
        def handle(text: str) -> Reply:
            reply = router.dispatch(built.ctx, who, text)
            if reply.notices:  # the host hears of it, on whichever platform they use
                loop.run(send_notices(built, reply))
            return reply

        try:
            yield handle
        finally:
            loop.run(close_messengers(built))


async def send_notices(built: Services, reply: Reply) -> None:
    from bot.frontdoor import FrontDoor

    await FrontDoor(built).send_notices(reply.notices, prefer="console")


async def close_messengers(built: Services) -> None:
    for messenger in built.messengers.values():
        try:
            await messenger.close()
        except Exception:  # best effort, at the end of a terminal session
            log.debug("closing a messenger failed", exc_info=True)


_as = click.option("--as", "email", default="you@example.com", show_default=True,
                   help="Your email: the Zoom host.")
_tz = click.option("--tz", default=None, help="Your IANA time zone (default: "
                   "SECUREMEET_DEFAULT_TZ or UTC).")


@main.command()
@_as
@_tz
@click.argument("first", required=False)
def chat(email: str, tz: str | None, first: str | None) -> None:
    """Chat with SecureMeet in the terminal (type `/securemeet …` or just a time)."""
    with services() as built, console_handler(built, email, tz) as handle:
        sys.exit(console.chat(handle, first=first))


@main.command(name="try")
@_as
@_tz
@click.argument("text", default=DEMO)
def try_(email: str, tz: str | None, text: str) -> None:
    """Run one command, e.g. securemeet try "tomorrow 3pm for 45m Budget review"."""
    with services() as built, console_handler(built, email, tz) as handle:
        reply = handle(text)
        click.echo(console.render(reply, colour=console.use_colour(sys.stdout)), nl=False)
        if reply.error:
            sys.exit(1)


@main.command()
@_as
@_tz
@click.argument("target", nargs=-1, required=True)
def audit(email: str, tz: str | None, target: tuple[str, ...]) -> None:
    """Audit a meeting against the policy: a meeting ID, a join link, or `mine`.

    Runs as the `--as` user (the sandbox makes them an admin). Quote a join link: it
    may contain `?` and `&`. Exit status 1 when the audit could not be done.
    """
    with services() as built, console_handler(built, email, tz) as handle:
        reply = handle("audit " + " ".join(target))
        click.echo(console.render(reply, colour=console.use_colour(sys.stdout)), nl=False)
        if reply.error:
            sys.exit(1)


@main.command()
def migrate() -> None:
    """Bring the database's schema up to date (safe while replicas start or run)."""
    import storage

    config = settings()
    try:
        version = storage.migrate(config.db_path)
    except Exception as exc:  # the message names the problem, never the password
        raise click.ClickException(f"Could not migrate {storage.describe(config.db_path)}: "
                                   f"{type(exc).__name__}: {exc}") from exc
    click.echo(f"{storage.describe(config.db_path)}: schema version {version}")


@main.command()
def doctor() -> None:
    """Show the configuration (never a secret) and check the Zoom and Slack credentials."""
    with services() as built:
        config = built.config
        width = max(len(k) for k, _ in config.describe())
        for key, value in config.describe():
            click.echo(f"{key.ljust(width)}  {value}")
        click.echo("")
        click.echo(f"mode: {'sandbox (built-in Zoom emulator)' if config.sandbox else 'live'}")
        _check("Zoom token", lambda: built.zoom.check_token())  # type: ignore[attr-defined]
        if config.slack_enabled:
            _check("Slack auth.test", lambda: _slack_auth_test(config))
        else:
            click.echo("Slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)")
        _zoom_webhooks(config)
        _database(built)


def _database(built: Services) -> None:
    """The schema version, and work a crash interrupted that the sweep has yet to settle
    (``securemeet serve`` settles it; see docs/RELIABILITY.md)."""
    from datetime import UTC, datetime, timedelta

    import storage

    store = built.store
    ok, why = store.ready()
    where = f"{store.backend}, {storage.describe(built.config.db_path)}"
    if not ok:
        click.echo(f"✗ Database ({where}): {why}")
        return
    until = datetime.now(UTC) + timedelta(days=1)
    creates = len(store.pending_creates(before=until))
    requests = len(store.open_requests(before=until))
    click.echo(f"✓ Database ({where}): schema version {storage.SCHEMA_VERSION}; in flight or "
               f"interrupted: creates {creates}, chat requests {requests} (settled after "
               f"{built.config.recovery_grace_seconds:g} s by `securemeet serve`)")


def _zoom_webhooks(config: Config) -> None:
    if not config.zoom_webhook_secret:
        click.echo("Zoom webhooks: off (set ZOOM_WEBHOOK_SECRET_TOKEN; see docs/WEBHOOKS.md)")
        return
    live = config.live_settings
    click.echo(f"✓ Zoom webhooks: on (lock nudge after {live.quiet_seconds:g} s quiet, "
               f"waiting-room nudges at most every {live.waiting_interval:g} s)")


def _check(name: str, probe) -> None:  # type: ignore[no-untyped-def]
    try:
        detail = probe()
    except Exception as exc:  # report, don't crash: this is a diagnostic
        click.echo(f"✗ {name}: {exc}")
    else:
        click.echo(f"✓ {name}" + (f": {detail}" if detail else ""))


def _slack_auth_test(config: Config) -> str:
    from slack_sdk import WebClient

    result = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url).auth_test()
    return f"team {result.get('team')}, bot {result.get('user')}"


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default: PORT or 3000).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 to accept connections from other machines.")
@click.option("--socket-mode", is_flag=True,
              help="Reach Slack through Socket Mode (needs SLACK_APP_TOKEN), no public URL.")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Threads for blocking work: Zoom calls, SQLite (default: "
                   "SECUREMEET_THREADS or 16).")
def serve(port: int | None, host: str, socket_mode: bool, threads: int | None) -> None:
    """Serve Slack, Zoom webhooks, Teams and /healthz over HTTP (uvicorn, one worker)."""
    from bot import server
    from bot.slack import SocketModeUnavailable, check_socket_mode

    with services(port=port, threads=threads) as built:
        try:
            if socket_mode and built.config.slack_enabled and built.config.slack_app_token:
                check_socket_mode(built.config)
            app_port = built.config.port
            mode = "sandbox" if built.config.sandbox else "live"
            click.echo(f"SecureMeet ({mode}) on http://{host}:{app_port} — /healthz, "
                       f"/slack/events{' (Slack via Socket Mode)' if socket_mode else ''}",
                       err=True)
            server.serve(built, host=host, port=app_port, socket_mode=socket_mode)
        except (SocketModeUnavailable, ConfigError) as exc:
            raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--url", default=None, metavar="https://HOST",
              help="The server's public base URL (Slack posts to URL/slack/events).")
@click.option("--socket-mode", is_flag=True, help="A Socket Mode app: no request URLs.")
@click.option("--link-domain", "link_domains", multiple=True, metavar="DOMAIN",
              help="A host of your account's Zoom join links besides zoom.us/zoom.com "
                   "(repeatable): the leak guard watches it too.")
def manifest(url: str | None, socket_mode: bool, link_domains: tuple[str, ...]) -> None:
    """Print the Slack app manifest (YAML) to create the app from."""
    from bot.slack.manifest import PLACEHOLDER_URL, to_yaml

    if url is None and not socket_mode:
        url = PLACEHOLDER_URL
    try:
        click.echo(to_yaml(url, socket_mode=socket_mode, link_domains=link_domains), nl=False)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--window", "-w", default="30d", show_default=True, metavar="7d|30d|90d|all",
              help="Whole UTC days ending today (any Nd up to 366d), or all.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the figures as JSON (the keys are documented in docs/STATS.md).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the figures as CSV, for export.")
@click.option("--chart", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also save the weekly chart as a PNG file.")
def stats(window: str, as_json: bool, as_csv: bool, chart: str | None) -> None:
    """Admin figures: meetings, hosts, compliance, audits, fixes, a weekly trend.

    Whoever can read the database at the terminal counts as an admin.
    """
    import json

    from bot import charts
    from commands import stats as stats_command
    from commands.errors import UserError

    if as_json and as_csv:
        raise click.UsageError("Choose one of --json and --csv.")
    with services(offline=True) as built:
        try:
            report = stats_command.compute(built.store, window, now=built.ctx.now())
        except UserError as exc:
            raise click.BadParameter(exc.message, param_hint="--window") from exc
    reply = stats_command.reply(report)
    if chart:
        if reply.chart is None:
            raise click.ClickException("Nothing to chart: no figures in this window yet.")
        with open(chart, "wb") as f:
            f.write(charts.with_png(reply).attachments[0][2])
    if as_json:
        click.echo(json.dumps(stats_command.as_json(report), indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(stats_command.as_csv(report), nl=False)
    else:
        click.echo(console.render(reply, colour=console.use_colour(sys.stdout)), nl=False)


@main.command(name="teams-package")
@click.option("--app-id", default=None, metavar="ID",
              help="The Azure bot's Microsoft App ID (default: TEAMS_APP_ID).")
@click.option("--url", default=None, metavar="https://HOST",
              help="The server's public URL; its host is added to validDomains.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, writable=True),
              default="securemeet-teams.zip", show_default=True,
              help="Where to write the app package (a zip) to upload to Teams.")
@click.option("--print-manifest", is_flag=True,
              help="Print manifest.json instead of writing the zip.")
def teams_package(app_id: str | None, url: str | None, out: str, print_manifest: bool) -> None:
    """Build the Teams app package: manifest.json and icons, with the bot's id filled in."""
    from bot.teams import manifest

    if app_id is None:  # the package needs the app id alone, not the whole Teams set-up
        app_id = Config.from_env(validate=False).teams_app_id or None
    if app_id is None and not print_manifest:
        raise click.UsageError("Give --app-id (the Azure bot's Microsoft App ID) or set "
                               "TEAMS_APP_ID.")
    try:
        if print_manifest:
            data = manifest.manifest(app_id or manifest.PLACEHOLDER_ID, host=url)
            click.echo(manifest.to_json(data), nl=False)
            return
        data_zip = manifest.package(app_id or "", host=url)
    except manifest.PackageError as exc:
        raise click.BadParameter(str(exc), param_hint="--app-id / --url") from exc
    with open(out, "wb") as f:
        f.write(data_zip)
    click.echo(f"Wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app) "
               "or in the Teams Developer Portal.", err=True)
