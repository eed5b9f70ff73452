"""Teams over real HTTP: activities posted to ``/api/messages`` of a running server.

The server is the real one (``bot.server.create_app`` on uvicorn in a thread, the
Teams SDK inside it, the Zoom emulator behind the real Zoom client). The activities
carry a ``serviceUrl`` pointing at :class:`tests.fakes.teams.FakeTeams`, a fake Bot
Connector service on 127.0.0.1, so every reply, member lookup and 1:1 chat the bot
opens is recorded there, and every card that arrives is checked against the trimmed
Adaptive Cards 1.5 schema (``tests/test_teams_cards.py`` says why it is trimmed).

Authentication, exactly: with ``TEAMS_APP_ID``/``TEAMS_APP_PASSWORD`` configured, the
SDK's own validator checks the ``Authorization: Bearer`` JWT. Its signing keys come from
the OpenID metadata of its ``CloudEnvironment``; the tests give the SDK (through its
supported ``cloud`` option, the one sovereign clouds use) an environment whose metadata
URL is the fake, which serves the public half of an RSA key the test holds. So the
real validation code runs against real RS256 tokens: a missing header, a garbage
token, a token signed by another key, for another audience, expired, or for another
``serviceUrl`` all get 401 before any of our code runs — no Zoom meeting, nothing
posted — and a correctly signed one is served. Outbound calls then carry the bot's
token from a token provider given in place of the client secret (so no test reaches
Entra ID). Without credentials the route is off (503), unless
``TEAMS_ALLOW_UNAUTHENTICATED`` (development) is set, which most tests here use.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot import teams
from bot.bootstrap import bootstrap
from bot.config import Config
from bot.frontdoor import FrontDoor
from bot.server import create_app
from bot.teams import cards
from bot.teams.messenger import TeamsMessenger
from commands.reply import Fact, Reply
from tests.adapters.teams.test_teams_cards import VALIDATOR
from tests.fakes.asgi_thread import ServerThread
from tests.fakes.teams import (
    APP_ID,
    ASHA,
    BEN,
    BOT_ID,
    CHANNEL,
    GROUP_CHAT,
    TEAM,
    TENANT,
    FakeTeams,
    activity,
    execute,
    personal_id,
    submit,
)

SCHEDULE = "tomorrow 3pm for 45m Budget review"
@pytest.fixture(scope="module")
def fake_teams() -> Iterator[FakeTeams]:
    with FakeTeams() as fake:
        yield fake


@pytest.fixture
def fake(fake_teams: FakeTeams) -> FakeTeams:
    fake_teams.calls.clear()
    fake_teams.members.clear()
    fake_teams.fail_member_lookups = False
    fake_teams.fail_create_conversation = False
    for user in (ASHA, BEN):
        fake_teams.add_member(user.member_id, aad=user.aad, name=user.name, email=user.email)
    return fake_teams


class Running:
    """A running SecureMeet server with Teams on, and helpers to talk to it."""

    def __init__(self, services: Any, server: ServerThread, door: FrontDoor, fake: FakeTeams,
                 zoom: Any) -> None:
        self.services, self.server, self.door, self.fake, self.zoom = (services, server, door,
                                                                        fake, zoom)

    @property
    def url(self) -> str:
        return self.server.url + "/api/messages"

    def post(self, body: dict[str, Any], *, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(self.url, json=body, headers=headers, timeout=10)

    def say(self, text: str, **kw: Any) -> requests.Response:
        kw.setdefault("service_url", self.fake.service_url)
        response = self.post(activity(text, **kw))
        assert response.status_code == 200, response.text
        return response

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the bot has no reply in progress."""
        deadline = time.monotonic() + timeout
        while self.door.busy:
            assert time.monotonic() < deadline, "Teams work did not finish"
            time.sleep(0.01)

    def card(self, conversation: str, index: int = -1, count: int = 1) -> dict[str, Any]:
        sent = self.fake.wait_sent(count, conversation=conversation)
        return valid_card(sent[index])


def valid_card(message: dict[str, Any]) -> dict[str, Any]:
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    errors = list(VALIDATOR.iter_errors(card))
    assert not errors, [e.message for e in errors[:3]]
    return card


