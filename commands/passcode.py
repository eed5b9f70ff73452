"""Meeting passcodes: generated fresh and strong, and judged when found elsewhere.

Two constraints meet here. CERT-In asks for at least 8 characters drawn from at least
three of the four classes (lower, upper, digit, symbol). Zoom accepts at most 10
characters of ``[A-Za-z0-9@-_*]`` (``password`` maxLength 10 in the Meeting API spec;
see ``../shared/research/zoom.md`` §2). So we generate exactly 10 characters from
Zoom's alphabet with every class present, using :mod:`secrets`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
SYMBOLS = "@-_*"
ALPHABET = LOWER + UPPER + DIGITS + SYMBOLS
LENGTH = 10  # Zoom's maximum, and above CERT-In's minimum of 8
MIN_LENGTH = 8
MIN_CLASSES = 3
_CLASSES = (LOWER, UPPER, DIGITS, SYMBOLS)
# Characters people misread when a passcode is read aloud or typed from a phone.
_AMBIGUOUS = set("O0Il1")


def generate(rng: secrets.SystemRandom | None = None) -> str:
    """A fresh passcode: 10 characters, all four classes, no easily-confused pairs."""
    rng = rng or secrets.SystemRandom()
    pools = [[c for c in cls if c not in _AMBIGUOUS] for cls in _CLASSES]
    chars = [rng.choice(pool) for pool in pools]
    everything = [c for pool in pools for c in pool]
    chars += [rng.choice(everything) for _ in range(LENGTH - len(chars))]
    rng.shuffle(chars)
    code = "".join(chars)
    # Regenerate in the rare case the shuffle produced a weak-looking run.
    return code if not weaknesses(code) else generate(rng)


def classes(code: str) -> int:
    return sum(any(c in cls for c in code) for cls in _CLASSES)


@dataclass(frozen=True)
class Verdict:
    strong: bool
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "strong"


def weaknesses(code: str, *, earlier: Iterable[str] = (), key: bytes = b"") -> tuple[str, ...]:
    """Why ``code`` is weak (empty when it is strong). ``earlier`` holds fingerprints."""
    reasons: list[str] = []
    if len(code) < MIN_LENGTH:
        reasons.append(f"only {len(code)} characters (at least {MIN_LENGTH})")
    n = classes(code)
    if n < MIN_CLASSES:
        reasons.append(f"{n} character class{'es' if n != 1 else ''} (at least {MIN_CLASSES} "
                       "of lower, upper, digits, symbols)")
    if _repetitive(code):
        reasons.append("repeated or sequential characters")
    earlier = set(earlier)
    if earlier and fingerprint(code, key=key) in earlier:
        reasons.append("the same as an earlier meeting's")
    return tuple(reasons)


def judge(code: str | None, *, earlier: Iterable[str] = (), key: bytes = b"") -> Verdict:
    if not code:
        return Verdict(False, ("no passcode",))
    reasons = weaknesses(code, earlier=earlier, key=key)
    return Verdict(not reasons, reasons)


def fingerprint(code: str, *, key: bytes) -> str:
    """A keyed hash so reuse can be spotted without storing passcodes (or cheap hashes)."""
    return hmac.new(key or b"securemeet", code.encode(), hashlib.sha256).hexdigest()[:32]


def _repetitive(code: str) -> bool:
    if len(set(code)) <= max(2, len(code) // 3):
        return True
    runs = 1
    for a, b in zip(code, code[1:], strict=False):
        same_or_next = a == b or (ord(b) - ord(a) == 1 and a.isalnum() and b.isalnum())
        runs = runs + 1 if same_or_next else 1
        if runs >= 4:
            return True
    return False
