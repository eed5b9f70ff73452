"""users.info → Person: email, time zone (validated), admin = workspace admin or owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack.people import person_from, user_key

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
