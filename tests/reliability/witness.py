"""Everything the test session produced that could leak a secret, and the scan over it.

Installed once per session (``tests/reliability/session.py``), before any test runs,
so it sees the *whole* run — the reliability suite alone or the full suite:

* every log record at DEBUG, from every logger, with its exception text, captured raw
  (without :class:`bot.logs.RedactingFilter`: code must not log a secret in the first
  place), plus the log output of every ``securemeet serve`` subprocess;
* every secret the outside world handed out: each passcode the Zoom emulator stored
  (with its encrypted, H.323 and phone forms), each start URL and its ``zak``, each
  access token it issued, its client secret; the Slack bot token and signing secret;
* everything that reached the fake Slack, split into what only the requester sees
  (ephemeral ``response_url`` bodies, direct messages to one person: an invitation)
  and what others could see (``chat.postMessage`` elsewhere, non-ephemeral bodies,
  Home tab views, uploaded files, ephemeral messages in a channel, link unfurls);
* every SQLite database a store opened.

:func:`scan` looks for each secret in each place it must never be. Passcodes may appear
only in ephemeral replies; tokens, secrets and start URLs nowhere at all.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

_lock = threading.Lock()
secrets: dict[str, str] = {}  # secret value -> what it is
logs: list[str] = []
private: list[str] = []  # what only the requester sees
public: list[str] = []  # what others could see
everything_to_slack: list[str] = []
databases: set[Path] = set()
_installed = False

PASSCODE_KINDS = ("passcode", "encrypted passcode", "H.323 passcode", "phone passcode")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = f"{record.name} {record.levelname} {record.getMessage()}"
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            if record.stack_info:
                text += "\n" + record.stack_info
        except Exception:  # a broken record is not ours to fail on
            return
        with _lock:
            logs.append(text)


def add_secret(value: Any, kind: str, *, min_len: int = 6) -> None:
    if isinstance(value, str | int) and len(str(value)) >= min_len:
        with _lock:
            secrets.setdefault(str(value), kind)


def add_log_text(text: str, *, source: str) -> None:
    with _lock:
        logs.extend(f"{source} {line}" for line in text.splitlines())


def track_database(path: Path | str) -> None:
    if str(path) not in ("", ":memory:"):
        with _lock:
            databases.add(Path(path))



def _meeting_secrets(data: Any) -> None:
    if not isinstance(data, dict):
        return
    add_secret(data.get("password"), "passcode")
    add_secret(data.get("encrypted_password"), "encrypted passcode")
    add_secret(data.get("h323_password"), "H.323 passcode", min_len=8)
    add_secret(data.get("pstn_password"), "phone passcode", min_len=8)
    start_url = data.get("start_url")
    if isinstance(start_url, str) and start_url:
        add_secret(start_url, "start URL")
        for zak in parse_qs(urlparse(start_url).query).get("zak", []):
            add_secret(zak, "start URL zak token")


def install(config: Any = None) -> None:
    """Hook the log, the emulator, the fake Slack and the store (idempotent).

    The log is tapped in :meth:`logging.Logger.callHandlers`, not as a root handler,
    because ``securemeet``'s CLI (run by some tests) replaces the root's handlers; and
    the root is put back to DEBUG before every test of the session, since the CLI also
    sets its level."""
    global _installed
    if _installed:
        return
    _installed = True
    capture = _Capture()
    call_handlers = logging.Logger.callHandlers

    @functools.wraps(call_handlers)
    def tapped(self: logging.Logger, record: logging.LogRecord) -> None:
        capture.handle(record)
        call_handlers(self, record)

    logging.Logger.callHandlers = tapped  # type: ignore[method-assign]
    logging.getLogger().setLevel(logging.DEBUG)
    if config is not None:
        config.pluginmanager.register(_EveryTest(), "reliability-witness")

    from tests.fakes import slack as slack_fake

    add_secret(slack_fake.BOT_TOKEN, "Slack bot token")
    add_secret(slack_fake.SIGNING_SECRET, "Slack signing secret")
    _hook_emulator()
    _hook_fake_slack(slack_fake.FakeSlack)
    _hook_store()


class _EveryTest:
    """A session-wide plugin (not bound to this directory): DEBUG before every test."""

    def pytest_runtest_setup(self, item: Any) -> None:
        logging.getLogger().setLevel(logging.DEBUG)


def _hook_emulator() -> None:
    from bot.zoom_emulator.state import ZoomState

    issue, render, update = ZoomState.issue_token, ZoomState._render, ZoomState.update_meeting

    @functools.wraps(issue)
    def issue_token(self: Any, *args: Any, **kw: Any) -> Any:
        add_secret(self.client_secret, "Zoom client secret")
        result = issue(self, *args, **kw)
        add_secret(result.get("access_token"), "Zoom access token")
        return result

    @functools.wraps(render)
    def _render(self: Any, data: Any, **kw: Any) -> Any:
        out = render(self, data, **kw)
        _meeting_secrets(out)
        return out

    @functools.wraps(update)
    def update_meeting(self: Any, meeting_id: str, body: Any, *args: Any, **kw: Any) -> Any:
        result = update(self, meeting_id, body, *args, **kw)
        _meeting_secrets(self._meeting(meeting_id).data)
        return result

    ZoomState.issue_token = issue_token  # type: ignore[method-assign]
    ZoomState._render = _render  # type: ignore[method-assign]
    ZoomState.update_meeting = update_meeting  # type: ignore[method-assign]


def _hook_fake_slack(cls: Any) -> None:
    record = cls._record

    @functools.wraps(record)
    def _record(self: Any, call: Any) -> Any:
        text = call.raw.decode(errors="replace")
        with _lock:
            everything_to_slack.append(text)
            ephemeral = call.data.get("response_type", "ephemeral") == "ephemeral"
            one_to_one = str(call.data.get("channel") or "").startswith("D")
            if call.method == "response" and ephemeral:  # Slack's default for response_url
                private.append(text)
            elif call.method == "chat.postMessage" and one_to_one:
                private.append(text)  # a direct message to one person: an invitation
            elif call.method == "chat.unfurl":
                # Keyed by the URLs as the user posted them (Slack's API): the previews
                # SecureMeet attaches are what it shows, and they must hold no secret.
                unfurls = call.data.get("unfurls") or {}
                if isinstance(unfurls, str):
                    unfurls = json.loads(unfurls)
                public.append(json.dumps(list(unfurls.values())))
            elif call.method in ("response", "chat.postMessage", "chat.update",
                                 "chat.scheduleMessage", "views.publish", "upload",
                                 "files.completeUploadExternal", "chat.postEphemeral"):
                public.append(text)
        return record(self, call)

    cls._record = _record


def _hook_store() -> None:
    from storage.sqlite_store import SqliteStore

    init = SqliteStore.__init__

    @functools.wraps(init)
    def __init__(self: Any, path: Any, *args: Any, **kw: Any) -> None:
        track_database(path)
        init(self, path, *args, **kw)

    SqliteStore.__init__ = __init__  # type: ignore[method-assign]


# --- the scan --------------------------------------------------------------------------

@dataclass(frozen=True)
class Leak:
    kind: str  # what leaked
    where: str  # log | database <file>:<table> | public Slack message | Slack
    excerpt: str


def dump_database(path: Path) -> dict[str, str]:
    """Every row of every table, as text, by table name."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table'")]
        for table in tables:
            rows = conn.execute(f'select * from "{table}"').fetchall()  # noqa: S608
            out[table] = "\n".join(json.dumps(row, default=str) for row in rows)
    finally:
        conn.close()
    return out


