"""Teams conversation references, on both backends: one row per conversation and user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.records import Person, TeamsConversation
from storage.postgres.migrations import NAMES as POSTGRES_MIGRATIONS
from storage.schema import migrations

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def ref(conversation: str, kind: str, *, user: str = "teams:aad-1", minutes: int = 0,
        service_url: str = "https://smba.example/") -> TeamsConversation:
    return TeamsConversation(conversation, user, kind, service_url, "tenant-1", "29:1a",
                             "28:bot", NOW + timedelta(minutes=minutes))


def test_the_migration_is_registered():
    assert "m003_teams_conversations" in [m.name for m in migrations._migrations]
    assert "m003_teams_conversations" in POSTGRES_MIGRATIONS


def test_personal_chats_come_first_then_the_most_recent(store):
    store.save_teams_conversation(ref("19:old@thread", "channel", minutes=1))
    store.save_teams_conversation(ref("a:personal", "personal", minutes=0))
    store.save_teams_conversation(ref("19:new@thread", "groupChat", minutes=5))
    store.save_teams_conversation(ref("a:other", "personal", user="teams:aad-2"))
    found = store.teams_conversations("teams:aad-1")
    assert [r.conversation_id for r in found] == ["a:personal", "19:new@thread", "19:old@thread"]
    assert found[0] == ref("a:personal", "personal")


def test_a_conversation_is_updated_not_duplicated(store):
    store.save_teams_conversation(ref("a:personal", "personal"))
    store.save_teams_conversation(ref("a:personal", "personal", minutes=9,
                                      service_url="https://smba.other/"))
    (only,) = store.teams_conversations("teams:aad-1")
    assert only.service_url == "https://smba.other/"
    assert only.updated_at == NOW + timedelta(minutes=9)


def test_teams_users_are_found_by_their_cached_email(store):
    store.save_person(Person("teams:aad-1", "asha@example.com", "UTC", False, "Asha", NOW))
    store.save_person(Person("slack:T1:U1", "asha@example.com", "UTC", False, "Asha", NOW))
    assert store.teams_users_with_email("ASHA@example.com") == ["teams:aad-1"]
    assert store.teams_users_with_email("nobody@example.com") == []