def facts(card: dict[str, Any]) -> dict[str, str]:
    found = next((b for b in card["body"] if b["type"] == "FactSet"), {"facts": []})
    return {cards.md_unescape(f["title"]): cards.md_unescape(f["value"])
            for f in found["facts"]}


def run(services: Any, fake: FakeTeams, zoom: Any, **sdk: Any) -> Iterator[Running]:
    """Serve Teams alone; ``sdk`` (``cloud``, ``token``) are the SDK's test seams."""
    if sdk:
        services.messengers["teams"] = TeamsMessenger(services.config, services.store, **sdk)
    door = FrontDoor(services)
    end = teams.front_end(services, door)
    with ServerThread(create_app(services, door=door, ends=[end])) as server:
        yield Running(services, server, door, fake, zoom)
    services.close()


@pytest.fixture
def bot(tmp_path, fake, zoom, zoom_client) -> Iterator[Running]:
    """Teams in development mode (no credentials, tokens not checked)."""
    config = Config(db_path=str(tmp_path / "teams.db"), teams_allow_unauthenticated=True,
                    admins=frozenset({"admin@example.com"}))
    yield from run(bootstrap(config, zoom=zoom_client), fake, zoom)


def the_meeting(zoom: Any) -> dict[str, Any]:
    (meeting,) = zoom.meetings.values()
    return meeting


# 1:1 chat ---------------------------------------------------------------------------------
def test_a_time_in_a_1to1_chat_schedules_and_answers_with_the_whole_card(bot):
    bot.say(SCHEDULE)
    card = bot.card(personal_id(ASHA))
    meeting = the_meeting(bot.zoom)
    shown = facts(card)
    assert shown["Passcode"] == meeting["password"]
    assert shown["Meeting ID"].replace(" ", "") == str(meeting["id"])
    assert shown["When"].endswith("IST")  # the clientInfo time zone, Asia/Kolkata
    assert card["body"][0]["text"] == "🔒 Budget review"
    assert meeting["timezone"] == "Asia/Kolkata"
    assert any(b["type"] == "Action.Execute" and b["verb"] == "audit" for b in card["actions"])
    message = bot.fake.sent(personal_id(ASHA))[0]
    assert meeting["password"] not in message["summary"] + card["fallbackText"]
    assert message["from"]["id"] == BOT_ID


def test_the_user_is_looked_up_once_then_cached_with_email_and_time_zone(bot):
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))
    bot.say("tue 10:30 for 1h Design sync")
    bot.card(personal_id(ASHA), count=2)
    assert len(bot.fake.requests("GET", "/members/")) == 1
    person = bot.services.store.get_person(f"teams:{ASHA.aad}")
    assert (person.email, person.tz, person.name) == (ASHA.email, "Asia/Kolkata", ASHA.name)
    hosts = {m["host_email"] for m in bot.zoom.meetings.values()}
    assert hosts == {ASHA.email}


def test_a_typing_indicator_comes_first(bot):
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))
    posted = [c.body["type"] for c in bot.fake.requests("POST", "/activities")]
    assert posted == ["typing", "message"]


def test_the_member_api_upn_is_used_without_an_email(bot):
    bot.fake.add_member(ASHA.member_id, aad=ASHA.aad, name=ASHA.name, upn="asha.rao@example.com")
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))
    assert the_meeting(bot.zoom)["host_email"] == "asha.rao@example.com"


def test_without_an_address_nothing_is_created_and_the_user_is_told_why(bot):
    bot.fake.members.clear()  # 404 from the member API
    bot.say(SCHEDULE)
    card = bot.card(personal_id(ASHA))
    assert card["body"][0]["text"].startswith("⚠️ SecureMeet couldn't look up your Teams")
    assert bot.zoom.meetings == {}
    bot.fake.add_member(ASHA.member_id, aad=ASHA.aad, name=ASHA.name)  # no email, no UPN
    bot.say(SCHEDULE)
    card = bot.card(personal_id(ASHA), count=2)
    assert "can't see an email address" in card["body"][0]["text"]
    assert bot.zoom.meetings == {}


def test_help_works_without_any_profile_and_speaks_teams(bot):
    bot.fake.members.clear()
    bot.say("help")
    card = bot.card(personal_id(ASHA))
    assert card["body"][0]["text"].startswith("SecureMeet")
    assert "@SecureMeet end <meeting ID>" in facts(card)
    assert bot.fake.requests("GET", "/members/") == []


