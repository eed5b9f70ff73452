"""Config from the environment: validated with messages that say what to do."""

from __future__ import annotations

import pytest

from bot.config import Config, ConfigError


def test_empty_environment_is_sandbox():
    config = Config.from_env({})
    assert config.sandbox and not config.slack_enabled and not config.teams_enabled
    assert config.port == 3000


def test_full_zoom_credentials_are_live():
    env = {"ZOOM_ACCOUNT_ID": "a", "ZOOM_CLIENT_ID": "b", "ZOOM_CLIENT_SECRET": "c"}
    assert not Config.from_env(env).sandbox


@pytest.mark.parametrize(("env", "message"), [
    ({"ZOOM_ACCOUNT_ID": "a"}, "ZOOM_CLIENT_SECRET"),
    ({"SECUREMEET_DEFAULT_TZ": "Mars/Olympus"}, "IANA"),
    ({"SECUREMEET_POLICY": "lax"}, "standard, strict"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": "abc", "SLACK_SIGNING_SECRET": "s"}, "xoxb-"),
    ({"SLACK_APP_TOKEN": "nope"}, "xapp-"),
    ({"PORT": "99999"}, "PORT"),
])
def test_bad_settings_are_refused_with_a_hint(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_admins_are_case_insensitive():
    config = Config.from_env({"SECUREMEET_ADMINS": "U123, Boss@Example.com"})
    assert config.is_admin("u123") and config.is_admin("boss@example.com")
    assert not config.is_admin("someone@example.com")


def test_describe_and_repr_never_show_secrets():
    env = {"SLACK_BOT_TOKEN": "xoxb-supersecret", "SLACK_SIGNING_SECRET": "sigsecret",
           "ZOOM_ACCOUNT_ID": "acct", "ZOOM_CLIENT_ID": "cid", "ZOOM_CLIENT_SECRET": "zsecret"}
    config = Config.from_env(env)
    shown = repr(config) + str(config.describe())
    for secret in ("xoxb-supersecret", "sigsecret", "zsecret"):
        assert secret not in shown
    assert ("SLACK_BOT_TOKEN", "set") in config.describe()


def test_key_file_is_private_and_stable(tmp_path):
    config = Config.from_env({"SECUREMEET_DB": str(tmp_path / "x.db")})
    key = config.key_bytes()
    assert key == config.key_bytes()
    assert (tmp_path / "x.db.key").stat().st_mode & 0o077 == 0


def test_a_postgresql_database_needs_the_secret_key_and_never_shows_its_password():
    from bot.config import Config, ConfigError

    url = "postgresql://sm:pa55w0rd@db.internal:5432/securemeet"
    with pytest.raises(ConfigError, match="SECUREMEET_SECRET_KEY"):
        Config.from_env({"SECUREMEET_DB": url})
    config = Config.from_env({"SECUREMEET_DB": url, "SECUREMEET_SECRET_KEY": "k" * 64})
    shown = dict(config.describe())
    assert shown["SECUREMEET_DB"] == "postgresql://sm:***@db.internal:5432/securemeet"
    assert "pa55w0rd" not in repr(config.describe())


def test_migrate_brings_a_new_database_to_the_current_schema(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import storage
    from bot.cli import main

    monkeypatch.setenv("SECUREMEET_DB", str(tmp_path / "m.db"))
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert f"schema version {storage.SCHEMA_VERSION}" in result.output
