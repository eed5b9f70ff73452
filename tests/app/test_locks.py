"""The hashed locks in requirements/ match pyproject.toml (issue 15, finding 12).

``./dev``, CI and the Dockerfile install only from these files with ``pip
--require-hashes``; ``./dev lock`` makes them. A dependency added to or raised in
pyproject.toml without relocking fails here, with the command that fixes it.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.paths import ROOT

LOCKS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RELOCK = "run `./dev lock` and commit requirements/ with pyproject.toml"

# Each lock and the pyproject.toml extras it must hold; all three install the project, so
# they hold its build backend too (pip installs it with --no-build-isolation).
LOCK_EXTRAS = {"base": (), "test": ("test",), "bench": ("test", "bench")}
# What the locks are made for (./dev lock: --python-version 3.11, Linux x86_64).
TARGET = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux",
          "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
          "implementation_name": "cpython", "platform_python_implementation": "CPython"}


@dataclass
class Pin:
    version: Version
    hashes: list[str] = field(default_factory=list)


def parse_lock(path: Path) -> dict[str, Pin]:
    """``name==version`` entries of a pip requirements file, with their ``--hash`` options."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        spec, *options = line.split(" --hash=")
        name, _, version = spec.split(";", 1)[0].strip().partition("==")
        assert version, f"{path.name}: {spec!r} is not pinned with =="
        pins[canonicalize_name(name)] = Pin(Version(version), [o.strip() for o in options])
    return pins


@cache
def lock(name: str) -> dict[str, Pin]:
    return parse_lock(LOCKS / f"{name}.txt")


def applies(req: Requirement, extra: str = "") -> bool:
    marker = req.marker or Marker("python_version >= '0'")
    return marker.evaluate({**TARGET, "extra": extra})


def wanted(pyproject: dict, extras: tuple[str, ...]) -> list[tuple[str, Requirement]]:
    """(where it is declared, requirement) for the project's dependencies and ``extras``."""
    project = pyproject["project"]
    found = [("dependencies", Requirement(r)) for r in project["dependencies"]]
    for extra in extras:
        found += [(f"[{extra}]", Requirement(r))
                  for r in project["optional-dependencies"][extra]]
    found += [("[build-system] requires", Requirement(r))
              for r in pyproject["build-system"]["requires"]]
    return found


def constraints() -> list[Requirement]:
    lines = (LOCKS / "constraints.txt").read_text(encoding="utf-8").splitlines()
    return [Requirement(line.split("#", 1)[0]) for line in lines
            if line.split("#", 1)[0].strip()]


def mismatches(pyproject: dict, name: str, pins: dict[str, Pin]) -> list[str]:
    """What in ``pyproject`` the lock ``name`` (its ``pins``) does not satisfy."""
    problems = []
    for where, req in wanted(pyproject, LOCK_EXTRAS[name]):
        if not applies(req):
            continue
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req} ({where}) is not in requirements/{name}.txt")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{req} ({where}): requirements/{name}.txt has {pin.version}")
        for extra in req.extras:  # psycopg[binary] needs psycopg-binary locked too
            for dep in _extra_requirements(req.name, extra):
                if canonicalize_name(dep.name) not in pins:
                    problems.append(f"{dep} (for {req}) is not in requirements/{name}.txt")
    return problems


@pytest.mark.parametrize("name", list(LOCK_EXTRAS))
def test_every_dependency_is_locked_at_a_version_pyproject_allows(name):
    problems = mismatches(PYPROJECT, name, lock(name))
    assert not problems, "; ".join(problems) + f" — {RELOCK}"


def test_a_dependency_added_or_raised_without_relocking_is_caught():
    changed = copy.deepcopy(PYPROJECT)
    changed["project"]["dependencies"] += ["left-pad-for-tests>=1.0", "aiohttp>=99"]
    changed["project"]["optional-dependencies"]["test"] += ["pytest-cov>=5"]
    found = mismatches(changed, "test", lock("test"))
    assert any(p.startswith("left-pad-for-tests>=1.0 (dependencies) is not in") for p in found)
    assert any(p.startswith("aiohttp>=99 (dependencies): requirements/test.txt has") for p in found)
    assert any(p.startswith("pytest-cov>=5 ([test]) is not in") for p in found)
    assert not any("pytest-cov" in p for p in mismatches(changed, "base", lock("base")))


def _extra_requirements(name: str, extra: str) -> list[Requirement]:
    try:
        declared = metadata.requires(name) or []
    except metadata.PackageNotFoundError:  # not installed here: nothing more to check
        return []
    reqs = [Requirement(r) for r in declared]
    return [r for r in reqs if r.marker and applies(r, extra) and not applies(r)]


@pytest.mark.parametrize("name", [*LOCK_EXTRAS, "pip", "uv"])
def test_every_lock_entry_has_hashes(name):
    unhashed = [pkg for pkg, pin in lock(name).items() if not pin.hashes]
    assert lock(name), f"requirements/{name}.txt pins nothing"
    assert not unhashed, f"requirements/{name}.txt has no --hash for {unhashed}: {RELOCK}"
    for pin in lock(name).values():
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes)


@pytest.mark.parametrize("name", [*LOCK_EXTRAS, "pip"])
def test_every_lock_keeps_the_advisory_floors(name):
    pins = lock(name)
    low = [f"{pin_name}=={pins[pin_name].version} (needs {req})" for req in constraints()
           if (pin_name := canonicalize_name(req.name)) in pins
           and not req.specifier.contains(pins[pin_name].version, prereleases=True)]
    assert not low, f"requirements/{name}.txt is below requirements/constraints.txt: " + (
        ", ".join(low) + f" — {RELOCK}")


@pytest.mark.parametrize("name", ["base", "bench", "pip"])
def test_production_and_the_benchmarks_run_the_versions_ci_tested(name):
    tested = lock("test")
    differ = [f"{pkg} {pin.version} (test.txt: {tested[pkg].version})"
              for pkg, pin in lock(name).items() if pkg in tested
              and pin.version != tested[pkg].version]
    assert not differ, f"requirements/{name}.txt differs from test.txt: {differ} — {RELOCK}"


def test_base_lock_holds_no_test_tools():
    """The container installs requirements/base.txt: no pytest, ruff or pgserver in it."""
    test_only = {canonicalize_name(Requirement(r).name)
                 for r in PYPROJECT["project"]["optional-dependencies"]["test"]}
    assert not test_only & set(lock("base")), "requirements/base.txt holds test tools"


def test_installs_use_the_locks_with_hashes():
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert '--require-hashes -r "$lock"' in dev
    assert '--require-hashes --no-deps -r "$LOCKS/pip.txt"' in dev
    assert "--no-deps --no-build-isolation -e ." in dev
    assert "./dev lint" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_parser_reads_what_uv_writes(tmp_path):
    sample = tmp_path / "x.txt"
    sample.write_text("# header\nfoo-bar==1.2 \\\n    --hash=sha256:" + "a" * 64 + " \\\n"
                      "    --hash=sha256:" + "b" * 64 + "\n    # via x\nbaz==2 ; sys_platform"
                      " == 'linux' \\\n    --hash=sha256:" + "c" * 64 + "\n")
    pins = parse_lock(sample)
    assert pins["foo-bar"].version == Version("1.2") and len(pins["foo-bar"].hashes) == 2
    assert pins["baz"].hashes == ["sha256:" + "c" * 64]