@pytest.mark.parametrize("listed", ["object id", "teams: id"])
def test_stats_is_for_admins_and_answers_with_its_chart(bot, listed):
    bot.say("stats")
    refused = bot.card(personal_id(ASHA))
    assert refused["body"][0]["text"].startswith("⚠️")
    admin = BEN.aad if listed == "object id" else f"teams:{BEN.aad}"
    bot.services.config = bot.services.config.with_(admins=frozenset({admin.lower()}))
    bot.say("stats 30d", user=BEN)
    (message,) = bot.fake.wait_sent(1, conversation=personal_id(BEN))
    card = valid_card(message)
    assert card["body"][0]["text"].startswith("📊 SecureMeet stats")
    assert [a["contentType"] for a in message["attachments"][1:]] == ["image/png"]


def test_an_admin_email_claimed_by_a_teams_member_is_not_an_admin(bot):
    """Security finding 2: the member API's email is whatever the user's tenant admin set,
    so in Teams an admin is recognised by Entra object id only."""
    bot.fake.add_member(BEN.member_id, aad=BEN.aad, name=BEN.name,
                        email="admin@example.com")  # SECUREMEET_ADMINS' email, claimed
    bot.say("stats 30d", user=BEN)
    (message,) = bot.fake.wait_sent(1, conversation=personal_id(BEN))
    assert valid_card(message)["body"][0]["text"].startswith("⚠️ Only SecureMeet admins")
    assert bot.services.store.events(kinds=["refusal"])


def test_development_mode_answers_only_a_service_on_this_machine(bot):
    """Security finding 1: with tokens unchecked, an activity naming its own serviceUrl
    elsewhere could make the bot act for anyone and post replies (and its outbound
    token) there. It is refused before anything runs."""
    for where in ("https://attacker.example.net/", "http://10.0.0.7:3978/", "not a url"):
        response = bot.post(activity("stats", service_url=where))
        assert response.status_code == 403, where
        assert "127.0.0.1 or localhost" in response.json()["message"]
    bot.settle()
    assert bot.fake.calls == [] and bot.zoom.meetings == {}
    assert bot.services.store.teams_conversations(f"teams:{ASHA.aad}") == []


def test_a_redelivered_activity_does_nothing_twice(bot):
    body = activity(SCHEDULE, service_url=bot.fake.service_url)
    assert bot.post(body).status_code == 200
    assert bot.post(body).status_code == 200
    bot.settle()
    assert len(bot.zoom.meetings) == 1
    assert len(bot.fake.sent(personal_id(ASHA))) == 1


