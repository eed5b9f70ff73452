"""Teams settings: both credentials or none; the development switch never with an app id."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError

APP = {"TEAMS_APP_ID": "6f1c2a9e-0b7d-4c1e-9a53-2d8e4f6b7c10", "TEAMS_APP_PASSWORD": "s3cret"}


def test_no_teams_settings_means_teams_is_off():
    config = Config.from_env({})
    assert not config.teams_enabled and not config.teams_on


def test_both_credentials_turn_teams_on():
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
