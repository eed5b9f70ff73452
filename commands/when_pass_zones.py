"""Passes for time zones: IANA names, UTC offsets, "Z", abbreviations, "<place> time".

A zone changes how the clock time, weekday names and dates are read, never the
words themselves; naming the same zone twice ("14:00 UTC - 16:00 UTC") is fine,
two different ones is an error.
"""

from __future__ import annotations

import re
from datetime import timedelta

from commands.when_grammar import IANA_ZONE, MASK, B, E, alternation, scan_pass
from commands.when_types import GrammarError, Parts, ZoneRef
from commands.when_words import NAMED_ZONES, SHORT_ZONES, ZONE_ABBREVIATIONS

__all__ = ["iana", "offset_zone", "short_zone", "utc_offset", "zone_ref", "zone_word", "zulu"]


@scan_pass(rf"{B}(?:in\s+)?(?P<z>{IANA_ZONE}){E}", needs=("/",))
def iana(m: re.Match[str], parts: Parts) -> bool:
    parts.set_zone(ZoneRef(m["z"], parts.said(m, "z")), parts.said(m))
    return True


@scan_pass(
    rf"{B}(?:in\s+)?(?:utc|gmt)\s?(?P<sign>[+\-−])(?P<h>\d{{1,2}})(?::?(?P<m>\d{{2}}))?{E}",
    needs=("utc", "gmt"),
)
def utc_offset(m: re.Match[str], parts: Parts) -> bool:
    parts.set_zone(offset_zone(m["sign"], m["h"], m["m"], parts.said(m)), parts.said(m))
    return True


def offset_zone(sign: str, hours_text: str, minutes_text: str | None, said: str) -> ZoneRef:
    """A fixed offset such as "UTC+5:30" or ISO's "-05:00"."""
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if hours > 14 or minutes > 59:
        raise GrammarError(f"“{said}” is not a UTC offset; offsets run from -12 to +14.")
    direction = -1 if sign in "-−" else 1
    label = f"UTC{'+' if direction > 0 else '-'}{hours:02d}:{minutes:02d}"
    if not hours and not minutes:
        return ZoneRef("UTC", said)
    return ZoneRef(label, said, offset=direction * timedelta(hours=hours, minutes=minutes))


@scan_pass(rf"(?<=\d)z{E}", needs=("z",))
def zulu(m: re.Match[str], parts: Parts) -> bool:
    """ "15:00Z": ISO's mark for UTC."""
    parts.set_zone(ZoneRef("UTC", "Z"), parts.said(m))
    return True


# "3pm IST time tomorrow", but "3pm IST Time tracking demo" (a title follows)
_NOT_A_TITLE = r"(?!\s+(?!(?:today|tonight|tomorrow|on|at|for|from|every)(?![a-z]))[a-z])"


@scan_pass(
    rf"""{B}(?:in\s+)?(?:(?P<abbr>{alternation(ZONE_ABBREVIATIONS)})(?:\s+time{_NOT_A_TITLE})?
    | (?P<name>{alternation(NAMED_ZONES)})\s+time){E}""",
    needs=(*ZONE_ABBREVIATIONS, "time"),
)
def zone_word(m: re.Match[str], parts: Parts) -> bool:
    if m["abbr"]:
        ref = zone_ref(m["abbr"])
    else:
        ref = ZoneRef(NAMED_ZONES[" ".join(m["name"].split())], parts.said(m))
    parts.set_zone(ref, parts.said(m))
    return True


def zone_ref(word: str) -> ZoneRef:
    """The zone an abbreviation names ("pst"), or UTC for ISO's "z"."""
    if word == "z":
        return ZoneRef("UTC", "Z")
    key, dst = ZONE_ABBREVIATIONS[word]
    return ZoneRef(key, word.upper(), dst=dst)


@scan_pass(
    rf"(?:(?<=\x00)|(?<=\x00\s))(?P<abbr>pt|et|ct|mt|z){E}",
    needs=("pt", "et", "ct", "mt", "z"),
    after=MASK,
)
def short_zone(m: re.Match[str], parts: Parts) -> bool:
    """ "3pm ET", "15:00 Z": short forms count only right after a time."""
    word = m["abbr"]
    key = "UTC" if word == "z" else SHORT_ZONES[word]
    parts.set_zone(ZoneRef(key, m["abbr"].upper()), parts.said(m))
    return True
