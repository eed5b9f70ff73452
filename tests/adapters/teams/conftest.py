"""The running-Teams fixtures of ``test_teams.py``, shared with the other Teams tests."""

from tests.adapters.teams.test_teams import (  # noqa: F401
    bot,
    clean_sdk_env,
    fake,
    fake_teams,
)
