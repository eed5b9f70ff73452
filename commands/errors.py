"""Errors the core knows about, and what the user sees for each.

The tree, so a reader sees at once what can be caught at which level::

    UserError                    shown to the user as written (plus an example)
    ├── NotAllowed               the requester may not do this (reveals nothing)
    ├── NotFound                 no such meeting, or not one we may show
    └── ZoomError                Zoom said no, or could not be reached
        ├── ZoomAuthError        124 / 4700: bad token or missing scopes (admin fixes)
        ├── ZoomNotFound         3001: meeting not found or expired
        ├── ZoomUserNotFound     1001 / 1010: the email is not a user of this account
        ├── ZoomNoSchedulingRights  3161
        ├── ZoomNotHost          3003
        ├── ZoomInProgress       3002: a meeting in progress cannot be deleted
        ├── ZoomDailyLimit       300 / daily 429: 100 creates per host per day
        ├── ZoomRateLimited      429 still there after our retries
        ├── ZoomBadRequest       400 / 300 validation the core did not foresee
        └── ZoomUnavailable      5xx, time-outs, refused connections after retries
            └── ZoomUnconfirmed  a create Zoom may have done: no answer, or a 5xx

Anything that is not a ``UserError`` is a bug: front ends log it with a reference id
and show "something went wrong (ref …)" instead of a stack trace.

``WhenError`` (in :mod:`commands.when`) is a ``UserError`` and a ``ValueError``.
"""

from __future__ import annotations


class UserError(Exception):
    """An error the user caused or can act on; its message is shown verbatim.

    ``examples``: commands that work, typed. ``choices``: when the request had two or
    more real readings, the whole command rewritten once per reading: the front ends
    offer each as a button that runs it (the terminal shows them to type)."""

    def __init__(self, message: str, *, examples: tuple[str, ...] = (),
                 choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.examples = examples
        self.choices = choices

    def __str__(self) -> str:
        return self.message


class NotAllowed(UserError):
    """The requester lacks the right; the message must not reveal anything else."""


class NotFound(UserError):
    """The thing asked for does not exist (or is not visible to the requester)."""


class ZoomError(UserError):
    """Zoom refused or failed. ``code`` is Zoom's numeric error code when known."""

    default_message = "Zoom could not do that right now. Please try again in a minute."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message or self.default_message)
        self.code = code
        self.status = status


class ZoomAuthError(ZoomError):
    default_message = (
        "SecureMeet's Zoom credentials were refused (bad token or missing scopes). "
        "An admin should run `securemeet doctor`."
    )


class ZoomNotFound(ZoomError):
    default_message = "That meeting was not found in Zoom (it may have expired or been deleted)."


class ZoomUserNotFound(ZoomError):
    default_message = (
        "Your email is not a user of this organisation's Zoom account, so SecureMeet "
        "cannot schedule for you. Ask your Zoom admin to add you."
    )


class ZoomNoSchedulingRights(ZoomError):
    default_message = (
        "Your Zoom user is not allowed to host or schedule meetings. "
        "Ask your Zoom admin for a licence with scheduling rights."
    )


class ZoomNotHost(ZoomError):
    default_message = "Zoom says you are not the host of that meeting."


class ZoomInProgress(ZoomError):
    default_message = ("That meeting is in progress, and Zoom does not delete a meeting in "
                       "progress. End it for everyone first.")


class ZoomDailyLimit(ZoomError):
    default_message = (
        "Zoom allows 100 meetings to be created or updated per host per day, and that "
        "limit is reached. It resets at 00:00 GMT."
    )


class ZoomRateLimited(ZoomError):
    default_message = "Zoom is busy (rate limited). Please try again in a minute."


class ZoomBadRequest(ZoomError):
    default_message = "Zoom rejected the request as invalid."


class ZoomUnavailable(ZoomError):
    default_message = "Zoom is not answering right now. Nothing was created; please try again."


class ZoomUnconfirmed(ZoomUnavailable):
    """A create that Zoom may or may not have carried out (a time-out, a dropped
    connection, a 5xx after sending it). ``schedule`` looks for the meeting before
    giving up, so that no meeting is left in Zoom without a record."""
