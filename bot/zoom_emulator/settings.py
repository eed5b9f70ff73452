"""The emulator's settings data: Zoom's defaults, user settings, and account locks.

Shapes follow ``zoom-openapi-excerpt.json`` (``userSettings``, ``getAccountLockSettings``,
the ``settings`` object of ``meetingCreate``). Defaults are Zoom's, and deliberately so
where Zoom's are insecure (file transfer on, everyone may share, cloud and local
recording allowed, passcode embedded in the join link): the bot must cope with them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Per-meeting settings Zoom applies when the create body omits them: the API defaults,
# NOT the host's portal settings (API-created meetings inherit nothing; zoom.md §2c).
MEETING_DEFAULTS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "cn_meeting": False,
    "in_meeting": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "watermark": False,
    "use_pmi": False,
    "approval_type": 2,
    "registration_type": 1,
    "audio": "both",
    "auto_recording": "none",
    "enforce_login": False,
    "enforce_login_domains": "",
    "alternative_hosts": "",
    "alternative_hosts_email_notification": True,
    "alternative_host_update_polls": False,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "registrants_confirmation_email": True,
    "registrants_email_notification": True,
    "waiting_room": False,
    "meeting_authentication": False,
    "authentication_option": "",
    "authentication_domains": "",
    "authentication_name": "",
    "encryption_type": "enhanced_encryption",
    "private_meeting": False,
    "email_notification": True,
    "focus_mode": False,
    "host_save_video_order": False,
    "global_dial_in_countries": ["US"],
    "global_dial_in_numbers": [
        {"country_name": "US", "city": "New York", "number": "+1 6469313860",
         "type": "toll", "country": "US"},
    ],
    "approved_or_denied_countries_or_regions": {"enable": False},
    "breakout_room": {"enable": False},
    "language_interpretation": {"enable": False},
}

# Create-body settings the spec knows besides the defaults above: stored and echoed.
MEETING_EXTRA_FIELDS = frozenset({
    "additional_data_center_regions", "authentication_exception", "calendar_type",
    "contact_email", "contact_name", "meeting_invitees",
})
MEETING_ENUMS: dict[str, tuple[Any, ...]] = {
    "auto_recording": ("local", "cloud", "none"),
    "approval_type": (0, 1, 2),
    "registration_type": (1, 2, 3),
    "audio": ("both", "telephony", "voip", "thirdParty"),
    "encryption_type": ("enhanced_encryption", "e2ee"),
    "jbh_time": (0, 5, 10, 15),
}

_PASSCODE_RULES = {
    "length": 0, "have_letter": False, "have_number": False,
    "have_special_character": False, "only_allow_numeric": False,
    "have_upper_and_lower_characters": False, "consecutive_characters_length": 0,
    "weak_enhance_detection": False,
}

USER_SETTINGS_DEFAULTS: dict[str, Any] = {
    "schedule_meeting": {
        "audio_type": "both",
        "host_video": False,
        "participants_video": False,
        "join_before_host": True,
        "use_pmi_for_scheduled_meetings": False,
        "use_pmi_for_instant_meetings": False,
        "personal_meeting": True,
        "embed_password_in_join_link": True,
        "require_password_for_scheduling_new_meetings": False,
        "require_password_for_scheduled_meetings": False,
        "require_password_for_instant_meetings": False,
        "require_password_for_pmi_meetings": "none",
        "pstn_password_protected": False,
        "force_pmi_jbh_password": False,
        "meeting_password_requirement": dict(_PASSCODE_RULES),
    },
    "in_meeting": {
        "screen_sharing": True,
        "who_can_share_screen": "all",
        "who_can_share_screen_when_someone_is_sharing": "host",
        "participants_share_simultaneously": "one",
        "file_transfer": True,
        "waiting_room": False,
        "allow_participants_to_rename": True,
        "annotation": True,
        "whiteboard": True,
        "remote_control": True,
        "far_end_camera_control": False,
        "chat": True,
        "private_chat": True,
        "allow_users_save_chats": 2,
        "auto_saving_chat": False,
        "co_host": False,
        "polling": False,
        "breakout_room": False,
        "non_verbal_feedback": False,
        "virtual_background": True,
        "e2e_encryption": False,
        "entry_exit_chime": "all",
    },
    "email_notification": {
        "jbh_reminder": False,
        "cancel_meeting_reminder": False,
        "alternative_host_reminder": False,
        "schedule_for_reminder": False,
    },
    "recording": {
        "local_recording": True,
        "cloud_recording": True,
        "auto_recording": "none",
        "recording_disclaimer": False,
        "host_pause_stop_recording": True,
        "auto_delete_cmr": False,
        "record_audio_file": True,
        "save_chat_text": True,
    },
    "feature": {
        "meeting_capacity": 100,
        "large_meeting": False,
        "webinar": False,
        "cn_meeting": False,
        "in_meeting": False,
        "zoom_phone": False,
        "concurrent_meeting": "None",
    },
    "meeting_security": {
        "auto_security": True,
        "waiting_room": False,
        "waiting_room_settings": {
            "participants_to_place_in_waiting_room": 0,
            "users_who_can_admit_participants_from_waiting_room": 0,
            "whitelisted_domains_for_waiting_room": "",
        },
        "embed_password_in_join_link": True,
        "encryption_type": "enhanced_encryption",
        "end_to_end_encrypted_meetings": False,
        "meeting_password": False,
        "require_password_for_scheduled_meeting": False,
        "phone_password": False,
        "pmi_password": False,
        "only_authenticated_can_join_from_webclient": False,
        "block_user_domain": False,
        "block_user_domain_list": [],
        "meeting_password_requirement": dict(_PASSCODE_RULES),
    },
}

# The same switch lives in two places of Zoom's settings; keep both in step.
ALIASES: dict[str, str] = {
    "in_meeting.waiting_room": "meeting_security.waiting_room",
    "meeting_security.waiting_room": "in_meeting.waiting_room",
    "schedule_meeting.embed_password_in_join_link": "meeting_security.embed_password_in_join_link",
    "meeting_security.embed_password_in_join_link": "schedule_meeting.embed_password_in_join_link",
}

# A locked account setting forces this per-meeting setting (the locked value wins).
LOCK_TO_MEETING: dict[str, str] = {
    "schedule_meeting.join_before_host": "join_before_host",
    "schedule_meeting.host_video": "host_video",
    "schedule_meeting.participant_video": "participant_video",
    "schedule_meeting.participants_video": "participant_video",
    "schedule_meeting.meeting_authentication": "meeting_authentication",
    "schedule_meeting.audio_type": "audio",
    "schedule_meeting.use_pmi_for_scheduled_meetings": "use_pmi",
    "meeting_security.waiting_room": "waiting_room",
    "in_meeting.waiting_room": "waiting_room",
    "meeting_security.encryption_type": "encryption_type",
    "recording.auto_recording": "auto_recording",
}

# The flags GET /accounts/{accountId}/lock_settings reports (all false until locked).
LOCKABLE: dict[str, tuple[str, ...]] = {
    "schedule_meeting": (
        "audio_type", "embed_password_in_join_link", "enforce_login", "host_video",
        "join_before_host", "meeting_authentication", "participant_video",
        "require_password_for_instant_meetings", "require_password_for_pmi_meetings",
        "require_password_for_scheduling_new_meetings", "use_pmi_for_instant_meetings",
        "use_pmi_for_scheduled_meetings",
    ),
    "in_meeting": (
        "annotation", "auto_saving_chat", "breakout_room", "chat", "co_host",
        "e2e_encryption", "far_end_camera_control", "file_transfer", "polling",
        "private_chat", "remote_control", "screen_sharing", "virtual_background",
        "whiteboard",
    ),
    "email_notification": (
        "alternative_host_reminder", "cancel_meeting_reminder", "jbh_reminder",
        "schedule_for_reminder",
    ),
    "recording": (
        "account_user_access_recording", "auto_delete_cmr", "auto_recording",
        "cloud_recording", "cloud_recording_download", "host_delete_cloud_recording",
        "local_recording", "prevent_host_access_recording",
    ),
    "meeting_security": (
        "auto_security", "block_user_domain", "embed_password_in_join_link",
        "encryption_type", "end_to_end_encrypted_meetings", "meeting_password",
        "only_authenticated_can_join_from_webclient", "phone_password", "pmi_password",
        "waiting_room",
    ),
}

SCOPES = (
    "meeting:read:admin meeting:write:admin user:read:admin user:write:admin "
    "account:read:admin"
)


def deep_merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated in place with ``patch``: nested dicts merge, the rest replaces."""
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def dig(data: Mapping[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    cur = data
    for part in parents:
        cur = cur.setdefault(part, {})
    cur[leaf] = copy.deepcopy(value)


def leaves(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the non-dict values in ``data``."""
    out: list[str] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.extend(leaves(value, path + "."))
        else:
            out.append(path)
    return out


def lock_flags(locks: Mapping[str, Any], *, security: bool) -> dict[str, Any]:
    """GET lock_settings: every lockable flag, true where an admin locked it.

    Zoom serves ``meeting_security`` only for ``?option=meeting_security``.
    """
    sections = ("meeting_security",) if security else tuple(
        s for s in LOCKABLE if s != "meeting_security")
    out: dict[str, Any] = {s: {name: False for name in LOCKABLE[s]} for s in sections}
    for path in locks:
        section, _, name = path.partition(".")
        if section in out and name:
            out[section][name] = True
    return out
