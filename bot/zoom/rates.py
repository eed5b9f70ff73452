"""Zoom's rate limits as data: each call's category, each plan's numbers per second.

Zoom limits requests **per account**, shared by every app installed on it, per
*category*: each endpoint's reference names its "Rate Limit Label" (Light, Medium,
Heavy), and the plan sets how many requests of each category a second the account may
send (https://developers.zoom.us/docs/api/rate-limits/, research/zoom.md §5):

=========  =====  =========  ===============================================
category   Pro    Business+  ours
=========  =====  =========  ===============================================
Light      30/s   80/s       read, change, end or delete one meeting; a user
Medium     20/s   60/s       create a meeting, list meetings, user settings,
                             account lock settings
Heavy      10/s   40/s       (reports, dashboards: SecureMeet calls none)
=========  =====  =========  ===============================================

Business+ is Business, Education, Enterprise and Partner accounts. Besides these, a
host may create or update at most 100 meetings a day (``ZoomDailyLimit``, never
retried). The labels below are copied from ``zoom-openapi-excerpt.json`` (each
operation's description), except ``GET /users/{userId}`` ("Get a user"), which the
excerpt does not hold: Light, as Zoom's reference labels it. A test keeps this table
equal to the excerpt and covering every route the client calls.
"""

from __future__ import annotations

LIGHT = "Light"
MEDIUM = "Medium"
HEAVY = "Heavy"

PLANS: dict[str, dict[str, int]] = {
    "pro": {LIGHT: 30, MEDIUM: 20, HEAVY: 10},
    "business": {LIGHT: 80, MEDIUM: 60, HEAVY: 40},
}
DEFAULT_PLAN = "pro"

CATEGORIES: dict[str, str] = {
    "POST /users/{userId}/meetings": MEDIUM,
    "GET /users/{userId}/meetings": MEDIUM,
    "GET /meetings/{meetingId}": LIGHT,
    "PATCH /meetings/{meetingId}": LIGHT,
    "DELETE /meetings/{meetingId}": LIGHT,
    "PUT /meetings/{meetingId}/status": LIGHT,
    "GET /users/{userId}": LIGHT,
    "GET /users/{userId}/settings": MEDIUM,
    "PATCH /users/{userId}/settings": MEDIUM,
    "GET /accounts/{accountId}/lock_settings": MEDIUM,
}


def category(route: str) -> str:
    """The category of ``"METHOD /route/{template}"``; an unknown route is counted as
    Medium, the stricter of the two SecureMeet uses, rather than not at all."""
    return CATEGORIES.get(route, MEDIUM)


def limits(plan: str) -> dict[str, int]:
    """Requests per second per category for ``plan`` (``pro`` or ``business``)."""
    try:
        return PLANS[plan]
    except KeyError:
        raise ValueError(f"unknown Zoom plan {plan!r}: use one of {', '.join(PLANS)}") from None
