"""Issue 17 on Teams, over real HTTP: invite by @mention, link unfurling, install and
uninstall, the user's zone from the client. Same server and fake Bot Connector as
``test_teams.py`` (its fixtures, through ``conftest.py``)."""

from __future__ import annotations

from typing import Any

from bot.teams.people import country_zone
from tests.adapters.teams.test_teams import facts, valid_card
from tests.fakes.teams import ASHA, BEN, BOT_ID, User, activity, personal_id

CARL = User("29:1carl", "aad-carl-0003", "Carl Chen", "carl@example.com")


def mention(body: dict[str, Any], *people: tuple[str, str]) -> dict[str, Any]:
    """Add @mentions of ``(member id, name)`` to an activity, as Teams writes them."""
    for member, name in people:
        body["text"] += f" <at>{name}</at>"
        body["entities"].append({"type": "mention", "text": f"<at>{name}</at>",
                                 "mentioned": {"id": member, "name": name}})
    return body


def test_mentioned_people_with_a_1to1_chat_get_the_passcode_there(bot):
    bot.fake.add_member(CARL.member_id, aad=CARL.aad, name=CARL.name, email=CARL.email)
    bot.say("help", user=BEN)  # Ben has a 1:1 chat with SecureMeet; Carl has none
    bot.settle()
    body = mention(activity("tomorrow 3pm for 30m Design sync with",
                            service_url=bot.fake.service_url, where="channel", mention=True),
                   (BEN.member_id, BEN.name), (CARL.member_id, CARL.name),
                   ("29:1nobody", "Nobody"), (BOT_ID, "SecureMeet again"))
    assert bot.post(body).status_code == 200
    bot.settle(20)
    (meeting,) = bot.zoom.meetings.values()
    assert meeting["topic"] == "Design sync"
    assert {i["email"] for i in meeting["settings"]["meeting_invitees"]} == {
        BEN.email, CARL.email}
    invitation = valid_card(bot.fake.wait_sent(2, conversation=personal_id(BEN))[-1])
    assert facts(invitation)["Passcode"] == meeting["password"]
    assert "Design sync" in str(invitation)
    mine = valid_card(bot.fake.sent(personal_id(ASHA))[-1])  # the full reply, privately
    text = str(mine)
    assert "Sent privately to Ben Okafor" in text
    assert "Carl Chen (no 1:1 chat with SecureMeet" in text and "Nobody (not a member" in text
    for message in bot.fake.sent("19:general@thread.tacv2"):
        assert meeting["password"] not in str(message)
    assert bot.fake.sent(personal_id(CARL)) == []


def query_link(bot, url: str, **kw: Any) -> dict[str, Any]:
    body = activity(kind="invoke", name="composeExtension/queryLink", value={"url": url},
                    service_url=bot.fake.service_url, where="channel", **kw)
    response = bot.post(body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_pasted_zoom_link_gets_a_safe_preview_once(bot):
    bot.say("tomorrow 3pm for 30m Unfurl me")
    bot.settle(20)
    (meeting,) = bot.zoom.meetings.values()
    link = meeting["join_url"]
    assert "pwd=" in link
    body = activity(kind="invoke", name="composeExtension/queryLink", value={"url": link},
                    service_url=bot.fake.service_url, where="channel")
    answer = bot.post(body).json()
    (attachment,) = answer["composeExtension"]["attachments"]
    card = attachment["content"]
    valid_card({"attachments": [attachment]})
    shown = str(card)
    assert "Unfurl me" in shown and "rules ✓" in shown and "passcode" in shown
    assert meeting["password"] not in str(answer) and "pwd=" not in str(card)
    again = bot.post(body).json()  # the same invoke delivered again: claimed already
    assert again["composeExtension"]["attachments"] == []
    unknown = query_link(bot, "https://zoom.us/j/99999999999?pwd=x")
    assert unknown["composeExtension"]["attachments"] == []
    assert bot.services.store.events(kinds=("leak",)) == []  # a preview is not a leak


def test_a_personal_install_says_hello_once_and_an_uninstall_forgets(bot):
    for kind, extra in (("installationUpdate", {"action": "add"}),
                        ("conversationUpdate", {"membersAdded": [{"id": BOT_ID}]})):
        body = activity(kind=kind, service_url=bot.fake.service_url, **extra)
        assert bot.post(body).status_code == 200
    bot.settle()
    (hello,) = bot.fake.wait_sent(1, conversation=personal_id(ASHA))
    assert "Thanks for adding SecureMeet" in str(hello) and "audit" in str(hello)
    assert [r.kind for r in bot.services.store.teams_conversations(f"teams:{ASHA.aad}")] == [
        "personal"]
    body = activity(kind="installationUpdate", service_url=bot.fake.service_url,
                    action="remove")
    assert bot.post(body).status_code == 200
    bot.settle()
    assert bot.services.store.teams_conversations(f"teams:{ASHA.aad}") == []
    assert len(bot.fake.sent(personal_id(ASHA))) == 1


def test_without_client_info_the_local_timezone_or_the_country_gives_the_zone(bot):
    bot.post(activity("tomorrow 3pm for 30m Berlin time", service_url=bot.fake.service_url,
                      tz=None, localTimezone="Europe/Berlin"))
    bot.settle(20)
    card = valid_card(bot.fake.wait_sent(1, conversation=personal_id(ASHA))[-1])
    assert facts(card)["When"].endswith(("CET", "CEST"))
    assert country_zone("IN") == "Asia/Kolkata" and country_zone("in") == "Asia/Kolkata"
    assert country_zone("US") == "" and country_zone("") == "" and country_zone("X1") == ""