def test_a_body_that_is_not_json_is_a_400(bot):
    response = requests.post(bot.url, data=b"{nope", timeout=5,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400


# channels and group chats: the passcode goes only to the 1:1 chat ---------------------------
@pytest.mark.parametrize("where, conversation", [("channel", CHANNEL), ("groupChat", GROUP_CHAT)])
def test_a_passcode_asked_for_in_a_channel_is_answered_privately(bot, where, conversation):
    bot.say(SCHEDULE, where=where, mention=True)
    private = bot.card(personal_id(ASHA))
    public_message = bot.fake.wait_sent(1, conversation=conversation)[0]
    public = valid_card(public_message)
    meeting = the_meeting(bot.zoom)
    code = meeting["password"]
    assert meeting["topic"] == "Budget review"  # the @mention is not part of the topic
    assert facts(private)["Passcode"] == code
    dumped = json.dumps(public_message, ensure_ascii=False)
    assert code not in dumped and cards.md_escape(code) not in dumped
    assert "pwd=" not in dumped  # nor the join link that carries it
    assert "Passcode" not in facts(public)
    assert facts(public)["Meeting ID"] == facts(private)["Meeting ID"]
    notes = [b["text"] for b in public["body"] if b.get("isSubtle")]
    assert notes[0].startswith("🔒 Details sent to you privately")
    (opened,) = bot.fake.opened()
    opened_for = opened.body
    assert opened_for["members"] == [{"id": ASHA.member_id}]
    assert opened_for["bot"] == {"id": BOT_ID} and opened_for["isGroup"] is False
    assert opened_for["tenantId"] == TENANT
    (lookup,) = bot.fake.requests("GET", "/members/")
    if where == "channel":  # the channel answer goes into the thread that asked
        thread = bot.fake.requests("POST", f"/v3/conversations/{CHANNEL};messageid=")
        assert thread
        assert lookup.path == f"/v3/conversations/{TEAM}/members/{ASHA.member_id}"
    else:
        assert lookup.path == f"/v3/conversations/{GROUP_CHAT}/members/{ASHA.member_id}"


def test_the_1to1_chat_is_opened_once_and_then_remembered(bot):
    bot.say(SCHEDULE, where="channel", mention=True)
    bot.card(personal_id(ASHA))
    bot.say("tue 10:30 Design sync", where="channel", mention=True)
    bot.card(personal_id(ASHA), count=2)
    assert len(bot.fake.opened()) == 1
    refs = bot.services.store.teams_conversations(f"teams:{ASHA.aad}")
    assert refs[0].kind == "personal" and refs[0].conversation_id == personal_id(ASHA)
    assert {r.kind for r in refs} == {"personal", "channel"}


def test_when_no_1to1_chat_can_be_opened_the_channel_still_gets_no_passcode(bot):
    bot.fake.fail_create_conversation = True
    bot.say(SCHEDULE, where="channel", mention=True)
    (public_message,) = bot.fake.wait_sent(1, conversation=CHANNEL)
    code = the_meeting(bot.zoom)["password"]
    assert code not in json.dumps(public_message)
    notes = [b["text"] for b in valid_card(public_message)["body"] if b.get("isSubtle")]
    assert "could not deliver it to a 1:1 chat" in notes[0]
    assert bot.fake.sent(personal_id(ASHA)) == []


def test_a_throttled_reply_is_sent_again_as_the_connector_asks(bot):
    """Security finding 5: one 429 from the Bot Connector dropped the reply carrying a new
    meeting's passcode. Sends are retried on 429/502/503/504, honouring Retry-After."""
    bot.fake.throttle = [(429, "0"), (503, ""), (429, "0")]
    bot.say(SCHEDULE)
    tries = bot.fake.wait_sent(4, conversation=personal_id(ASHA))  # three refused, one taken
    bot.settle()
    assert len(bot.fake.sent(personal_id(ASHA))) == 4 and bot.fake.throttle == []
    card = valid_card(tries[-1])
    assert facts(card)["Passcode"] == the_meeting(bot.zoom)["password"]


def test_a_private_reply_that_cannot_be_delivered_is_said_in_the_channel(bot):
    from bot.teams.retry import ATTEMPTS

    bot.fake.throttle = [(429, "0")] * ATTEMPTS  # every try of the 1:1 send
    bot.say(SCHEDULE, where="channel", mention=True)
    (public_message,) = bot.fake.wait_sent(1, conversation=CHANNEL)
    notes = [b["text"] for b in valid_card(public_message)["body"] if b.get("isSubtle")]
    assert "could not deliver it to a 1:1 chat" in notes[0]
    assert the_meeting(bot.zoom)["password"] not in json.dumps(public_message)
    assert len(bot.fake.sent(personal_id(ASHA))) == ATTEMPTS  # tried, each refused


def test_a_reply_without_a_secret_is_answered_where_it_was_asked(bot):
    bot.say("help", where="channel", mention=True)
    (message,) = bot.fake.wait_sent(1)
    assert CHANNEL in bot.fake.requests("POST", "/activities")[-1].path
    assert valid_card(message)["body"][0]["text"].startswith("SecureMeet")
    assert bot.fake.opened() == []


# card buttons -------------------------------------------------------------------------------
def test_buttons_audit_calendar_and_end_reach_the_core_through_execute_and_submit(bot):
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))
    meeting_id = str(the_meeting(bot.zoom)["id"])
    ours = {"service_url": bot.fake.service_url}

    pressed = bot.post(execute("audit", meeting_id, **ours))
    assert pressed.status_code == 200
    assert pressed.json() == {"statusCode": 200, "type":
                              "application/vnd.microsoft.activity.message",
                              "value": "⏳ Working on it…"}
    audited = bot.card(personal_id(ASHA), count=2)
    assert audited["body"][0]["text"] == "🔍 Audit: Budget review"
    assert facts(audited)["Meeting ID"].replace(" ", "") == meeting_id

    bot.post(execute("calendar", meeting_id, **ours))
    invite = bot.card(personal_id(ASHA), count=3)
    code = [cards.md_unescape(b["text"]) for b in invite["body"]
            if b.get("fontType") == "monospace"]
    assert code and code[0].startswith("BEGIN:VCALENDAR")
    assert the_meeting(bot.zoom)["password"] not in code[0]

    bot.zoom.start_meeting(int(meeting_id))
    assert bot.post(submit("end", meeting_id, **ours)).status_code == 200  # older clients
    ended = bot.card(personal_id(ASHA), count=4)
    assert ended["body"][0]["text"].startswith("⏹ Ended for all")
    assert the_meeting(bot.zoom)["ended_by_api"]


