"""The Teams app package: ``manifest.json`` plus two icons, zipped for upload to Teams.

``appPackage/manifest.json`` at the top of the repository is :func:`manifest` for the
placeholder app id; a test keeps the two identical, so edit this module and regenerate
the file with ``securemeet teams-package --print-manifest > appPackage/manifest.json``.
``securemeet teams-package --app-id <Azure bot's app id>`` writes the zip to upload.

Manifest schema v1.22, generally available (Microsoft's Teams app manifest reference
lists 1.22 as current; the fields used here exist since 1.5). The bot works in
personal chats, teams (channels) and group chats; the command menu lists the core's
commands (``commands.router.COMMANDS``) plus ``schedule``, in every scope. In a channel
or group chat Teams sends the bot only messages that @mention it.
``webApplicationInfo`` names the bot's Entra app (``api://botid-{id}``).
``defaultInstallScope`` is ``personal``: installed, SecureMeet lands in the user's 1:1
chat, where it says hello with the help and where invitations reach them. A
``composeExtensions`` entry with ``messageHandlers`` for Zoom's link domains makes
Teams ask the bot to preview a pasted Zoom link (``composeExtension/queryLink``: the
leak guard's safe preview); ``commands`` is empty, SecureMeet has no search.

Icons: ``color.png`` 192×192 (full colour) and ``outline.png`` 32×32 (white on
transparent), as Teams requires. :func:`color_icon` and :func:`outline_icon` draw them
(Pillow); ``appPackage/*.png`` are their output, and the zip takes the files from
``appPackage/`` when they are there (so they can be replaced by a designer's).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from commands import router

PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.22"
APP_VERSION = "1.0.0"
ACCENT = "#1D3557"
DEVELOPER_URL = "https://www.example.com/securemeet"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "appPackage"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MAX_COMMANDS = 10  # per command list (older Teams docs say 10, newer 12: the lower bound)
MAX_COMMAND_TITLE = 32
MAX_COMMAND_DESCRIPTION = 128

LINK_DOMAINS = ("zoom.us", "*.zoom.us", "zoom.com", "*.zoom.com")
SCHEDULE = ("schedule", "Schedule a locked-down Zoom meeting, e.g. schedule tomorrow 3pm for "
            "45m Budget review (or just the time).")
DESCRIPTION_SHORT = "Zoom meetings locked down by default: schedule, audit, end for all."
DESCRIPTION_FULL = (
    "SecureMeet schedules Zoom meetings that are locked down by default, following the "
    "CERT-In / Ministry of Home Affairs advisory: a fresh meeting ID, a strong passcode, "
    "a waiting room, no joining before the host, restricted recording. It reads every "
    "meeting back from Zoom and shows what is enforced and what is left to the host. "
    "Message it in a 1:1 chat, or @mention it in a channel: 'tomorrow 3pm for 45m "
    "Budget review', 'list', 'move <meeting ID> to <when>', 'cancel <meeting ID>', "
    "'audit <meeting ID>', 'end <meeting ID>', 'stats' (admins), 'help'. Add '@mentions' "
    "to invite people: each gets the link and passcode in their 1:1 chat with SecureMeet. "
    "Passcodes are only ever sent privately, and a pasted Zoom link gets a safe preview.")


class PackageError(ValueError):
    """The package cannot be built as asked (bad app id, missing icon)."""


def commands_list() -> list[dict[str, str]]:
    """``schedule`` plus every registered command, as the Teams command menu shows them."""
    items = [SCHEDULE] + [(name, command.summary) for name, command in router.COMMANDS.items()]
    return [{"title": name[:MAX_COMMAND_TITLE],
             "description": _cut(summary.replace("`", "'"), MAX_COMMAND_DESCRIPTION)}
            for name, summary in items][:MAX_COMMANDS]


def manifest(app_id: str = PLACEHOLDER_ID, *, host: str | None = None,
             link_domains: tuple[str, ...] = ()) -> dict[str, Any]:
    """The manifest for bot ``app_id``; ``host`` (the server's public host name) is
    added to ``validDomains``; ``link_domains`` (join-link hosts of the account's own)
    to Zoom's for link unfurling."""
    if not GUID.match(app_id):
        raise PackageError(f"{app_id!r} is not an app id: use the Azure bot's Microsoft App "
                           "ID, a GUID like 6f1c2a9e-0b7d-4c1e-9a53-2d8e4f6b7c10.")
    domains = ["token.botframework.com"]
    if host:
        domains.insert(0, _host(host))
    scopes = ["personal", "team", "groupChat"]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {  # shown in the app's details; replace before publishing org-wide
            "name": "SecureMeet",
            "websiteUrl": DEVELOPER_URL,
            "privacyUrl": DEVELOPER_URL + "#privacy",
            "termsOfUseUrl": DEVELOPER_URL + "#terms",
        },
        "name": {"short": "SecureMeet", "full": "SecureMeet: locked-down Zoom meetings"},
        "description": {"short": DESCRIPTION_SHORT, "full": DESCRIPTION_FULL},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": scopes,
            "isNotificationOnly": False,
            "supportsFiles": False,
            "supportsCalling": False,
            "supportsVideo": False,
            "commandLists": [{"scopes": scopes, "commands": commands_list()}],
        }],
        "composeExtensions": [{
            "botId": app_id,
            "commands": [],
            "messageHandlers": [{"type": "link", "value": {
                "domains": list(dict.fromkeys((*LINK_DOMAINS, *link_domains)))}}],
        }],
        "defaultInstallScope": "personal",
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": domains,
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def package(app_id: str, *, host: str | None = None,
            icons_dir: Path | None = PACKAGE_DIR) -> bytes:
    """The zip to upload: ``manifest.json``, ``color.png``, ``outline.png`` at its root."""
    icons = {}
    for name, draw in (("color.png", color_icon), ("outline.png", outline_icon)):
        path = icons_dir / name if icons_dir is not None else None
        icons[name] = path.read_bytes() if path is not None and path.exists() else draw()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_entry("manifest.json"), to_json(manifest(app_id, host=host)))
        for name, data in icons.items():
            zf.writestr(_entry(name), data)
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible zips
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


# icons ------------------------------------------------------------------------------------
def color_icon() -> bytes:
    """192×192: a white padlock on the accent colour."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (192, 192), ACCENT)
    _padlock(ImageDraw.Draw(image), 192, (255, 255, 255), ACCENT)
    return _png(image)


def outline_icon() -> bytes:
    """32×32: the padlock in white on a transparent background."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    _padlock(ImageDraw.Draw(image), 32, (255, 255, 255, 255), (0, 0, 0, 0))
    return _png(image)


def _padlock(draw: Any, size: int, ink: Any, hole: Any) -> None:
    s = size / 32
    shackle = [round(v * s) for v in (10, 4, 22, 20)]
    draw.rounded_rectangle(shackle, radius=round(6 * s), outline=ink, width=max(2, round(3 * s)))
    draw.rounded_rectangle([round(v * s) for v in (6, 14, 26, 29)], radius=round(3 * s),
                           fill=ink)
    draw.ellipse([round(v * s) for v in (14, 18, 18, 22)], fill=hole)
    draw.rectangle([round(v * s) for v in (15, 21, 17, 25)], fill=hole)


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _host(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url.strip()).split("/")[0].split(":")[0]
    if not host or " " in host:
        raise PackageError(f"{url!r} is not a host name or URL")
    return host


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
