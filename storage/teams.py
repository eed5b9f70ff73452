"""Microsoft Teams conversation references: where the bot can reach a user later.

A reply in a channel that carries a passcode goes to the requester's 1:1 chat with the
bot instead, and live host duties (Zoom webhooks) message a host who may not have
written to the bot for hours. Both need what Bot Framework calls a conversation
reference: the conversation id, the service URL to post to, the tenant, the user's
Teams id (``29:…``) and the bot's (``28:…``). One row is kept per conversation and
user, refreshed on every message and installation; nothing secret is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from commands.records import TeamsConversation

TABLE = "teams_conversations"


def create(db: Database) -> None:
    """The table (called from a migration in ``storage/schema.py``)."""
    db[TABLE].create({
        "conversation_id": str, "user": str, "kind": str, "service_url": str,
        "tenant_id": str, "member_id": str, "bot_id": str, "updated_at": str,
    }, pk=("conversation_id", "user"))
    db[TABLE].create_index(["user", "kind", "updated_at"])


def save(db: Database, ref: TeamsConversation) -> None:
    at = (ref.updated_at or datetime.now(UTC)).astimezone(UTC)
    db[TABLE].upsert({
        "conversation_id": ref.conversation_id, "user": ref.user, "kind": ref.kind,
        "service_url": ref.service_url, "tenant_id": ref.tenant_id,
        "member_id": ref.member_id, "bot_id": ref.bot_id,
        "updated_at": at.isoformat(timespec="seconds"),
    }, pk=("conversation_id", "user"))


def for_user(db: Database, user: str) -> list[TeamsConversation]:
    """The user's conversations, 1:1 chats first, then the most recently used."""
    rows = db[TABLE].rows_where(
        "user = ?", [user],
        order_by="case kind when 'personal' then 0 else 1 end, updated_at desc")
    return [_ref(r) for r in rows]


def forget(db: Database, conversation_id: str) -> int:
    """Drop a conversation's references (the app was uninstalled there)."""
    return db.execute(f"delete from {TABLE} where conversation_id = ?",
                      [conversation_id.split(";")[0]]).rowcount


def users_with_email(db: Database, email: str) -> list[str]:
    """Teams users (``teams:…``) whose cached profile has ``email``."""
    rows = db.execute("select user from people where lower(email) = lower(?) and "
                      "user like 'teams:%' order by fetched_at desc", [email]).fetchall()
    return [r[0] for r in rows]


def _ref(row: dict[str, Any]) -> TeamsConversation:
    return TeamsConversation(
        conversation_id=row["conversation_id"], user=row["user"], kind=row["kind"],
        service_url=row["service_url"], tenant_id=row["tenant_id"] or "",
        member_id=row["member_id"] or "", bot_id=row["bot_id"] or "",
        updated_at=datetime.fromisoformat(row["updated_at"]) if row["updated_at"] else None)