def test_a_fix_button_fixes_the_meeting_and_audits_again(bot, zoom_client):
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    created = zoom_client.create_meeting(ASHA.email, {
        "topic": "Old habit", "type": 2, "duration": 30, "start_time": start,
        "password": "aB3@kP9x-Z", "settings": {"waiting_room": False,
                                               "join_before_host": False}})
    meeting_id = str(created["id"])
    bot.post(execute("fix", f"{meeting_id}:waiting-room", service_url=bot.fake.service_url))
    card = bot.card(personal_id(ASHA))
    assert bot.zoom.meetings[int(meeting_id)]["settings"]["waiting_room"] is True
    assert "✓ **Waiting room on**" in json.dumps(card, ensure_ascii=False)


def card_buttons(node: Any) -> list[dict[str, Any]]:
    """Every Action.Execute in a card, those inside a confirmation (ShowCard) too."""
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Execute" else []
        return found + [b for v in node.values() for b in card_buttons(v)]
    if isinstance(node, list):
        return [b for v in node for b in card_buttons(v)]
    return []


def press(bot: Running, button: dict[str, Any], user: Any = ASHA) -> requests.Response:
    """An Action.Execute press as Teams sends it: the button's own verb and data."""
    return bot.post(activity(kind="invoke", name="adaptiveCard/action", user=user,
                             service_url=bot.fake.service_url,
                             value={"action": {"type": "Action.Execute", "verb": button["verb"],
                                               "data": button["data"]}, "trigger": "manual"}))


def test_the_cards_move_and_cancel_buttons_move_and_cancel_in_zoom(bot):
    bot.say(SCHEDULE)
    card = bot.card(personal_id(ASHA))
    meeting_id = the_meeting(bot.zoom)["id"]
    by_command = {b["data"]["command"]: b for b in card_buttons(card)}
    move, cancel = by_command[f"move {meeting_id}"], by_command[f"cancel {meeting_id} confirm"]
    assert press(bot, move).status_code == 200
    asked = bot.card(personal_id(ASHA), count=2)
    assert asked["body"][0]["text"].startswith("When to?")
    later = next(b for b in card_buttons(asked) if b["title"].startswith("1 hour later"))
    before = the_meeting(bot.zoom)
    press(bot, later)
    moved = bot.card(personal_id(ASHA), count=3)
    assert moved["body"][0]["text"] == "📅 Moved: Budget review"
    after = the_meeting(bot.zoom)
    assert after["start_time"] != before["start_time"] and after["password"] == before["password"]

    press(bot, cancel, user=BEN)  # not his meeting
    (refused,) = bot.fake.wait_sent(1, conversation=personal_id(BEN))
    assert valid_card(refused)["body"][0]["text"].startswith("⚠️")
    assert meeting_id in bot.zoom.meetings
    press(bot, cancel)
    cancelled = bot.card(personal_id(ASHA), count=4)
    assert cancelled["body"][0]["text"] == "🗑 Cancelled: Budget review"
    assert not bot.zoom.meetings


def test_someone_elses_meeting_cannot_be_ended_from_a_card(bot):
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))
    meeting_id = str(the_meeting(bot.zoom)["id"])
    bot.post(execute("end", meeting_id, user=BEN, service_url=bot.fake.service_url))
    (message,) = bot.fake.wait_sent(1, conversation=personal_id(BEN))
    assert valid_card(message)["body"][0]["text"].startswith("⚠️")
    assert not the_meeting(bot.zoom)["ended_by_api"]


