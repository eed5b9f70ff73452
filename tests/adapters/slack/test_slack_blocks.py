"""The Block Kit renderer: snapshots of whole messages, then Slack's limits, one by one.

Snapshots live in ``tests/snapshots/``; after a deliberate change to the layout run
``SNAPSHOT_UPDATE=1 .venv/bin/python -m pytest tests/test_slack_blocks.py`` and review
the diff.
"""

from __future__ import annotations

import json
import os

import pytest

from bot.slack import blocks
from commands.reply import Action, CheckItem, Fact, Reply, Status, error_reply
from tests import paths

SNAPSHOTS = paths.SNAPSHOTS
PASSCODE = "Xq7@k2Pz9m"

MEETING = Reply(
    title="🔒 Budget review",
    text="Your meeting is ready and locked down. Share the link and passcode privately.",
    facts=(
        Fact("When", "Mon 30 Nov 2026, 15:00–15:45 IST"),
        Fact("Duration", "45 min"),
        Fact("Join link", "https://zoom.us/j/12345678901", url="https://zoom.us/j/12345678901"),
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
        Action("Fix: Only the host shares screen", "fix 12345678901 host-only-share",
               style="primary", confirm="Change this host's Zoom setting?"),
    ),
    notes=("Policy: standard (MHA advisory)", "🧪 Sandbox: built-in Zoom emulator."),
    sandbox=True,
)


def snapshot(name: str, data: object) -> None:
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("SNAPSHOT_UPDATE") or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{path.name} changed; SNAPSHOT_UPDATE=1 to accept"


def test_meeting_reply_snapshot():
    snapshot("slack_meeting", blocks.render(MEETING))


def test_error_reply_snapshot():
    reply = error_reply("I couldn't read a time in \"blah\".",
                        examples=("tomorrow 3pm for 45m Budget review",))
    snapshot("slack_error", blocks.render(reply))


def test_layout_header_facts_checklist_buttons_notes():
    out = blocks.render(MEETING)
    kinds = [b["type"] for b in out["blocks"]]
    assert kinds == ["header", "section", "section", "section", "section", "actions", "context"]
    checklist = out["blocks"][3]["text"]["text"] + out["blocks"][4]["text"]["text"]
    for mark in ("✓ *Waiting room on*", "✗ *Only the host shares screen*",
                 "? *Removed people cannot rejoin*", "☐ *Share the link privately*"):
        assert mark in checklist


def test_passcode_is_in_the_private_blocks_only():
    private = blocks.render(MEETING)
    assert PASSCODE in json.dumps(private["blocks"], ensure_ascii=False)
    assert PASSCODE not in private["text"]  # fallback: notifications, previews
    public = blocks.render(MEETING, public=True)
    assert PASSCODE not in json.dumps(public, ensure_ascii=False)
    assert "Meeting ID" in json.dumps(public)


def test_end_button_is_danger_with_a_confirm_dialog():
    buttons = blocks.render(MEETING)["blocks"][5]["elements"]
    end = buttons[0]
    assert end["style"] == "danger" and end["confirm"]["style"] == "danger"
    assert end["confirm"]["text"]["text"] == "End this meeting for everyone in it?"
    assert [blocks.parse_action_id(b["action_id"]) for b in buttons] == [
        "end", "audit", "calendar", "fix"]
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert buttons[3]["value"] == "fix 12345678901 host-only-share"


def test_user_text_cannot_ping_or_fake_links():
    reply = Reply(title="<!channel> hi", text="<!here> <https://evil|click> & more",
                  facts=(Fact("Topic", "<@U123>"),))
    out = json.dumps(blocks.render(reply))
    out = out.replace('"text": "<!channel> hi", "emoji"', "")  # a header is plain text
    assert "<!" not in out and "<https://evil" not in out and "<@U123>" not in out
    assert "&lt;!here&gt;" in out and "&amp;" in out


def walk_texts(block: dict) -> list[tuple[str, str]]:
    found = []
    if block["type"] == "header":
        found.append(("header", block["text"]["text"]))
    if "text" in block and block["type"] == "section":
        found.append(("section", block["text"]["text"]))
    for f in block.get("fields", []):
        found.append(("field", f["text"]))
    for e in block.get("elements", []):
        if e.get("type") == "button":
            found.append(("button", e["text"]["text"]))
            found.append(("action_id", e["action_id"]))
            found.append(("value", e["value"]))
        elif "text" in e:
            found.append(("context", e["text"]))
    return found


LIMITS = {"header": 150, "section": 3000, "field": 2000, "button": 75, "action_id": 255,
          "value": 2000, "context": 3000}


def huge_reply(n: int = 200, width: int = 5000) -> Reply:
    return Reply(
        title="T" * 400,
        text="x" * width,
        facts=tuple(Fact(f"Label {i}", "v" * width) for i in range(n)),
        checklist=tuple(CheckItem(f"r{i}", "title " * 100, Status.TODO, "d" * 900)
                        for i in range(n)),
        actions=tuple(Action("L" * 200, f"a{i} " + "9" * 5000) for i in range(40)),
        notes=tuple("n" * 4000 for _ in range(30)),
    )


def test_limits_hold_for_absurdly_large_replies():
    out = blocks.render(huge_reply())
    assert len(out["blocks"]) <= blocks.MAX_BLOCKS
    assert len(out["text"]) <= blocks.MAX_FALLBACK
    for block in out["blocks"]:
        assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
        for kind, text in walk_texts(block):
            assert len(text) <= LIMITS[kind], (kind, len(text))
    # what was cut is said, and the buttons and notes survive the cut
    kinds = [b["type"] for b in out["blocks"]]
    assert kinds[-1] == "context" and "actions" in kinds
    assert any("not shown" in json.dumps(b) for b in out["blocks"])


@pytest.mark.parametrize("n", [0, 1, 10, 11, 25])
def test_fields_are_split_ten_per_section(n):
    reply = Reply(title="t", facts=tuple(Fact(f"f{i}", "v") for i in range(n)))
    sections = [b for b in blocks.render(reply)["blocks"] if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10] * (n // 10) + ([n % 10] if n % 10 else [])


def test_cut_marks_truncation():
    assert blocks.cut("abc", 3) == "abc"
    assert blocks.cut("abcd", 3) == "ab…"


def test_parse_action_id_rejects_foreign_ids():
    assert blocks.parse_action_id("securemeet:end:0") == "end"
    for bad in ("end", "other:end:0", "securemeet::0", "securemeet:end"):
        assert blocks.parse_action_id(bad) is None


def test_escaped_command_text_is_read_as_typed_and_mentions_stay():
    from bot.slack.app import unescape_text

    assert unescape_text("tomorrow 3pm Q&amp;A &lt;draft&gt; with <@U1|ravi>") == (
        "tomorrow 3pm Q&A <draft> with <@U1|ravi>")
    assert unescape_text("&amp;lt;") == "&lt;"  # unescaped once, as Slack escaped once
