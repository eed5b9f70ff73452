"""The terminal sends a reply's notices through the chat messengers, on one event loop
for the whole session, and closes the messengers once, at the end; a command that stays
offline builds none."""

from __future__ import annotations

from typing import Any

from bot.bootstrap import bootstrap
from bot.cli import console_handler
from bot.config import Config


class ClosedForGood:
    """A messenger whose HTTP client cannot be used once closed (Teams' is so)."""

    platform = "teams"

    def __init__(self) -> None:
        self.closed = 0
        self.sent: list[str] = []

    async def start(self) -> None: ...

    async def close(self) -> None:
        self.closed += 1

    async def notify(self, user: str, reply: Any) -> None:
        if self.closed:
            raise RuntimeError("the client has been closed")
        self.sent.append(user)

    async def send_private(self, user: str, reply: Any) -> None:
        await self.notify(user, reply)

    async def user_for_email(self, email: str) -> str | None:
        return f"teams:{email.split('@')[0]}"


def meeting_of(reply: Any) -> str:
    return next(a.command.split()[1] for a in reply.actions if a.verb == "end")


def test_every_notice_of_a_session_is_sent_and_the_messengers_closed_once(tmp_path):
    built = bootstrap(Config(db_path=str(tmp_path / "securemeet.db")))
    messenger = ClosedForGood()
    built.messengers["teams"] = messenger  # type: ignore[assignment]
    try:
        with console_handler(built, "host@example.com", "UTC") as host:
            meetings = [meeting_of(host(f"tomorrow {h}pm for 30m Plan {h}")) for h in (2, 3)]
        messenger.closed = 0  # the host's session ended; the admin's starts
        with console_handler(built, "admin@example.com", "UTC") as admin:
            for meeting_id in meetings:  # the host is told of each, in one session
                assert not admin(f"cancel {meeting_id} confirm").error
            assert messenger.closed == 0
        assert messenger.sent == ["teams:host", "teams:host"]
        assert messenger.closed == 1
    finally:
        built.close()


def test_an_offline_command_builds_no_messenger(tmp_path):
    """``securemeet stats`` reads the database only: no chat client is made for it."""
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s" * 32,
           "SECUREMEET_DB": str(tmp_path / "securemeet.db")}
    online = bootstrap(Config.from_env(env))
    offline = bootstrap(Config.from_env(env), offline=True)
    try:
        assert set(online.messengers) == {"slack"} and offline.messengers == {}
    finally:
        online.close()
        offline.close()