def test_an_unknown_button_is_answered_not_crashed(bot):
    response = bot.post(execute("launch", "1", service_url=bot.fake.service_url))
    assert response.status_code == 200
    card = bot.card(personal_id(ASHA))
    assert "not one SecureMeet knows" in card["body"][0]["text"]


# installation and tenants ---------------------------------------------------------------------
def test_an_installation_is_remembered_for_later(bot):
    body = activity(kind="installationUpdate", where="channel", action="add",
                    service_url=bot.fake.service_url)
    assert bot.post(body).status_code == 200
    bot.settle()
    (ref,) = bot.services.store.teams_conversations(f"teams:{ASHA.aad}")
    assert (ref.conversation_id, ref.kind, ref.tenant_id, ref.bot_id) == (
        CHANNEL, "channel", TENANT, BOT_ID)
    assert ref.service_url == bot.fake.service_url
    assert bot.fake.calls == []


@pytest.fixture
def single_tenant_bot(tmp_path, fake, zoom, zoom_client) -> Iterator[Running]:
    config = Config(db_path=str(tmp_path / "t.db"), teams_allow_unauthenticated=True,
                    teams_tenant_id=TENANT)
    yield from run(bootstrap(config, zoom=zoom_client), fake, zoom)


def test_with_a_tenant_configured_other_tenants_are_not_served(single_tenant_bot, caplog):
    bot = single_tenant_bot
    caplog.set_level(logging.WARNING, logger="securemeet.teams")
    bot.say(SCHEDULE, tenant="11111111-2222-3333-4444-555555555555")
    bot.settle()
    assert bot.zoom.meetings == {} and bot.fake.calls == []
    assert any("ignored" in r.getMessage() for r in caplog.records)
    bot.say(SCHEDULE)
    bot.card(personal_id(ASHA))


# off, and authentication ----------------------------------------------------------------------
def test_without_credentials_teams_is_off_with_a_503_that_says_why(tmp_path, fake, caplog):
    services = bootstrap(Config(db_path=str(tmp_path / "off.db")), zoom=object())  # type: ignore[arg-type]
    caplog.set_level(logging.WARNING, logger="securemeet.server")
    with ServerThread(create_app(services)) as server:  # every front end, as `serve` runs
        body = activity(SCHEDULE, service_url=fake.service_url)
        response = requests.post(server.url + "/api/messages", json=body, timeout=5)
        assert response.status_code == 503
        assert response.json()["error"] == "teams_not_configured"
        assert response.json()["message"].startswith("Teams is not configured")
        health = requests.get(server.url + "/healthz", timeout=5).json()
        assert health["front_ends"]["teams"] == "off"
    services.close()
    off = [r.getMessage() for r in caplog.records if "front end off" in r.getMessage()]
    assert [m for m in off if m.startswith("teams")] == ["teams front end off: " + teams.OFF]
    assert fake.calls == []


def test_securemeet_serve_includes_teams_in_development_mode(tmp_path, fake, zoom_client):
    config = Config(db_path=str(tmp_path / "dev.db"), teams_allow_unauthenticated=True)
    services = bootstrap(config, zoom=zoom_client)
    with ServerThread(create_app(services)) as server:
        health = requests.get(server.url + "/healthz", timeout=5).json()
        assert health["front_ends"]["teams"] == "http, unauthenticated (development)"
        body = activity("help", service_url=fake.service_url)
        assert requests.post(server.url + "/api/messages", json=body, timeout=5).status_code \
            == 200
        fake.wait_sent(1)
    services.close()


@pytest.fixture
def secured(tmp_path, fake, zoom, zoom_client) -> Iterator[Running]:
    """Teams with credentials: tokens are checked by the SDK against the fake's keys."""
    config = Config(db_path=str(tmp_path / "auth.db"), teams_app_id=APP_ID,
                    teams_app_password="not-used-the-token-provider-stands-in")
    outbound = fake.token(audience="https://api.botframework.com", service_url="")
    running = run(bootstrap(config, zoom=zoom_client), fake, zoom, cloud=fake.cloud(),
                  token=lambda scope, tenant=None: outbound)
    for bot in running:
        bot.outbound_token = outbound  # type: ignore[attr-defined]
        yield bot


