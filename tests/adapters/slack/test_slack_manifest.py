"""manifest.yml: parses, is complete, names every command, and matches the generator."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.slack import manifest as m
from commands import router
from tests.paths import ROOT

TOP = ROOT / "manifest.yml"


def load() -> dict:
    return yaml.safe_load(TOP.read_text())


def test_file_is_what_the_generator_prints():
    assert TOP.read_text() == m.to_yaml(m.PLACEHOLDER_URL), (
        "manifest.yml is stale: securemeet manifest --url https://YOUR-HOST.example.com "
        "> manifest.yml")


def test_complete_for_http():
    data = load()
    assert data["display_information"]["name"] == "SecureMeet"
    assert data["features"]["bot_user"]["display_name"] == "SecureMeet"
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/securemeet" and command["should_escape"] is True
    assert command["url"] == f"{m.PLACEHOLDER_URL}/slack/events"
    assert set(data["oauth_config"]["scopes"]["bot"]) >= {
        "commands", "chat:write", "users:read", "users:read.email", "im:write", "files:write",
        "links:read", "links:write"}
    assert data["features"]["unfurl_domains"] == ["zoom.us", "zoom.com"]
    settings = data["settings"]
    assert settings["event_subscriptions"]["request_url"] == command["url"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", "link_shared"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": command["url"]}
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_slack_field_limits():
    data = load()
    info = data["display_information"]
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    (command,) = data["features"]["slash_commands"]
    assert len(command["usage_hint"]) <= 1000 and len(command["description"]) <= 2000


def test_every_command_is_named():
    data = load()
    (command,) = data["features"]["slash_commands"]
    text = " ".join([command["usage_hint"], command["description"],
                     data["display_information"]["long_description"]])
    for name in router.COMMANDS:
        assert name in text, f"manifest.yml does not mention the {name!r} command"


def test_cli_fills_in_the_url():
    result = CliRunner().invoke(main, ["manifest", "--url", "https://bot.example.org/"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    url = "https://bot.example.org/slack/events"
    assert data["features"]["slash_commands"][0]["url"] == url
    assert data["settings"]["interactivity"]["request_url"] == url
    assert data["settings"]["event_subscriptions"]["request_url"] == url


def test_cli_socket_mode_drops_urls():
    result = CliRunner().invoke(main, ["manifest", "--socket-mode"])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "url" not in data["features"]["slash_commands"][0]
    assert "request_url" not in data["settings"]["interactivity"]
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert "https://" not in result.output.split("long_description")[0]


def test_cli_refuses_a_non_url():
    result = CliRunner().invoke(main, ["manifest", "--url", "bot.example.org"])
    assert result.exit_code != 0 and "https://" in result.output


def test_a_join_link_host_of_the_accounts_own_is_an_unfurl_domain_too():
    result = CliRunner().invoke(main, ["manifest", "--url", "https://h.example",
                                       "--link-domain", "meet.acme.example",
                                       "--link-domain", "acme.zoom.us"])
    assert result.exit_code == 0, result.output
    domains = yaml.safe_load(result.output)["features"]["unfurl_domains"]
    assert domains == ["zoom.us", "zoom.com", "meet.acme.example"]  # acme.zoom.us: covered
    bad = CliRunner().invoke(main, ["manifest", "--link-domain", "not a domain"])
    assert bad.exit_code != 0 and "not a domain" in bad.output
