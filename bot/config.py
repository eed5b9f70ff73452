"""One frozen settings object read from the environment, validated at start-up.

Every setting SecureMeet has is a field here, read once by :meth:`Config.from_env` and
nowhere else: a module that needs a setting is given the ``Config`` (or the value).
Explicit arguments win over the environment. A front end whose secrets are missing is
switched off with one clear log line rather than crashing the rest; missing Zoom
credentials switch the whole bot to sandbox mode (the built-in Zoom emulator).
Secrets are ``repr=False`` and :meth:`Config.describe` never shows them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.zoom.rates import PLANS
from commands.live import LiveSettings
from commands.policy import LEVELS


class ConfigError(ValueError):
    """A setting is wrong; the message names it and says how to fix it."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MAX_THREADS = 64


@dataclass(frozen=True)
class Config:
    db_path: str = "securemeet.db"
    admins: frozenset[str] = frozenset()
    default_tz: str = "UTC"
    policy_level: str = "standard"
    day_first: bool = False
    port: int = 3000
    log_level: str = "WARNING"
    threads: int = 16
    lock_quiet_seconds: float = 120.0
    waiting_nudge_seconds: float = 60.0
    host_left_seconds: float = 30.0
    recovery_grace_seconds: float = 120.0
    recovery_interval_seconds: float = 60.0
    timer_poll_seconds: float = 1.0
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    zoom_account_id: str = ""
    zoom_client_id: str = ""
    zoom_client_secret: str = field(default="", repr=False)
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    zoom_webhook_secret: str = field(default="", repr=False)
    zoom_plan: str = "pro"  # the Zoom account's plan: its rate limits (bot/zoom/rates.py)
    zoom_rate_share: float = 0.9  # of those limits, what SecureMeet may use (other apps share)
    zoom_cache_seconds: float = 120.0  # host and account settings kept this long (0: off)
    emulator_limits: str = ""  # the sandbox emulator answers 429 past this plan's limits
    teams_app_id: str = ""
    teams_app_password: str = field(default="", repr=False)
    teams_tenant_id: str = ""
    teams_allow_unauthenticated: bool = False  # sandbox development on loopback only
    teams_allow_any_tenant: bool = False  # a multi-tenant bot: admins by object id only
    trust_slack_admins: bool = False  # Slack workspace admins are SecureMeet admins too
    metrics_token: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    # Credentials Microsoft's SDKs would pick up from the environment by themselves; never
    # used (bot/teams/sdk.py hides them), only refused next to the development switch.
    sdk_credentials: tuple[str, ...] = ()

    @property
    def sandbox(self) -> bool:
        return not (self.zoom_account_id and self.zoom_client_id and self.zoom_client_secret)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id and self.teams_app_password)

    @property
    def teams_on(self) -> bool:
        """Teams is served: with credentials, or unauthenticated for local development."""
        return self.teams_enabled or self.teams_allow_unauthenticated

    @property
    def live_settings(self) -> LiveSettings:
        """The live-duty timings (Zoom webhooks) these settings ask for."""
        return LiveSettings(quiet_seconds=self.lock_quiet_seconds,
                            waiting_interval=self.waiting_nudge_seconds,
                            host_left_grace=self.host_left_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, validate: bool = True,
                 **overrides: object) -> Config:
        """The settings in ``env`` (default: the process' environment), ``overrides`` on
        top. ``validate=False`` only for a command that needs one setting (an app id)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name, (var, read) in ENV.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = read(var, raw)
        values["sdk_credentials"] = tuple(v for v in SDK_CREDENTIALS if env.get(v, "").strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)  # type: ignore[arg-type]
        if validate:
            config.validate()
        return config

    def validate(self) -> None:
        try:
            ZoneInfo(self.default_tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"SECUREMEET_DEFAULT_TZ={self.default_tz!r} is not an IANA time "
                              "zone; use e.g. Asia/Kolkata or Europe/London.") from exc
        if self.policy_level not in LEVELS:
            raise ConfigError(f"SECUREMEET_POLICY={self.policy_level!r}: use one of "
                              f"{', '.join(LEVELS)}.")
        if self.zoom_plan not in PLANS or self.emulator_limits not in ("", *PLANS):
            raise ConfigError("SECUREMEET_ZOOM_PLAN and SECUREMEET_EMULATOR_LIMITS take one of "
                              f"{', '.join(PLANS)}.")
        zoom = [self.zoom_account_id, self.zoom_client_id, self.zoom_client_secret]
        if any(zoom) and not all(zoom):
            raise ConfigError("Set all of ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and "
                              "ZOOM_CLIENT_SECRET, or none of them for sandbox mode.")
        if bool(self.slack_bot_token) != bool(self.slack_signing_secret):
            raise ConfigError("Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN should be a bot token starting with xoxb-.")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN should be an app-level token starting with xapp-.")
        if bool(self.teams_app_id) != bool(self.teams_app_password):
            raise ConfigError("Teams needs both TEAMS_APP_ID and TEAMS_APP_PASSWORD (the Azure "
                              "bot's app id and a client secret of its app registration).")
        if self.db_path.startswith(("postgresql://", "postgres://")) and not self.secret_key:
            raise ConfigError(
                "SECUREMEET_SECRET_KEY is required with a PostgreSQL SECUREMEET_DB: there is "
                "no file beside the database to keep it in, and every replica needs the same "
                "one. Make one with `python -c \"import secrets; print(secrets.token_hex(32))\"`.")
        if self.teams_allow_unauthenticated and self.live_credentials():
            raise ConfigError(
                "TEAMS_ALLOW_UNAUTHENTICATED serves Teams without checking tokens, so it is "
                "only for sandbox development on this machine: unset it, or unset "
                + ", ".join(self.live_credentials()) + ".")
        if self.teams_enabled and not self.teams_tenant_id and not self.teams_allow_any_tenant:
            raise ConfigError(
                "Teams needs TEAMS_TENANT_ID (your Microsoft Entra tenant id): without it "
                "users of any tenant could use SecureMeet. For a multi-tenant bot set "
                "TEAMS_ALLOW_ANY_TENANT=1 instead (admins are then only the Entra object ids "
                "in SECUREMEET_ADMINS).")

    def live_credentials(self) -> list[str]:
        """The variables set that make this more than a sandbox on one machine."""
        found = [var for name, (var, _) in ENV.items() if name in _LIVE and getattr(self, name)]
        return found + list(self.sdk_credentials)

    def is_admin(self, *ids: str) -> bool:
        return any(i and i.lower() in self.admins for i in ids)

    def key_bytes(self) -> bytes:
        """The fingerprint key: SECUREMEET_SECRET_KEY, else a 0600 file beside a SQLite
        database (PostgreSQL requires the variable: :meth:`validate`)."""
        if self.secret_key:
            return self.secret_key.encode()
        path = Path(self.db_path + ".key")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

    def with_(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> list[tuple[str, str]]:
        """(setting, shown value) pairs; secrets show only whether they are set."""
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.repr:
                value = "set" if value else "not set"
            elif f.name == "db_path":
                value = without_password(value)
            elif isinstance(value, frozenset):
                value = ", ".join(sorted(value)) or "none"
            shown.append((ENV[f.name][0] if f.name in ENV else f.name, str(value)))
        return shown


# -- reading one variable ---------------------------------------------------------------
Reader = Callable[[str, str], object]


def _text(var: str, raw: str) -> str:
    return raw


def _flag(var: str, raw: str) -> bool:
    return raw.lower() in ("1", "true", "yes", "on")


def _admins(var: str, raw: str) -> frozenset[str]:
    return parse_admins(raw)


def _port(var: str, raw: str) -> int:
    return _whole(var, raw, least=1, most=65535)


def _threads(var: str, raw: str) -> int:
    return _whole(var, raw, least=1, most=MAX_THREADS)


def _level(var: str, raw: str) -> str:
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"{var}={raw!r}: use one of {', '.join(LOG_LEVELS)}.")
    return raw.upper()


def _plan(var: str, raw: str) -> str:
    if raw.lower() not in PLANS:
        raise ConfigError(f"{var}={raw!r}: use one of {', '.join(PLANS)} (Business, "
                          "Education, Enterprise and Partner accounts are business).")
    return raw.lower()


def _emulator_plan(var: str, raw: str) -> str:
    return "" if raw.lower() in ("off", "none", "0", "no", "false") else _plan(var, raw)


def _fraction(var: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.05 <= value <= 1:
        raise ConfigError(f"{var}={raw!r} must be a fraction from 0.05 to 1 (e.g. 0.9).")
    return value


def _whole(var: str, raw: str, *, least: int, most: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = least - 1
    if not least <= value <= most:
        raise ConfigError(f"{var}={raw!r} must be a number from {least} to {most}.")
    return value


def _seconds(least: float, most: float) -> Reader:
    def read(var: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not least <= value <= most:
            raise ConfigError(f"{var}={raw!r} must be a number of seconds from {least:g} "
                              f"to {most:g}.")
        return value
    return read


ENV: dict[str, tuple[str, Reader]] = {
    "db_path": ("SECUREMEET_DB", _text),
    "admins": ("SECUREMEET_ADMINS", _admins),
    "default_tz": ("SECUREMEET_DEFAULT_TZ", _text),
    "policy_level": ("SECUREMEET_POLICY", _text),
    "day_first": ("SECUREMEET_DAY_FIRST", _flag),
    "port": ("PORT", _port),
    "log_level": ("SECUREMEET_LOG_LEVEL", _level),
    "threads": ("SECUREMEET_THREADS", _threads),
    "lock_quiet_seconds": ("SECUREMEET_LOCK_QUIET_SECONDS", _seconds(0.1, 3600)),
    "waiting_nudge_seconds": ("SECUREMEET_WAITING_NUDGE_SECONDS", _seconds(0.1, 3600)),
    "host_left_seconds": ("SECUREMEET_HOST_LEFT_SECONDS", _seconds(0.1, 3600)),
    "recovery_grace_seconds": ("SECUREMEET_RECOVERY_GRACE_SECONDS", _seconds(0, 86400)),
    "recovery_interval_seconds": ("SECUREMEET_RECOVERY_INTERVAL_SECONDS", _seconds(0.1, 3600)),
    "timer_poll_seconds": ("SECUREMEET_TIMER_POLL_SECONDS", _seconds(0.05, 60)),
    "secret_key": ("SECUREMEET_SECRET_KEY", _text),
    "slack_bot_token": ("SLACK_BOT_TOKEN", _text),
    "slack_signing_secret": ("SLACK_SIGNING_SECRET", _text),
    "slack_app_token": ("SLACK_APP_TOKEN", _text),
    "slack_api_url": ("SLACK_API_URL", _text),
    "zoom_account_id": ("ZOOM_ACCOUNT_ID", _text),
    "zoom_client_id": ("ZOOM_CLIENT_ID", _text),
    "zoom_client_secret": ("ZOOM_CLIENT_SECRET", _text),
    "zoom_api_url": ("ZOOM_API_URL", _text),
    "zoom_oauth_url": ("ZOOM_OAUTH_URL", _text),
    "zoom_webhook_secret": ("ZOOM_WEBHOOK_SECRET_TOKEN", _text),
    "zoom_plan": ("SECUREMEET_ZOOM_PLAN", _plan),
    "zoom_rate_share": ("SECUREMEET_ZOOM_RATE_SHARE", _fraction),
    "zoom_cache_seconds": ("SECUREMEET_ZOOM_CACHE_SECONDS", _seconds(0, 3600)),
    "emulator_limits": ("SECUREMEET_EMULATOR_LIMITS", _emulator_plan),
    "teams_app_id": ("TEAMS_APP_ID", _text),
    "teams_app_password": ("TEAMS_APP_PASSWORD", _text),
    "teams_tenant_id": ("TEAMS_TENANT_ID", _text),
    "teams_allow_unauthenticated": ("TEAMS_ALLOW_UNAUTHENTICATED", _flag),
    "teams_allow_any_tenant": ("TEAMS_ALLOW_ANY_TENANT", _flag),
    "trust_slack_admins": ("SECUREMEET_TRUST_SLACK_ADMINS", _flag),
    "metrics_token": ("SECUREMEET_METRICS_TOKEN", _text),
}
SDK_CREDENTIALS = ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "MANAGED_IDENTITY_CLIENT_ID")
_LIVE = ("zoom_account_id", "zoom_client_id", "zoom_client_secret", "slack_bot_token",
         "slack_signing_secret", "slack_app_token", "teams_app_id", "teams_app_password",
         "teams_tenant_id")


def without_password(dsn: str) -> str:
    """A database URL as it may be shown: ``postgresql://sm:***@db/securemeet``."""
    parts = urlsplit(dsn)
    if "://" not in dsn or parts.password is None:
        return dsn
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def parse_admins(text: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())
