"""The Teams app package: manifest.json (kept equal to the generator), icons, the zip, the CLI.

The manifest's rules below are the Teams app manifest schema's (v1.22) for the fields
used: the schema itself is not available offline, so its limits are written out.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.cli import main
from bot.teams import manifest as m
from commands import router
from tests.paths import ROOT as TOP

PACKAGE = TOP / "appPackage"
APP_ID = "6f1c2a9e-0b7d-4c1e-9a53-2d8e4f6b7c10"


def load() -> dict:
    return json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))


def test_the_committed_manifest_is_what_the_generator_prints():
    assert (PACKAGE / "manifest.json").read_text(encoding="utf-8") == m.to_json(m.manifest()), (
        "appPackage/manifest.json is stale: securemeet teams-package --print-manifest "
        "> appPackage/manifest.json")


def test_the_manifest_follows_the_schema_rules_for_its_fields():
    data = load()
    assert data["manifestVersion"] == "1.22"
    assert data["$schema"].endswith(f"/v{data['manifestVersion']}/MicrosoftTeams.schema.json")
    assert re.fullmatch(r"\d+\.\d+\.\d+", data["version"])
    assert m.GUID.match(data["id"])
    assert len(data["name"]["short"]) <= 30 and len(data["name"]["full"]) <= 100
    assert len(data["description"]["short"]) <= 80
    assert len(data["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", data["accentColor"])
    assert all(data["developer"][k].startswith("https://")
               for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert data["icons"] == {"color": "color.png", "outline": "outline.png"}
    (bot,) = data["bots"]
    assert bot["botId"] == data["id"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == bot["scopes"]
    assert 1 <= len(commands["commands"]) <= 10
    for command in commands["commands"]:
        assert set(command) == {"title", "description"}
        assert 1 <= len(command["title"]) <= 32 and 1 <= len(command["description"]) <= 128
    for domain in data["validDomains"]:
        assert "://" not in domain and "/" not in domain
    assert data["webApplicationInfo"] == {"id": data["id"],
                                          "resource": f"api://botid-{data['id']}"}
    assert set(data["permissions"]) <= {"identity", "messageTeamMembers"}


def test_the_command_menu_is_schedule_plus_every_registered_command():
    titles = [c["title"] for c in load()["bots"][0]["commandLists"][0]["commands"]]
    assert titles == ["schedule", *router.COMMANDS]


def image(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        return _keep_format(opened)


def _keep_format(opened: Image.Image) -> Image.Image:
    copy = opened.copy()
    copy.format = opened.format
    return copy


def test_the_icons_are_what_teams_asks_for():
    color = image((PACKAGE / "color.png").read_bytes())
    outline = image((PACKAGE / "outline.png").read_bytes())
    assert color.format == outline.format == "PNG"
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    pixels = set(outline.get_flattened_data()) if hasattr(outline, "get_flattened_data") \
        else {outline.getpixel((x, y)) for x in range(32) for y in range(32)}
    assert pixels == {(0, 0, 0, 0), (255, 255, 255, 255)}  # white on transparent only


def test_the_committed_icons_are_what_the_drawing_code_makes():
    for name, draw in (("color.png", m.color_icon), ("outline.png", m.outline_icon)):
        committed = image((PACKAGE / name).read_bytes())
        drawn = image(draw())
        assert committed.mode == drawn.mode and committed.size == drawn.size
        assert committed.tobytes() == drawn.tobytes(), f"regenerate appPackage/{name}"


def test_the_package_carries_the_app_id_everywhere():
    with zipfile.ZipFile(io.BytesIO(m.package(APP_ID, host="https://meet.example.org/x"))) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(zf.read("manifest.json"))
        assert zf.read("color.png") == (PACKAGE / "color.png").read_bytes()
    assert data["id"] == data["bots"][0]["botId"] == data["webApplicationInfo"]["id"] == APP_ID
    assert data["webApplicationInfo"]["resource"] == f"api://botid-{APP_ID}"
    assert m.PLACEHOLDER_ID not in json.dumps(data)
    assert data["validDomains"][0] == "meet.example.org"


def test_the_package_draws_the_icons_when_the_folder_is_not_there(tmp_path):
    with zipfile.ZipFile(io.BytesIO(m.package(APP_ID, icons_dir=tmp_path))) as zf:
        assert image(zf.read("outline.png")).size == (32, 32)


def test_the_package_is_reproducible():
    assert m.package(APP_ID) == m.package(APP_ID)


@pytest.mark.parametrize("bad", ["", "nope", "6f1c2a9e0b7d4c1e9a532d8e4f6b7c10", "x" * 36])
def test_an_app_id_must_be_a_guid(bad):
    with pytest.raises(m.PackageError):
        m.manifest(bad)


def test_cli_writes_the_zip(tmp_path, monkeypatch):
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    out = tmp_path / "pkg.zip"
    result = CliRunner().invoke(main, ["teams-package", "--app-id", APP_ID, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("manifest.json"))["id"] == APP_ID
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    result = CliRunner().invoke(main, ["teams-package", "--out", str(tmp_path / "env.zip")])
    assert result.exit_code == 0 and (tmp_path / "env.zip").exists()


def test_cli_says_what_is_missing_or_wrong(tmp_path, monkeypatch):
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    missing = CliRunner().invoke(main, ["teams-package", "--out", str(tmp_path / "a.zip")])
    assert missing.exit_code == 2 and "--app-id" in missing.output
    wrong = CliRunner().invoke(main, ["teams-package", "--app-id", "nope",
                                      "--out", str(tmp_path / "b.zip")])
    assert wrong.exit_code == 2 and "is not an app id" in wrong.output
    assert not (tmp_path / "a.zip").exists() and not (tmp_path / "b.zip").exists()


def test_cli_prints_the_committed_manifest():
    result = CliRunner().invoke(main, ["teams-package", "--print-manifest"], env={
        "TEAMS_APP_ID": ""})
    assert result.exit_code == 0
    assert result.output == (PACKAGE / "manifest.json").read_text(encoding="utf-8")


def test_personal_by_default_and_zoom_links_are_unfurled_by_the_bot():
    data = m.manifest()
    assert data["defaultInstallScope"] == "personal"
    (extension,) = data["composeExtensions"]
    assert extension["botId"] == data["bots"][0]["botId"] and extension["commands"] == []
    (handler,) = extension["messageHandlers"]
    assert handler["type"] == "link"
    assert {"zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com"} <= set(handler["value"]["domains"])
