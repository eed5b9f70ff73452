"""The running-Teams fixtures of ``test_teams.py``, shared with the other Teams tests."""

from tests.adapters.teams.test_teams import (  # noqa: F401
    bot,
    fake,
    fake_teams,
)
