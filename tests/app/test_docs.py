"""Docs kept true by tests: every policy rule is documented in docs/POLICY.md."""

from __future__ import annotations

import pytest

from commands import policy
from tests.paths import ROOT

POLICY_DOC = (ROOT / "docs" / "POLICY.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule_id", [rule.id for rule in policy.RULES])
def test_every_rule_is_documented(rule_id):
    assert f"`{rule_id}`" in POLICY_DOC, f"docs/POLICY.md does not describe rule {rule_id}"


@pytest.mark.parametrize("level", policy.LEVELS)
def test_every_level_is_documented(level):
    assert f"`{level}`" in POLICY_DOC


def test_policy_version_is_documented():
    assert policy.POLICY_VERSION in POLICY_DOC
