"""Docs kept true by tests: every policy rule is documented in docs/POLICY.md; every
command (and each of its other words) is in the README's command table and the help."""

from __future__ import annotations

import pytest

from commands import policy, router
from commands.context import Context, Requester
from tests.paths import ROOT

POLICY_DOC = (ROOT / "docs" / "POLICY.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMAND_TABLE = README.split("## Commands", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("rule_id", [rule.id for rule in policy.RULES])
def test_every_rule_is_documented(rule_id):
    assert f"`{rule_id}`" in POLICY_DOC, f"docs/POLICY.md does not describe rule {rule_id}"


@pytest.mark.parametrize("level", policy.LEVELS)
def test_every_level_is_documented(level):
    assert f"`{level}`" in POLICY_DOC


def test_policy_version_is_documented():
    assert policy.POLICY_VERSION in POLICY_DOC


@pytest.mark.parametrize("name", list(router.COMMANDS))
def test_every_command_is_in_the_readme_table_and_the_help(name):
    usage = router.COMMANDS[name].usage.replace("|", "\\|")
    assert f"| `/securemeet {usage}`" in COMMAND_TABLE, f"README.md's table lacks {name}"
    ctx = Context(zoom=None, store=None)  # type: ignore[arg-type]  # help needs neither
    shown = router.COMMANDS["help"].run(ctx, Requester("console:x", "console", "x@x.org"), "")
    assert f"/securemeet {router.COMMANDS[name].usage}" in {f.label for f in shown.facts}


@pytest.mark.parametrize(("alias", "name"), list(router.ALIASES.items()))
def test_every_other_word_for_a_command_is_in_the_readme_table(alias, name):
    row = next(line for line in COMMAND_TABLE.splitlines()
               if line.startswith(f"| `/securemeet {name} ") or line.startswith(
                   f"| `/securemeet {name}`"))
    assert f"`{alias}`" in row
    assert router.split(f"{alias} 123")[0] == name


def test_every_setting_is_in_the_readmes_configuration_table():
    """Every environment variable Config reads is documented, with its meaning."""
    from bot.config import ENV

    table = README.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    missing = [var for var, _ in ENV.values() if f"`{var}`" not in table]
    assert missing == [], f"README.md's configuration table lacks {missing}"
