"""Invitees in a schedule command: found, stripped, looked up, invited privately.

Parsing is table-driven plus hypothesis (any topic words, any mentions and emails put
anywhere: each is found once, in order, and none is left in the text the time parser
and the topic see). Scheduling runs through ``router.dispatch`` on the real Zoom client
and the emulator, as a front end calls it.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands import invitees, router
from commands.invitees import Invitee, Token, find, strip
from commands.reply import Status
from tests.core.plans_kit import HOST, host

RAVI = Token("mention", "URAVI", "ravi", "<@URAVI|ravi>")
MEERA = Token("mention", "UMEERA", "meera", "<@UMEERA|meera>")


@pytest.mark.parametrize(("text", "keys", "left"), [
    ("tomorrow 3pm for 30m Design sync with <@URAVI|ravi> <@UMEERA|meera>",
     ["mention:URAVI", "mention:UMEERA"], "tomorrow 3pm for 30m Design sync"),
    ("tomorrow 3pm Design sync with <@URAVI|ravi> and <@UMEERA>",
     ["mention:URAVI", "mention:UMEERA"], "tomorrow 3pm Design sync"),
    ("tomorrow 3pm Sync with ravi@example.org, <@UMEERA|meera>",
     ["email:ravi@example.org", "mention:UMEERA"], "tomorrow 3pm Sync"),
    ("tomorrow 3pm Sync with <mailto:Ravi@Example.org|Ravi@Example.org>",
     ["email:ravi@example.org"], "tomorrow 3pm Sync"),
    ("<@URAVI|ravi> tomorrow 3pm Sync", ["mention:URAVI"], "tomorrow 3pm Sync"),
    ("tomorrow 3pm Sync with @ravi @meera", ["handle:ravi", "handle:meera"],
     "tomorrow 3pm Sync"),
    ("tomorrow 3pm Sync with <!subteam^S1|@design>", ["group:S1"], "tomorrow 3pm Sync"),
    ("tomorrow 3pm Sync in <#C1|general> <!here>", [], "tomorrow 3pm Sync in #general"),
    ("tomorrow 3pm Sync with <@29:1abc-def|Ravi Kumar>", ["mention:29:1abc-def"],
     "tomorrow 3pm Sync"),
    ("tomorrow 3pm for 45m Budget review", [], "tomorrow 3pm for 45m Budget review"),
    ("tomorrow 3pm Sync with <@URAVI> <@URAVI|ravi>", ["mention:URAVI"], "tomorrow 3pm Sync"),
])
def test_invitees_are_found_and_stripped(text, keys, left):
    assert [t.key for t in find(text)] == keys
    assert strip(text) == left


def test_the_label_and_what_is_shown():
    (ravi,) = find("x with <@URAVI|ravi>")
    assert (ravi.label, ravi.shown, ravi.raw) == ("ravi", "@ravi", "<@URAVI|ravi>")
    (email,) = find("x with Ravi@Example.org")
    assert email.shown == "ravi@example.org"


_word = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1,
                max_size=8).filter(lambda w: w.lower() not in ("with", "and", "invite",
                                                               "inviting", "cc"))
_mention = st.builds(lambda u, n: (f"<@U{u}|{n}>", f"mention:U{u}"),
                     st.from_regex(r"[A-Z0-9]{4,10}", fullmatch=True),
                     st.from_regex(r"[a-z]{1,8}", fullmatch=True))
_email = st.builds(lambda a, d: (f"{a}@{d}.org", f"email:{a.lower()}@{d}.org"),
                   st.from_regex(r"[A-Za-z][a-z0-9.]{0,8}[a-z]", fullmatch=True),
                   st.from_regex(r"[a-z]{2,8}", fullmatch=True))
_invitee = st.one_of(_mention, _email)


@given(words=st.lists(_word, min_size=1, max_size=8),
       people=st.lists(st.tuples(st.integers(0, 8), _invitee), max_size=5,
                       unique_by=lambda p: p[1][1]),
       joiner=st.sampled_from(["", "with", ",", "and", "&"]))
def test_any_mentions_anywhere_are_found_once_and_never_left_in_the_text(words, people,
                                                                         joiner):
    parts: list[tuple[str, str]] = [(w, "") for w in words]
    for position, (token, key) in people:
        parts.insert(min(position, len(parts)), (f"{joiner} {token}".strip(), key))
    text = " ".join(p for p, _ in parts)
    assert [t.key for t in find(text)] == [key for _, key in parts if key]
    left = strip(text)
    assert "<@" not in left and not re.search(r"\S+@\S+\.org", left)
    assert [w for w in left.replace(",", " ").split() if w not in ("&", "and", "with")] == [
        w for w in words]


@given(st.text(max_size=200))
def test_any_text_never_breaks_the_parser(text):
    for token in find(text):
        assert token.kind in ("mention", "email", "group", "handle") and token.value
    assert isinstance(strip(text), str)


def test_settle_names_who_nobody_could_look_up_and_leaves_out_the_requester():
    me = Token("mention", "UHANA", "hana", "<@UHANA>")
    email = Token("email", "x@example.org", "x@example.org", "x@example.org")
    found = (Invitee(RAVI, "Ravi", user="slack:T1:URAVI", email="ravi@example.org"),
             Invitee(me, "Hana", user=host.user, email=HOST))
    settled = invitees.settle((RAVI, MEERA, me, email), found, host)
    assert [i.name for i in settled] == ["Ravi", "@meera", "x@example.org"]
    assert [i.reachable for i in settled] == [True, False, False]
    assert settled[2].email == "x@example.org"  # into Zoom's meeting_invitees still


# -- scheduling with invitees ----------------------------------------------------------

def looked_up() -> tuple[Invitee, ...]:
    return (Invitee(RAVI, "Ravi", user="slack:T1:URAVI", email="ravi@example.org",
                    tz="Asia/Kolkata"),
            Invitee(MEERA, "Meera", user="slack:T1:UMEERA", email="meera@example.org",
                    tz="Europe/Paris"))


def test_each_invitee_gets_a_private_invitation_and_zoom_gets_their_emails(app, zoom):
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm for 30m Design sync with "
                            "<@URAVI|ravi> <@UMEERA|meera>", invitees=looked_up())
    assert reply.title == "🔒 Design sync"
    meeting_id = int(next(f.value for f in reply.facts if f.label == "Meeting ID")
                     .replace(" ", ""))
    meeting = zoom.meetings[meeting_id]
    assert meeting["topic"] == "Design sync"
    assert meeting["settings"]["meeting_invitees"] == [{"email": "ravi@example.org"},
                                                       {"email": "meera@example.org"}]
    assert "Sent privately to Ravi and Meera" in reply.text
    share = next(c for c in reply.checklist if c.rule_id == "share-privately")
    assert (share.title, share.status) == ("Shared privately with 2 people", Status.DONE)
    ravi, meera = reply.notices
    assert (ravi.to, ravi.private, ravi.name) == ("slack:T1:URAVI", True, "Ravi")
    assert ravi.record is not None and ravi.record.kind == "invite"
    facts = {f.label: f for f in ravi.reply.facts}
    assert facts["Passcode"].secret and facts["Passcode"].value == meeting["password"]
    assert facts["Join link"].value == meeting["join_url"]
    assert "IST" in facts["When"].value or "+05:30" in facts["When"].value \
        or "Kolkata" in facts["When"].value
    assert facts["When"].value != {f.label: f for f in meera.reply.facts}["When"].value
    assert [a.command for a in ravi.reply.actions] == [f"calendar {meeting_id}"]
    assert [i.user for i in app.store.invitations(meeting_id)] == ["slack:T1:URAVI",
                                                                   "slack:T1:UMEERA"]


def test_an_unreachable_invitee_is_named_and_the_meeting_stands(app, zoom):
    bot = Token("mention", "UBOT", "helper", "<@UBOT|helper>")
    found = (*looked_up()[:1], Invitee(bot, "helper", reason="a bot"))
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm Sync with <@URAVI|ravi> "
                            "<@UBOT|helper> <@UGONE>", invitees=found)
    assert "Sent privately to Ravi" in reply.text
    assert "helper (a bot)" in reply.text and "UGONE (could not be looked up)" in reply.text
    share = next(c for c in reply.checklist if c.rule_id == "share-privately")
    assert share.status is Status.TODO and "helper" in share.detail
    assert [n.to for n in reply.notices] == ["slack:T1:URAVI"]


def test_a_time_with_two_readings_keeps_the_invitees_on_each_choice(app, zoom):
    before = len(zoom.meetings)
    reply = router.dispatch(app.ctx, host, "tomorrow at 7 Sync with <@URAVI|ravi>",
                            invitees=looked_up())
    assert [a.command for a in reply.actions] == [
        "tomorrow at 7am Sync with <@URAVI|ravi>", "tomorrow at 7pm Sync with <@URAVI|ravi>"]
    assert len(zoom.meetings) == before


def test_without_invitees_nothing_changes(app, zoom):
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm for 45m Budget review")
    share = next(c for c in reply.checklist if c.rule_id == "share-privately")
    assert share.status is Status.TODO and reply.notices == ()


def test_undelivered_invitations_make_sharing_a_duty_again(app, zoom):
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm Sync with <@URAVI|ravi>",
                            invitees=looked_up())
    after = reply.undelivered(("Ravi",))
    share = next(c for c in after.checklist if c.rule_id == "share-privately")
    assert share.status is Status.TODO and "Ravi" in share.detail
    assert "Could not deliver the invitation to Ravi" in after.notes[0]
    assert reply.undelivered(()) is reply


def test_a_move_or_cancel_tells_the_invitees_privately_in_their_zone(app, zoom):
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm for 30m Plans with <@URAVI|ravi> "
                            "<@UMEERA|meera>", invitees=looked_up())
    meeting_id = int(next(f.value for f in reply.facts if f.label == "Meeting ID")
                     .replace(" ", ""))
    moved = router.dispatch(app.ctx, host, f"move {meeting_id} to tomorrow 5pm")
    assert "the 2 people SecureMeet invited were told, privately" in moved.text
    told = {n.to: n for n in moved.notices}
    assert set(told) == {"slack:T1:URAVI", "slack:T1:UMEERA"}
    ravi = told["slack:T1:URAVI"].reply
    assert "IST" in ravi.text and "CET" in told["slack:T1:UMEERA"].reply.text
    assert not ravi.has_secret and "pwd=" not in ravi.plain_text()
    assert [a.command for a in ravi.actions] == [f"calendar {meeting_id}"]
    cancelled = router.dispatch(app.ctx, host, f"cancel {meeting_id} confirm")
    assert "were told, privately" in cancelled.text
    assert {n.to for n in cancelled.notices} == {"slack:T1:URAVI", "slack:T1:UMEERA"}
    assert all("no longer works" in n.reply.text for n in cancelled.notices)


def test_a_rotated_passcode_goes_to_the_invitees_privately(app, zoom):
    reply = router.dispatch(app.ctx, host, "tomorrow 3pm for 30m Rekey with <@URAVI|ravi>",
                            invitees=looked_up())
    meeting_id = int(next(f.value for f in reply.facts if f.label == "Meeting ID")
                     .replace(" ", ""))
    rotated = router.dispatch(app.ctx, host, f"fix {meeting_id} passcode confirm")
    new = zoom.meetings[meeting_id]["password"]
    (told,) = [n for n in rotated.notices if n.private]
    assert told.to == "slack:T1:URAVI" and told.name == "Ravi"
    secret = {f.label: f for f in told.reply.facts}["New passcode"]
    assert secret.secret and secret.value == new
    assert "1 person SecureMeet invited get the new one privately" in rotated.text
