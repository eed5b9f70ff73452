"""Teams settings: both credentials or none; the development switch never with an app id."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError

APP = {"TEAMS_APP_ID": "6f1c2a9e-0b7d-4c1e-9a53-2d8e4f6b7c10", "TEAMS_APP_PASSWORD": "s3cret"}


def test_no_teams_settings_means_teams_is_off():
    config = Config.from_env({})
    assert not config.teams_enabled and not config.teams_on


def test_both_credentials_and_a_tenant_turn_teams_on():
    config = Config.from_env(APP | {"TEAMS_TENANT_ID": "tenant-1"})
    assert config.teams_enabled and config.teams_on
    assert config.teams_tenant_id == "tenant-1"
    assert "s3cret" not in repr(config)
    assert ("TEAMS_APP_PASSWORD", "set") in config.describe()


@pytest.mark.parametrize("only", ["TEAMS_APP_ID", "TEAMS_APP_PASSWORD"])
def test_one_credential_alone_is_a_mistake_said_at_start_up(only):
    with pytest.raises(ConfigError, match="TEAMS_APP_ID and TEAMS_APP_PASSWORD"):
        Config.from_env({only: APP[only]})


@pytest.mark.parametrize("value, on", [("1", True), ("true", True), ("YES", True), ("on", True),
                                       ("0", False), ("false", False), ("no", False)])
def test_the_development_switch(value, on):
    config = Config.from_env({"TEAMS_ALLOW_UNAUTHENTICATED": value})
    assert config.teams_allow_unauthenticated is on
    assert config.teams_on is on and not config.teams_enabled


def test_the_development_switch_is_refused_with_credentials():
    with pytest.raises(ConfigError, match="TEAMS_ALLOW_UNAUTHENTICATED"):
        Config.from_env(APP | {"TEAMS_ALLOW_UNAUTHENTICATED": "1"})


LIVE = {
    "ZOOM_ACCOUNT_ID": "acc", "ZOOM_CLIENT_ID": "cid", "ZOOM_CLIENT_SECRET": "zsecret",
    "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "ssecret",
}


@pytest.mark.parametrize("names", [
    ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"),
    ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    ("CLIENT_ID",), ("CLIENT_SECRET",), ("TENANT_ID",), ("MANAGED_IDENTITY_CLIENT_ID",),
])
def test_the_development_switch_is_only_for_a_sandbox(names):
    """Security finding 1: next to live Zoom or Slack credentials, or credentials the
    Teams SDK would find in the environment by itself, the switch is refused at start-up,
    with one line naming the variables."""
    env = {name: LIVE.get(name, "x") for name in names} | {"TEAMS_ALLOW_UNAUTHENTICATED": "1"}
    with pytest.raises(ConfigError) as refused:
        Config.from_env(env)
    message = str(refused.value)
    assert "TEAMS_ALLOW_UNAUTHENTICATED" in message and "\n" not in message
    assert all(name in message for name in names)
    assert all(value not in message for value in ("zsecret", "ssecret", "xoxb-1"))


def test_serve_exits_at_start_when_the_switch_meets_live_credentials(monkeypatch):
    from click.testing import CliRunner

    from bot.cli import main

    for name, value in (LIVE | {"TEAMS_ALLOW_UNAUTHENTICATED": "1"}).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["serve", "--port", "3999"])
    assert result.exit_code == 1
    assert "TEAMS_ALLOW_UNAUTHENTICATED" in result.output and "ZOOM_ACCOUNT_ID" in result.output
    assert "Traceback" not in result.output


def test_credentials_need_a_tenant_unless_any_tenant_is_asked_for():
    """Security finding 2: without TEAMS_TENANT_ID, users of every tenant would be served."""
    with pytest.raises(ConfigError, match="TEAMS_TENANT_ID"):
        Config.from_env(APP)
    config = Config.from_env(APP | {"TEAMS_ALLOW_ANY_TENANT": "1"})
    assert config.teams_enabled and config.teams_allow_any_tenant
