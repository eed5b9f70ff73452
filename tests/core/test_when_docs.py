"""docs/WHEN.md kept true: every form it lists as understood books a time, and
every form it lists as asked about is a question."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from commands.when import UnsureTime, WhenError, parse_when
from tests.paths import ROOT

DOC = (ROOT / "docs" / "WHEN.md").read_text(encoding="utf-8")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # a Tuesday
TZ = "Asia/Kolkata"


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def _examples(title: str, column: int) -> list[str]:
    """Every `backticked` phrase in one column of the section's table."""
    found = []
    for line in _section(title).splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > column + 1 and not set(line) <= set("|- "):
            found += re.findall(r"`([^`]+)`", cells[column + 1])
    return [example for example in found if example not in ("|",)]


UNDERSTOOD = _examples("What is understood", 1)
ASKED = _examples("Forms asked about rather than understood", 1)
# A listed form may be a fragment ("IST", "for 45m", "Dec 5"): it counts as
# understood if it books alone or with a time or a day around it.
AROUND = ("{}", "{} 3pm", "3pm {}", "tomorrow {}", "{} 10am", "{} 9pm", "tomorrow 3pm {}")


def test_the_tables_were_found() -> None:
    assert len(UNDERSTOOD) > 250 and len(ASKED) > 40


@pytest.mark.parametrize("form", UNDERSTOOD)
def test_every_form_listed_as_understood_books(form: str) -> None:
    for around in AROUND:
        try:
            parse_when(around.format(form), NOW, TZ)
            return
        except WhenError:
            continue
    pytest.fail(f"docs/WHEN.md lists {form!r} as understood, but it books in no context")


@pytest.mark.parametrize("form", ASKED)
def test_every_form_listed_as_asked_is_a_question(form: str) -> None:
    with pytest.raises(UnsureTime):
        parse_when(form, NOW, TZ)