def _excerpt(text: str, secret: str) -> str:
    at = text.find(secret)
    return text[max(0, at - 80): at + len(secret) + 40].replace(secret, "<<SECRET>>")


def scan() -> list[Leak]:
    with _lock:
        found = dict(secrets)
        places: list[tuple[str, str]] = [("log", "\n".join(logs)),
                                         ("public Slack message", "\n".join(public))]
        to_slack = "\n".join(everything_to_slack)
        dbs = sorted(databases)
    for path in dbs:
        for table, text in dump_database(path).items():
            places.append((f"database {path.name}:{table}", text))
    places.append(("Slack (any body)", to_slack))  # a token never goes to Slack
    leaks: list[Leak] = []
    if not found:
        return leaks
    automaton = _automaton(found)  # every secret at once: one pass over each text
    for name, text in places:
        seen: set[str] = set()
        for end, secret in automaton.iter(text):
            if secret in seen:
                continue
            kind = found[secret]
            if name == "Slack (any body)" and kind in PASSCODE_KINDS:
                continue  # a passcode may go to Slack: in the private reply
            start = end - len(secret) + 1
            if secret.isdigit() and (text[start - 1:start].isdigit()
                                     or text[end + 1:end + 2].isdigit()):
                continue  # digits only (a phone passcode) inside a longer number
            seen.add(secret)
            leaks.append(Leak(kind, name, _excerpt(text, secret)))
    return leaks


def _automaton(found: dict[str, str]) -> Any:
    """Aho–Corasick over every secret (pyahocorasick): checking thousands of secrets
    against megabytes of logs one ``in`` at a time took most of a minute."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for secret in found:
        automaton.add_word(secret, secret)
    automaton.make_automaton()
    return automaton


def dump(path: Path) -> None:
    """What this process saw, for the process that scans the whole run (pytest-xdist: a
    worker writes it at the end, the controller reads them all)."""
    with _lock:
        data = {"secrets": secrets, "logs": logs, "private": private, "public": public,
                "everything_to_slack": everything_to_slack,
                "databases": sorted(str(d) for d in databases)}
        path.write_text(json.dumps(data), encoding="utf-8")


def merge(path: Path) -> None:
    """Add what another process saw (:func:`dump`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    with _lock:
        for secret, kind in data["secrets"].items():
            secrets.setdefault(secret, kind)
        logs.extend(data["logs"])
        private.extend(data["private"])
        public.extend(data["public"])
        everything_to_slack.extend(data["everything_to_slack"])
        databases.update(Path(d) for d in data["databases"])


def whole_run_problems() -> list[str]:
    """Why the capture cannot be trusted to have seen a whole run (empty: it can)."""
    seen = summary()
    checks = {
        "fewer than 1000 log lines": seen["log lines"] > 1000,
        "fewer than 50 passcodes": seen.get("passcode", 0) >= 50,
        "fewer than 5 Zoom access tokens": seen.get("Zoom access token", 0) >= 5,
        "fewer than 50 start URLs": seen.get("start URL", 0) >= 50,
        "fewer than 3 databases": seen["databases"] >= 3,
        "fewer than 50 private replies": seen["private replies"] >= 50,
    }
    problems = [why for why, ok in checks.items() if not ok]
    with _lock:
        log = "\n".join(logs)
    if "securemeet.zoom" not in log or "securemeet.access" not in log:
        problems.append("the log capture missed SecureMeet's own loggers")
    return problems


def summary() -> dict[str, int]:
    with _lock:
        kinds: dict[str, int] = {}
        for kind in secrets.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        return {"log lines": len(logs), "private replies": len(private),
                "public messages": len(public), "databases": len(databases), **kinds}
