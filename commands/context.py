"""What every command receives: who is asking, and the ports to the world.

Front ends build a :class:`Requester` from the platform's request and reuse one
:class:`Context` built by the composition root (``bot/app.py``). Tests build both
directly with fakes, which is the point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from commands.ports import Store, ZoomGateway


@dataclass(frozen=True)
class Requester:
    user: str  # platform-qualified id: "slack:T123:U456", "teams:<aad>", "console:<email>"
    platform: str  # slack | teams | console
    email: str  # the Zoom host identity
    tz: str = "UTC"  # IANA zone
    is_admin: bool = False
    name: str = ""


@dataclass(frozen=True)
class Context:
    zoom: ZoomGateway
    store: Store
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    policy_level: str = "standard"
    sandbox: bool = False
    secret_key: bytes = b""  # keys passcode fingerprints; never a Zoom or chat secret
    day_first: bool = False  # 05/12 = 5 December when True

    def now(self) -> datetime:
        return self.clock()
