"""The .ics invitation: RFC 5545 shape, UTC times, recurrence, and never a passcode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from commands import calendar
from commands.records import MeetingRecord

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))


def record(**changes: object) -> MeetingRecord:
    base = dict(
        meeting_id=12345678901, host_email="host@example.com", requester="slack:T1:U1",
        platform="slack", topic="Budget review; Q4, final", timezone="Asia/Kolkata",
        start_time=datetime(2026, 11, 30, 15, 0, tzinfo=IST), duration_min=45,
        recurrence=None, policy_level="standard", policy_version="v1", compliant=True,
        failed_rules=(), created_at=NOW, join_url_public="https://zoom.us/j/12345678901",
    )
    base.update(changes)
    return MeetingRecord(**base)  # type: ignore[arg-type]


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_event_fields_in_utc():
    lines = unfold(calendar.ics(record(), now=NOW))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines and "BEGIN:VEVENT" in lines
    assert "UID:12345678901@securemeet" in lines
    assert "DTSTAMP:20261129T080000Z" in lines
    assert "DTSTART:20261130T093000Z" in lines  # 15:00 IST
    assert "DTEND:20261130T101500Z" in lines
    assert "SUMMARY:Budget review\\; Q4\\, final" in lines
    assert "URL:https://zoom.us/j/12345678901" in lines
    description = next(x for x in lines if x.startswith("DESCRIPTION:"))
    assert "123 4567 8901" in description and "passcode is not in this invitation" in description


def test_passcode_never_appears_even_if_the_stored_link_had_one():
    text = calendar.ics(record(join_url_public="https://zoom.us/j/12345678901?pwd=SeCrEt99#x"),
                        now=NOW)
    assert "SeCrEt99" not in text and "pwd" not in text
    assert "URL:https://zoom.us/j/12345678901\r\n" in text


def test_lines_are_crlf_and_folded_at_75_octets():
    text = calendar.ics(record(topic="Ünïcödé " * 40), now=NOW)
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    assert "\n" not in text.replace("\r\n", "")
    assert any(line.startswith(" ") for line in text.split("\r\n"))  # something was folded


@pytest.mark.parametrize(("zoom", "kind", "rule"), [
    ({"type": 1, "repeat_interval": 1, "end_times": 12}, "daily", "FREQ=DAILY;COUNT=12"),
    ({"type": 2, "repeat_interval": 1, "weekly_days": "2,4", "end_times": 12}, "weekly",
     "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=12"),
    ({"type": 2, "repeat_interval": 2, "weekly_days": "2,3,4,5,6", "end_times": 5}, "weekdays",
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;COUNT=5"),
    ({"type": 3, "repeat_interval": 1, "monthly_day": 5,
      "end_date_time": "2027-06-01T00:00:00Z"}, "monthly",
     "FREQ=MONTHLY;BYMONTHDAY=5;UNTIL=20270601T000000Z"),
    (None, "weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=12"),
    (None, None, ""),
])
def test_recurrence(zoom, kind, rule):
    assert calendar.rrule(kind, zoom) == rule
    text = calendar.ics(record(recurrence=kind), now=NOW, recurrence=zoom)
    assert (f"RRULE:{rule}" in unfold(text)) == bool(rule)


def test_naive_or_missing_start_is_refused():
    with pytest.raises(ValueError):
        calendar.ics(record(start_time=None), now=NOW)
    with pytest.raises(ValueError):
        calendar.stamp(datetime(2026, 1, 1))


def test_typed_calendar_command_in_the_terminal_chat(tmp_path):
    """``calendar <ID>`` is a command like the others: the host gets the .ics shown in the
    terminal, without the passcode; anyone else a refusal."""
    from bot import console
    from bot.bootstrap import bootstrap
    from bot.config import Config
    from commands import router
    from commands.context import Requester

    services = bootstrap(Config(db_path=str(tmp_path / "cal.db")))
    host = Requester(user="console:ann", platform="console", email="ann@example.com")
    other = Requester(user="console:bob", platform="console", email="bob@example.com")
    try:
        made = router.dispatch(services.ctx, host, "tomorrow 3pm Budget")
        meeting_id = next(f.value for f in made.facts if f.label == "Meeting ID")
        code = next(f.value for f in made.facts if f.label == "Passcode")
        shown = console.render(router.dispatch(services.ctx, host, f"calendar {meeting_id}"))
        assert "BEGIN:VCALENDAR" in shown and "SUMMARY:Budget" in shown
        assert code not in shown
        refused = router.dispatch(services.ctx, other, f"calendar {meeting_id}")
        assert refused.error and not refused.attachments
    finally:
        services.close()
