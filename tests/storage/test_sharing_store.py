"""Sharing privately, on both backends: invitations sent, join-link hosts learned, and a
Teams conversation forgotten on uninstall."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.records import Invitation, TeamsConversation

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def test_invitations_are_kept_in_order_once_per_person(store):
    ravi = Invitation(1, "slack:T1:URAVI", "Ravi@Example.org", "Ravi", "Asia/Kolkata", NOW)
    meera = Invitation(1, "slack:T1:UMEERA", "meera@example.org", "Meera", "Europe/Paris", NOW)
    store.save_invitations([ravi, meera])
    store.save_invitations([ravi])  # a second time: a no-op
    store.save_invitations([Invitation(2, "teams:aad-1", at=NOW)])
    found = store.invitations(1)
    assert [i.user for i in found] == ["slack:T1:URAVI", "slack:T1:UMEERA"]
    assert found[0].email == "ravi@example.org" and found[0].tz == "Asia/Kolkata"
    assert found[0].at == NOW
    assert [i.user for i in store.invitations(2)] == ["teams:aad-1"]
    assert store.invitations(3) == []


def test_join_hosts_are_learned_once_in_lower_case(store):
    assert store.join_hosts() == frozenset()
    store.learn_join_host("Meet.Example.test", at=NOW)
    store.learn_join_host("meet.example.test", at=NOW)
    store.learn_join_host("127.0.0.1", at=NOW)
    assert store.join_hosts() == {"meet.example.test", "127.0.0.1"}


def test_an_uninstall_forgets_that_conversation_only(store):
    def ref(conversation: str, user: str) -> TeamsConversation:
        return TeamsConversation(conversation, user, "personal", "https://smba.example/",
                                 "tenant-1", "29:1a", "28:bot", NOW)

    store.save_teams_conversation(ref("a:personal-1", "teams:aad-1"))
    store.save_teams_conversation(ref("a:personal-2", "teams:aad-2"))
    assert store.forget_teams_conversation("a:personal-1") == 1
    assert store.forget_teams_conversation("a:personal-1") == 0
    assert store.teams_conversations("teams:aad-1") == []
    assert len(store.teams_conversations("teams:aad-2")) == 1
