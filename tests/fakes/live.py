"""The settings that point a live SecureMeet (credentials set, not the sandbox) at the
fakes: the fake Slack Web API and the Zoom emulator, both on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from bot.zoom_emulator import ZoomEmulator
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack


def live_env(slack: FakeSlack, emulator: ZoomEmulator, db: str | Path,
             **extra: str) -> dict[str, str]:
    """Slack's and Zoom's credentials and URLs, and the database; ``extra`` on top."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url, "ZOOM_ACCOUNT_ID": emulator.account_id,
        "ZOOM_CLIENT_ID": emulator.client_id, "ZOOM_CLIENT_SECRET": emulator.client_secret,
        "ZOOM_API_URL": emulator.api_url, "ZOOM_OAUTH_URL": emulator.oauth_url,
        "SECUREMEET_DB": str(db), **extra,
    }
