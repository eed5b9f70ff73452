"""The house rules, checked on the code itself: no import circles, a pure core, one
wording for unexpected errors, typed services.

Imports are read with ``ast`` (every ``import``, including those inside functions and
under ``TYPE_CHECKING``: a circle through a function is still a circle a reader must
hold in their head), so nothing of the project runs here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGES = ("bot", "commands", "storage")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports (a ``from package import module`` names the
    module; anything else the innermost known module)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] +
                                ([node.module] if node.module else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                     for a in node.names]
        else:
            continue
        for target in names:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
    return targets


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back_through_others():
    assert circles(graph()) == []


def test_the_circle_check_can_fail():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_neither_bot_nor_storage():
    for name, targets in graph().items():
        if name.startswith("commands"):
            assert not [t for t in targets if t.startswith(("bot", "storage"))], name


def test_front_ends_and_zoom_code_reach_storage_only_through_the_protocols():
    allowed = {"bot.bootstrap", "bot.cli"}  # the composition root; the CLI migrates
    for name, targets in graph().items():
        if name.startswith("bot") and name not in allowed:
            assert not [t for t in targets if t.startswith("storage")], name


def product_code() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in modules().items()}


def test_the_unexpected_error_is_worded_once():
    wording = [name for name, text in product_code().items()
               if "Something went wrong on our side" in text]
    assert wording == ["commands.reply"]


@pytest.mark.parametrize("pattern", [r"services: Any", r"services: object"])
def test_services_are_typed(pattern):
    assert [name for name, text in product_code().items() if re.search(pattern, text)] == []
