"""users.info → Person: email, time zone (validated), Slack's admin flag (of a full member)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack.messenger import user_key
from bot.slack.people import person_from

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(("user", "email", "tz", "admin"), [
    ({"tz": "Asia/Kolkata", "profile": {"email": "Hana@Example.COM "}},
     "hana@example.com", "Asia/Kolkata", False),
    ({"tz": "Mars/Olympus", "is_admin": True, "profile": {"email": "a@b.c"}},
     "a@b.c", "Europe/London", True),
    ({"is_owner": True, "profile": {}}, "", "Europe/London", True),
    ({"is_primary_owner": True, "tz": None}, "", "Europe/London", True),
])
def test_person_from_users_info(user, email, tz, admin):
    person = person_from(user_key("T1", "U1"), {"id": "U1", **user},
                         default_tz="Europe/London", now=NOW)
    assert (person.user, person.email, person.tz, person.is_admin) == (
        "slack:T1:U1", email, tz, admin)
    assert person.fetched_at == NOW


@pytest.mark.parametrize(("flags", "why"), [
    ({"is_restricted": True}, "a guest"),
    ({"is_ultra_restricted": True}, "a single-channel guest"),
    ({"is_stranger": True}, "a Slack Connect user of another organisation"),
    ({"team_id": "TOTHER"}, "a member of another workspace"),
])
def test_slacks_admin_flag_counts_only_for_full_members_of_this_workspace(flags, why):
    """Security finding 3: a workspace admin of a Slack Connect partner, or a guest
    marked admin, never gets SecureMeet's admin rights through Slack's flag."""
    user = {"id": "U1", "team_id": "T1", "is_admin": True, "profile": {"email": "a@b.c"},
            **flags}
    assert not person_from("slack:T1:U1", user, default_tz="UTC", now=NOW,
                           home_team="T1").is_admin, why
    assert person_from("slack:T1:U1", {**user, **{k: False for k in flags if k != "team_id"},
                                       "team_id": "T1"},
                       default_tz="UTC", now=NOW, home_team="T1").is_admin
