"""The Adaptive Card renderer: schema, secrets, actions, limits, and parity with Slack.

Every card is checked against ``tests/schemas/adaptive-card-1.5.trimmed.json``: the
published Adaptive Cards 1.5 schema is not available offline here, so that file is a
trimmed one written for these tests — the elements and actions the renderer uses, with
the published property names, enums, required fields and ``additionalProperties:
false``. (The Teams SDK's own card models were tried as a validator: they accept
unknown element types and enum values, so they cannot catch a wrong card.)

A snapshot of a whole card lives in ``tests/snapshots/teams_meeting_card.json``; after
a deliberate layout change run ``SNAPSHOT_UPDATE=1 .venv/bin/python -m pytest
tests/test_teams_cards.py`` and review the diff.
"""

from __future__ import annotations

import base64
import json
import os
import re
from typing import Any

import jsonschema
import pytest

from bot.slack import blocks
from bot.teams import cards
from commands import router
from commands.reply import (
    CHECKS_HEADING,
    DUTIES_HEADING,
    Action,
    CheckItem,
    Fact,
    Reply,
    Status,
    error_reply,
)
from tests import paths

SCHEMA = json.loads((paths.SCHEMAS /
                     "adaptive-card-1.5.trimmed.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
SNAPSHOTS = paths.SNAPSHOTS
PASSCODE = "a*B7_k*9@z"  # two asterisks: Markdown would turn "B7_k" into italics
JOIN = "https://zoom.us/j/12345678901?pwd=SECRETpwdVALUE.1"

MEETING = Reply(
    title="🔒 Budget review",
    text="Your meeting is ready and locked down. Share the link and passcode privately.",
    facts=(
        Fact("When", "Mon 30 Nov 2026, 15:00–15:45 IST"),
        Fact("Duration", "45 min"),
        Fact("Join link", JOIN, url=JOIN),
        Fact("Meeting ID", "123 4567 8901"),
        Fact("Passcode", PASSCODE, secret=True),
    ),
    checklist=(
        CheckItem("waiting-room", "Waiting room on", Status.DONE, "on: people wait"),
        CheckItem("host-only-share", "Only the host shares screen", Status.FAIL,
                  "participants can share (host setting)"),
        CheckItem("no-rejoin-removed", "Removed people cannot rejoin", Status.MANUAL,
                  "Zoom web portal → Settings"),
        CheckItem("share-privately", "Share the link privately", Status.TODO,
                  "never in a public channel"),
        CheckItem("lock-when-joined", "Lock once everyone is in", Status.TODO),
    ),
    actions=(
        Action("End meeting for all", "end 12345678901", style="danger",
               confirm="End this meeting for everyone in it?"),
        Action("Audit", "audit 12345678901"),
        Action("Add to calendar", "calendar 12345678901"),
        Action("Fix: Only the host shares screen", "fix 12345678901 host-only-share confirm",
               style="primary", confirm="Change this host's Zoom setting?"),
    ),
    notes=("Policy: standard (MHA advisory)",),
    sandbox=True,
)


def valid(card: dict[str, Any]) -> dict[str, Any]:
    errors = sorted(VALIDATOR.iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return card


def texts(card: dict[str, Any]) -> list[str]:
    """Every string a reader sees on the card, shown cards included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value", "fallbackText") and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def everything(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return card.get("actions", [])


# the schema ----------------------------------------------------------------------------
def test_the_trimmed_schema_is_a_valid_schema_and_catches_mistakes():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    card = cards.render(MEETING)
    for broken in (
        {**card, "version": "1.6"},  # newer than Teams supports
        {**card, "msteams": {"width": "Full"}},  # not in the 1.5 schema
        {**card, "body": [*card["body"], {"type": "TextBlok", "text": "x"}]},
        {**card, "body": [*card["body"], {"type": "TextBlock", "text": "x", "size": "huge"}]},
        {**card, "body": [*card["body"], {"type": "FactSet", "facts": [{"title": "x"}]}]},
        {**card, "actions": [{"type": "Action.OpenUrl", "title": "no url"}]},
    ):
        assert list(VALIDATOR.iter_errors(broken)), broken


@pytest.mark.parametrize("reply", [
    MEETING,
    error_reply("That time is in the past. Pick a later one.", examples=("tomorrow 3pm",)),
    Reply(title="Nothing"),
    Reply(title="x" * 500, text="y" * 5000, facts=(Fact("k" * 300, "v" * 3000),)),
], ids=["meeting", "error", "bare", "long"])
def test_cards_are_valid_adaptive_cards_1_5(reply):
    for public in (False, True):
        card = valid(cards.render(reply, public=public))
        assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
        assert card["body"][0]["style"] == "heading"


def test_help_from_the_registry_is_a_valid_card_and_speaks_teams(tmp_path):
    from bot.bootstrap import bootstrap
    from bot.config import Config
    from commands.context import Requester

    class NoZoom:  # help never calls Zoom
        pass

    services = bootstrap(Config(db_path=str(tmp_path / "h.db")), zoom=NoZoom())  # type: ignore[arg-type]
    try:
        reply = router.dispatch(services.ctx, Requester("teams:x", "teams", ""), "help")
    finally:
        services.close()
    card = valid(cards.render(reply))
    shown = " ".join(texts(card))
    assert "/securemeet" not in shown and "@SecureMeet audit" in shown


def test_snapshot_of_a_meeting_card():
    card = cards.render(MEETING)
    path = SNAPSHOTS / "teams_meeting_card.json"
    text = json.dumps(card, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("SNAPSHOT_UPDATE") or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


# content -------------------------------------------------------------------------------
def test_layout_title_text_facts_checklist_notes():
    card = valid(cards.render(MEETING))
    body = card["body"]
    assert body[0]["text"] == "🔒 Budget review" and body[0]["weight"] == "bolder"
    assert body[1]["text"].startswith("Your meeting is ready")
    facts = {f["title"]: f["value"] for f in body[2]["facts"]}
    assert facts["Meeting ID"] == "123 4567 8901"
    assert cards.md_unescape(facts["Passcode"]) == PASSCODE
    lines = [b["text"] for b in body[3:] if b["type"] == "TextBlock"]
    assert lines[0] == CHECKS_HEADING and DUTIES_HEADING in lines
    assert "✓ **Waiting room on** — on: people wait" in lines
    assert any(line.startswith("✗ **Only the host shares screen**") for line in lines)
    assert any(line.startswith("? **Removed people cannot rejoin**") for line in lines)
    assert "☐ **Lock once everyone is in**" in lines
    colors = {b["text"][0]: b.get("color") for b in body
              if b.get("text", "")[:1] in ("✓", "✗")}
    assert colors == {"✓": "good", "✗": "attention"}
    assert body[-2]["text"] == "Policy: standard (MHA advisory)" and body[-2]["isSubtle"]
    assert body[-1]["text"] == cards.SANDBOX_NOTE


def test_a_passcode_keeps_its_asterisks_and_underscores():
    fact = next(f for f in cards.render(MEETING)["body"][2]["facts"] if f["title"] == "Passcode")
    assert fact["value"] == r"a\*B7\_k\*9@z"  # Teams renders the backslash escapes away
    assert cards.md_unescape(fact["value"]) == PASSCODE


def test_public_card_has_no_passcode_and_no_pwd_anywhere():
    card = valid(cards.render(MEETING, public=True))
    dumped = everything(card)
    assert PASSCODE not in dumped and cards.md_escape(PASSCODE) not in dumped
    assert "pwd=" not in dumped and "SECRETpwd" not in dumped
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert "Passcode" not in facts
    assert facts["Join link"] == "[https://zoom.us/j/12345678901](https://zoom.us/j/12345678901)"


def test_previews_never_carry_the_passcode_even_for_the_private_card():
    card = cards.render(MEETING)
    assert PASSCODE not in card["fallbackText"] and "pwd=" not in card["fallbackText"]
    message = cards.message(MEETING)
    assert message["summary"] == "🔒 Budget review"
    assert message["attachments"][0]["contentType"] == cards.CONTENT_TYPE


# actions -------------------------------------------------------------------------------
def test_link_facts_become_open_url_buttons():
    first = buttons(valid(cards.render(MEETING)))[0]
    assert first == {"type": "Action.OpenUrl", "title": "Open join link", "url": JOIN}
    public_first = buttons(cards.render(MEETING, public=True))[0]
    assert public_first["url"] == "https://zoom.us/j/12345678901"


def test_actions_are_execute_with_a_submit_fallback_carrying_the_same_data():
    audit = next(b for b in buttons(cards.render(MEETING)) if b.get("verb") == "audit")
    assert audit == {
        "type": "Action.Execute", "title": "Audit", "verb": "audit",
        "data": {"command": "audit 12345678901"},
        "fallback": {"type": "Action.Submit", "title": "Audit",
                     "data": {"command": "audit 12345678901"}},
    }
    assert cards.command_from(audit["data"]) == "audit 12345678901"
    assert cards.command_from(audit["fallback"]["data"]) == "audit 12345678901"


def test_a_button_on_a_card_sent_before_buttons_carried_commands_still_works():
    assert cards.command_from({"action": "fix", "value": "123:waiting-room"}) == \
        "fix 123 waiting-room"


def test_an_action_with_a_confirmation_unfolds_a_card_that_asks_first():
    end = next(b for b in buttons(cards.render(MEETING)) if b["title"] == "End meeting for all")
    assert end["type"] == "Action.ShowCard"
    shown = end["card"]
    assert shown["body"][0]["text"] == "End this meeting for everyone in it?"
    (yes,) = shown["actions"]
    assert yes["type"] == "Action.Execute" and yes["title"] == "Yes, end meeting for all"
    assert yes["style"] == "destructive" and yes["fallback"]["style"] == "destructive"
    assert yes["data"] == {"command": "end 12345678901"}
    fix = next(b for b in buttons(cards.render(MEETING)) if b["title"].startswith("Fix"))
    assert fix["card"]["actions"][0]["data"]["command"] == \
        "fix 12345678901 host-only-share confirm"


def test_more_than_six_buttons_go_to_the_overflow_menu():
    reply = Reply(title="Many", actions=tuple(Action(f"Audit {i}", f"audit {i}")
                                              for i in range(9)))
    card = valid(cards.render(reply))
    modes = [b.get("mode", "primary") for b in card["actions"]]
    assert modes == ["primary"] * 6 + ["secondary"] * 3


@pytest.mark.parametrize("data", [None, "end", {}, {"action": "end"}, {"value": "1"},
                                  {"action": 3, "value": "1"}, {"action": "", "value": "1"},
                                  {"command": ""}, {"command": 3}, {"command": "x" * 501}])
def test_junk_action_data_is_not_an_action(data):
    assert cards.command_from(data) is None


# files ---------------------------------------------------------------------------------
def test_a_small_text_file_is_shown_to_copy_and_an_image_travels_inline():
    ics = b"BEGIN:VCALENDAR\r\nSUMMARY:Budget *review*\r\nEND:VCALENDAR\r\n"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    reply = Reply(title="Files", attachments=(("invite.ics", "text/calendar", ics),
                                              ("chart.png", "image/png", png)))
    message = cards.message(reply)
    card = valid(message["attachments"][0]["content"])
    shown = [b for b in card["body"] if b.get("fontType") == "monospace"]
    assert cards.md_unescape(shown[0]["text"]) == ics.decode()
    assert any("Save this as **invite.ics**" in t for t in texts(card))
    image = message["attachments"][1]
    assert image["contentType"] == "image/png" and image["name"] == "chart.png"
    assert base64.b64decode(image["contentUrl"].split(",", 1)[1]) == png


def test_files_too_large_for_a_message_are_named_not_sent():
    reply = Reply(title="Files", attachments=(("big.csv", "text/csv", b"x" * 10_000),
                                              ("big.png", "image/png", b"y" * 100_000)))
    message = cards.message(reply)
    assert len(message["attachments"]) == 1
    shown = " ".join(texts(message["attachments"][0]["content"]))
    assert "big.csv is too large" in shown and "big.png is too large" in shown


def test_a_huge_reply_is_cut_to_fit_a_teams_message_keeping_notes_and_buttons():
    items = tuple(CheckItem(f"r{i}", f"Rule {i} " + "z" * 300, Status.DONE) for i in range(200))
    reply = Reply(title="Huge", checklist=items, notes=("Policy: strict",),
                  actions=(Action("Audit", "audit 1"),))
    card = valid(cards.render(reply))
    assert cards.size(card) <= cards.MAX_CARD_BYTES
    assert card["body"][-1]["text"] == "Policy: strict"
    assert re.match(r"… \d+ more item\(s\) not shown", card["body"][-2]["text"])
    assert card["actions"][0]["verb"] == "audit"


# parity with Slack -----------------------------------------------------------------------
def slack_text(message: dict[str, Any]) -> str:
    parts: list[str] = []
    for block in message["blocks"]:
        if "text" in block and isinstance(block["text"], dict):
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
    return blocks_unescape("\n".join(parts))


def blocks_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def teams_facts(card: dict[str, Any]) -> list[tuple[str, str]]:
    facts = next(b for b in card["body"] if b["type"] == "FactSet")["facts"]
    link = re.compile(r"^\[(.*)\]\((.*)\)$")
    out = []
    for f in facts:
        value = f["value"]
        match = link.match(value)
        if match:
            value = match.group(1)
        out.append((cards.md_unescape(f["title"]), cards.md_unescape(value)))
    return out


def teams_checklist(card: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for block in card["body"]:
        text = block.get("text", "")
        match = re.match(r"^(.) \*\*(.+?)\*\*", text)
        if match and match.group(1) in "✓✗☐?":
            found.append((match.group(1), cards.md_unescape(match.group(2))))
    return found


def slack_checklist(message: dict[str, Any]) -> list[tuple[str, str]]:
    return re.findall(r"^(.) \*(.+?)\*", slack_text(message), re.MULTILINE)


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_slack_and_teams_show_the_same_facts_and_checklist(public):
    reply = MEETING
    shown = reply.public_copy() if public else reply
    slack = blocks.render(shown, public=public)
    teams = valid(cards.render(reply, public=public))
    facts = teams_facts(teams)
    assert [label for label, _ in facts] == [f.label for f in shown.facts]
    slack_shown = slack_text(slack)
    for (label, value), fact in zip(facts, shown.facts, strict=True):
        assert value == fact.value
        assert f"*{label}*" in slack_shown and fact.value in slack_shown
    expected = [(c.status.mark, c.title) for c in reply.checklist]
    assert sorted(teams_checklist(teams)) == sorted(expected)
    assert sorted(slack_checklist(slack)) == sorted(expected)
    assert ("Passcode" in dict(facts)) is not public


@pytest.mark.parametrize("topic", ["[Verify your account](https://evil.example/login)",
                                   "**urgent** _now_ <at>everyone</at>",
                                   "https://evil.example/x"])
def test_user_text_never_becomes_a_link_or_markup(topic):
    """Security finding 10: a topic put into a card is shown as typed; Markdown in it
    (a link above all) is escaped wherever it lands: title, text, facts, notes."""
    reply = Reply(title=f"🔒 {topic}", text=f"Your request for “{topic}” was interrupted.",
                  facts=(Fact("Topic", topic),), notes=(f"About {topic}",))
    card = valid(cards.render(reply))
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    texts += [f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    for text in texts:
        assert "](" not in text.replace("\\](", "").replace("\\]\\(", ""), text
        assert "**" not in text.replace("\\*\\*", ""), text
        assert cards.md_unescape(text).count(topic) <= 1