def test_with_credentials_a_request_without_a_valid_token_is_refused(secured):
    from cryptography.hazmat.primitives.asymmetric import rsa

    fake = secured.fake
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused = {
        "no header": None,
        "garbage": "not-a-jwt",
        "another key": fake.token(key=other_key),
        "another audience": fake.token(audience="11111111-0000-0000-0000-000000000000"),
        "expired": fake.token(expires_in=-3600),
        "another issuer": fake.token(issuer="https://evil.example.com"),
        "another serviceUrl": fake.token(service_url="https://smba.example.net/"),
    }
    for why, token in refused.items():
        body = activity(SCHEDULE, service_url=fake.service_url)
        response = secured.post(body, token=token)
        assert response.status_code == 401, why
        assert response.json() == {"error": "Unauthorized"}, why
    secured.settle()
    assert secured.zoom.meetings == {}
    assert [c for c in fake.calls if not c.path.startswith("/v1/.well-known/")] == []


def test_with_credentials_a_correctly_signed_request_is_served(secured):
    fake = secured.fake
    response = secured.post(activity(SCHEDULE, service_url=fake.service_url),
                            token=fake.token())
    assert response.status_code == 200
    card = secured.card(personal_id(ASHA))
    assert facts(card)["Passcode"] == the_meeting(secured.zoom)["password"]
    outbound = fake.requests("POST", "/activities") + fake.requests("GET", "/members/")
    expected = f"Bearer {secured.outbound_token}"  # type: ignore[attr-defined]
    assert {c.headers.get("authorization") for c in outbound} == {expected}


# proactive messages (live host duties) ----------------------------------------------------------
def notify(services: Any, user: str, reply: Any) -> None:
    """A proactive message, as the live duties send one: a messenger of its own (the
    server's runs in the server's event loop)."""
    import asyncio

    async def go() -> None:
        messenger = TeamsMessenger(services.config, services.store)
        try:
            await messenger.notify(user, reply)
        finally:
            await messenger.close()

    asyncio.run(go())


NUDGE = Reply(title="👥 Budget review: 5 in, 2 waiting",
              text="Lock the meeting once everyone is in.",
              facts=(Fact("Meeting ID", "123 4567 8901"), Fact("Passcode", "zz*9@aBc-Q",
                                                                secret=True)))


def test_a_host_duty_reaches_the_users_1to1_chat(bot):
    bot.say("help")  # Asha wrote to the bot in a 1:1 chat once
    bot.card(personal_id(ASHA))
    notify(bot.services, f"teams:{ASHA.aad}", NUDGE)
    card = bot.card(personal_id(ASHA), count=2)
    assert card["body"][0]["text"] == "👥 Budget review: 5 in, 2 waiting"
    assert "Passcode" not in facts(card)  # proactive messages are always the public form
    assert bot.fake.opened() == []


def test_a_host_seen_only_in_a_channel_gets_a_new_1to1_chat(bot):
    body = activity(kind="installationUpdate", where="channel", action="add",
                    service_url=bot.fake.service_url)
    bot.post(body)
    bot.settle()
    notify(bot.services, f"teams:{ASHA.aad}", NUDGE)
    (opened,) = bot.fake.opened()
    assert opened.body["members"] == [{"id": ASHA.member_id}]
    card = bot.card(personal_id(ASHA))
    assert card["body"][0]["text"].startswith("👥")
    refs = bot.services.store.teams_conversations(f"teams:{ASHA.aad}")
    assert refs[0].kind == "personal"  # remembered: the next nudge needs no new chat


def test_a_user_the_bot_never_saw_cannot_be_reached(bot):
    from bot.teams.messenger import NoConversation

    with pytest.raises(NoConversation):
        notify(bot.services, "teams:aad-nobody", NUDGE)
    assert bot.fake.calls == []


def test_the_signing_keys_are_fetched_off_the_event_loop_before_any_request(secured):
    deadline = time.monotonic() + 5
    while not secured.fake.requests("GET", "/v1/.well-known/keys"):
        assert time.monotonic() < deadline, "the keys were not prefetched"
        time.sleep(0.01)
    secured.post(activity(SCHEDULE, service_url=secured.fake.service_url),
                 token=secured.fake.token())
    secured.card(personal_id(ASHA))
    assert len(secured.fake.requests("GET", "/v1/.well-known/keys")) == 1  # from the cache
