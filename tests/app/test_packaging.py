"""The container and its compose file, checked statically (issue 16, "Packaging").

Containers cannot be built on the machines that run these tests (no Docker engine), so
the Dockerfile, compose.yaml, deploy/Caddyfile and .env.example are read as text and
YAML and held to what docs/DEPLOY.md promises: a non-root image installed from the
hashed lock, health checks on /livez (Docker) and /readyz (the proxy), PostgreSQL 16
with two replicas behind one port, and every environment variable either a setting of
``bot.config`` or one of the few PostgreSQL and proxy names documented in DEPLOY.md.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import fields

import pytest
import yaml

from bot.config import ENV, Config
from tests.paths import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE_TEXT = (ROOT / "compose.yaml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
DEPLOY_DOC = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")

SETTINGS = {var for var, _ in ENV.values()}
SECRETS = {ENV[f.name][0] for f in fields(Config) if not f.repr and f.name in ENV}
# Names that are not SecureMeet settings: the official postgres image's, and the proxy's.
OTHERS = {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "SITE_ADDRESS", "HTTPS_PORT"}
# Settings .env.example leaves out on purpose: the image fixes the port the proxy calls,
# and the unauthenticated Teams switch is for a sandbox on one machine only.
NOT_IN_PRODUCTION = {"PORT", "TEAMS_ALLOW_UNAUTHENTICATED", "SECUREMEET_EMULATOR_LIMITS"}
REPLICAS = sorted(name for name in SERVICES if name.startswith("securemeet-"))
PUBLIC_ROUTES = ("/slack/events", "/api/messages", "/zoom/webhook")
HEALTH_ROUTES = ("/livez", "/readyz", "/healthz")
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY$")


# --- the Dockerfile ------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\s*\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


STEPS = instructions(DOCKERFILE)
FINAL = STEPS[max(i for i, (word, _) in enumerate(STEPS) if word == "FROM"):]


def arguments(raw: str) -> list[str]:
    """An exec-form (JSON array) or shell-form argument list."""
    return yaml.safe_load(raw) if raw.startswith("[") else shlex.split(raw)


def test_every_stage_is_a_slim_python_3_11():
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE, re.M))
    for word, rest in STEPS:
        if word == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], rest.split()[0])
            assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?",
                                image), image


def test_the_process_runs_as_a_user_that_is_not_root():
    users = [rest for word, rest in FINAL if word == "USER"]
    assert users, "the final stage sets no USER: the server would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), user
    last_user = max(i for i, (word, _) in enumerate(FINAL) if word == "USER")
    assert all(word != "RUN" for word, _ in FINAL[last_user:]), "RUN after USER (as root?)"


def test_the_health_check_polls_livez():
    checks = [rest for word, rest in FINAL if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/livez" in checks[0] and "/readyz" not in checks[0], (
        "liveness must not depend on the database, or an outage restarts every replica")
    assert "--interval=" in checks[0] and "--start-period=" in checks[0]


def test_the_image_serves_on_all_interfaces_by_default():
    entry = next(arguments(rest) for word, rest in FINAL if word == "ENTRYPOINT")
    cmd = next(arguments(rest) for word, rest in FINAL if word == "CMD")
    assert entry + cmd == ["securemeet", "serve", "--host", "0.0.0.0"]
    assert ("EXPOSE", "3000") in FINAL


def test_packages_come_from_the_lock_with_hashes():
    installs = [rest for word, rest in STEPS if word == "RUN" and "pip install" in rest]
    commands = [c for rest in installs for c in rest.split("&&") if "pip install" in c]
    for command in commands:
        if "--require-hashes" not in command:  # only the project itself, nothing fetched
            assert "--no-deps" in command and "--no-build-isolation" in command, command
    assert any("requirements/base.txt" in c and "--require-hashes" in c for c in commands)
    assert not any("requirements/test.txt" in c for c in commands), "test tools in the image"


def test_no_secret_is_baked_into_the_image():
    for word, rest in STEPS:
        if word in ("ENV", "ARG"):
            names = re.findall(r"(?:^|\s)(\w+)=", rest) or [rest.split("=")[0].strip()]
            for name in names:
                assert name not in SECRETS and not SECRET_WORDS.search(name), (word, name)
        if word in ("COPY", "ADD"):
            sources = arguments(rest)[:-1]
            assert not any(s in (".", "./") or ".env" in s or s.endswith((".db", ".key"))
                           for s in sources), f"{word} {rest}: may copy a secret"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".env", "*.db", "*.key", ".git", ".venv"} <= set(ignored)


# --- compose.yaml ------------------------------------------------------------------------


def test_postgresql_16_with_a_health_check_and_no_published_port():
    db = SERVICES["db"]
    assert re.fullmatch(r"postgres:16([.\w-]*)", db["image"]), db["image"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "ports" not in db
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "${POSTGRES_PASSWORD:?" in COMPOSE_TEXT, "start without a password? never"


def test_two_replicas_of_the_image_wait_for_the_database_then_migrate_and_serve():
    assert len(REPLICAS) >= 2, REPLICAS
    for name in REPLICAS:
        replica = SERVICES[name]
        assert replica["build"] == "." and replica["env_file"] == ".env"
        assert replica["depends_on"]["db"]["condition"] == "service_healthy"
        script = replica["entrypoint"][-1]
        assert re.fullmatch(r"securemeet migrate && exec securemeet serve --host 0\.0\.0\.0",
                            script), script
        assert "ports" not in replica, f"{name} is reachable only through the proxy"
        assert "healthcheck" not in replica or "disable" not in replica["healthcheck"]
        assert replica.get("read_only") is True and replica.get("init") is True


def test_one_proxy_port_in_front_of_every_replica():
    published = [(name, p) for name, s in SERVICES.items() for p in s.get("ports", [])]
    assert [name for name, _ in published] == ["proxy"], published
    assert SERVICES["proxy"]["image"].startswith("caddy:2")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]
    assert any(v.startswith("caddy_data:/data") for v in SERVICES["proxy"]["volumes"])
    waits = SERVICES["proxy"]["depends_on"]
    assert {name: waits[name]["condition"] for name in waits} == {
        name: "service_healthy" for name in REPLICAS}


def test_the_proxy_routes_the_platforms_and_health_to_the_replicas():
    matcher = re.search(r"@securemeet path (.+)", CADDYFILE)
    assert matcher, "deploy/Caddyfile: no @securemeet path matcher"
    assert set(matcher.group(1).split()) == {*PUBLIC_ROUTES, *HEALTH_ROUTES}
    upstreams = re.search(r"reverse_proxy (.+) \{", CADDYFILE).group(1).split()
    assert upstreams == [f"{name}:3000" for name in REPLICAS]
    assert re.search(r"^\s*health_uri /readyz$", CADDYFILE, re.M)
    assert "/metrics" not in matcher.group(1)
    assert re.search(r"handle \{\s*respond 404", CADDYFILE), "everything else: 404"


def compose_variables() -> set[str]:
    """Every variable compose.yaml reads (${NAME...}) or sets (environment: keys)."""
    read = set(re.findall(r"(?<!\$)\$\{(\w+)", COMPOSE_TEXT))
    for service in SERVICES.values():
        read |= set(service.get("environment") or {})
    return read


def example_variables() -> dict[str, str]:
    """NAME -> value for each assignment in .env.example, commented out or not."""
    return dict(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE, re.M))


def test_every_variable_is_a_setting_or_a_documented_postgres_or_proxy_one():
    unknown = (compose_variables() | set(example_variables())) - SETTINGS - OTHERS
    assert not unknown, f"not in bot.config.ENV nor documented in docs/DEPLOY.md: {unknown}"
    for name in OTHERS:
        assert f"`{name}`" in DEPLOY_DOC, f"docs/DEPLOY.md does not explain {name}"


def test_the_example_env_names_every_production_setting():
    missing = SETTINGS - NOT_IN_PRODUCTION - set(example_variables())
    assert not missing, (f".env.example lacks {sorted(missing)}: add each (commented out "
                         "with its default if optional) and say what it is for, or, if it "
                         "has no place in production, add it to NOT_IN_PRODUCTION here")
    assert not NOT_IN_PRODUCTION & set(example_variables())


def test_the_example_env_holds_no_secret():
    values = example_variables()
    filled = {n: v for n, v in values.items() if (n in SECRETS or n == "POSTGRES_PASSWORD")
              and v.strip()}
    assert not filled, f".env.example must leave secrets empty: {sorted(filled)}"
    assert values["SECUREMEET_DB"].startswith("postgresql://")
    assert "SECUREMEET_SECRET_KEY" in values and "SECUREMEET_METRICS_TOKEN" in values
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("step", ["cp .env.example .env", "docker compose up -d",
                                  "/slack/events", "/api/messages", "/zoom/webhook"])
def test_the_readme_says_how_to_run_it(step):
    section = README.split("## Run it for your organisation", 1)
    assert len(section) == 2, "README.md lacks the section 'Run it for your organisation'"
    assert step in section[1].split("\n## ", 1)[0]


def test_the_parsers_read_what_they_must():
    steps = instructions("FROM a\n# c\nRUN x \\\n  && y\nUSER u\n")
    assert steps == [("FROM", "a"), ("RUN", "x && y"), ("USER", "u")]
    assert arguments('["a", "b c"]') == ["a", "b c"] and arguments("a 'b c'") == ["a", "b c"]
