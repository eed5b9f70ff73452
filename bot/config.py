"""One frozen settings object read from the environment, validated at start-up.

Explicit arguments win over the environment. A front end whose secrets are missing is
switched off with one clear log line rather than crashing the rest; missing Zoom
credentials switch the whole bot to sandbox mode (the built-in Zoom emulator).
Secrets are ``repr=False`` and :meth:`Config.describe` never shows them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands.policy import LEVELS


class ConfigError(ValueError):
    """A setting is wrong; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Config:
    db_path: str = "securemeet.db"
    admins: frozenset[str] = frozenset()
    default_tz: str = "UTC"
    policy_level: str = "standard"
    day_first: bool = False
    port: int = 3000
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
    teams_app_id: str = ""
    teams_app_password: str = field(default="", repr=False)
    teams_tenant_id: str = ""
    teams_allow_unauthenticated: bool = False  # local development only, never with an app id
    secret_key: str = field(default="", repr=False)

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Config:
        env = os.environ if env is None else env
        values: dict[str, object] = {
            name: env[var] for name, var in ENV.items() if env.get(var, "").strip()
        }
        if "admins" in values:
            values["admins"] = parse_admins(str(values["admins"]))
        for flag in ("day_first", "teams_allow_unauthenticated"):
            if flag in values:
                values[flag] = str(values[flag]).strip().lower() in ("1", "true", "yes", "on")
        if "port" in values:
            values["port"] = _port(str(values["port"]))
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)  # type: ignore[arg-type]
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
        if self.teams_allow_unauthenticated and self.teams_app_id:
            raise ConfigError("TEAMS_ALLOW_UNAUTHENTICATED is for local development without "
                              "credentials; unset it when TEAMS_APP_ID is set.")

    def is_admin(self, *ids: str) -> bool:
        return any(i and i.lower() in self.admins for i in ids)

    def key_bytes(self) -> bytes:
        """The fingerprint key: SECUREMEET_SECRET_KEY, else a 0600 file beside the DB."""
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
            elif isinstance(value, frozenset):
                value = ", ".join(sorted(value)) or "none"
            shown.append((ENV.get(f.name, f.name), str(value)))
        return shown


ENV: dict[str, str] = {
    "db_path": "SECUREMEET_DB",
    "admins": "SECUREMEET_ADMINS",
    "default_tz": "SECUREMEET_DEFAULT_TZ",
    "policy_level": "SECUREMEET_POLICY",
    "day_first": "SECUREMEET_DAY_FIRST",
    "port": "PORT",
    "secret_key": "SECUREMEET_SECRET_KEY",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "zoom_account_id": "ZOOM_ACCOUNT_ID",
    "zoom_client_id": "ZOOM_CLIENT_ID",
    "zoom_client_secret": "ZOOM_CLIENT_SECRET",
    "zoom_api_url": "ZOOM_API_URL",
    "zoom_oauth_url": "ZOOM_OAUTH_URL",
    "zoom_webhook_secret": "ZOOM_WEBHOOK_SECRET_TOKEN",
    "teams_app_id": "TEAMS_APP_ID",
    "teams_app_password": "TEAMS_APP_PASSWORD",
    "teams_tenant_id": "TEAMS_TENANT_ID",
    "teams_allow_unauthenticated": "TEAMS_ALLOW_UNAUTHENTICATED",
}


def parse_admins(text: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise ConfigError(f"PORT={text!r} must be a number from 1 to 65535.")
    return port


def seconds_from_env(env: Mapping[str, str], var: str, *, least: float, most: float,
                     default: float) -> float:
    """A number of seconds from ``env[var]`` within [least, most], else ``default``."""
    raw = env.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not least <= value <= most:
        raise ConfigError(f"{var}={raw!r} must be a number of seconds from {least:g} "
                          f"to {most:g}.")
    return value
