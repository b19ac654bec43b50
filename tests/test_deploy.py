"""The self-hosting files, checked statically (CI has no Docker engine): what the image must
contain (Dockerfile, .dockerignore), what Compose runs (docker-compose.yml, also validated
against the Compose specification's schema), and that .env.example documents every setting
with its real default. `.ci/check-deploy` adds hadolint and the check-jsonschema CLI."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from bot.ops.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN_SHAPE = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")  # what a real bot token looks like
SECRETISH = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|APIKEY", re.IGNORECASE)


# --- Dockerfile ------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _stages(text: str) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in _instructions(text):
        if keyword == "FROM":
            stages.append([])
        stages[-1].append((keyword, args))
    return stages


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    return _stages(dockerfile)[-1]


def _args(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in stage if kw == keyword]


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in _args(stage, "ENV"):
        for item in shlex.split(args):
            name, _, value = item.partition("=")
            env[name] = value
    return env


def test_image_is_multi_stage_on_one_pinned_slim_python_311(dockerfile: str) -> None:
    stages = _stages(dockerfile)
    assert len(stages) >= 2, "the wheel is built in one stage and copied into a slim final one"
    images = {args.split()[0] for stage in stages for kw, args in stage if kw == "FROM"}
    # One base for every stage: the venv's python is a symlink into the base image.
    assert len(images) == 1, images
    (image,) = images
    repo, _, tag = image.partition(":")
    assert repo == "python" and tag.startswith("3.11-slim") and tag != "latest", image


def test_final_stage_gets_the_venv_from_the_build_stage_and_installs_nothing(
    dockerfile: str, final_stage: list[tuple[str, str]]
) -> None:
    build_name = _args(_stages(dockerfile)[0], "FROM")[0].split()[-1]
    copies = _args(final_stage, "COPY")
    assert any(c.startswith(f"--from={build_name} /opt/venv") for c in copies), copies
    runs = " ".join(_args(final_stage, "RUN"))
    assert "pip install" not in runs and "apt-get" not in runs, "the final stage stays slim"
    assert "/opt/venv/bin" in _env(final_stage)["PATH"]


def test_dependencies_have_their_own_layer_from_the_hash_pinned_locks(dockerfile: str) -> None:
    build = _stages(dockerfile)[0]
    order = [(kw, args) for kw, args in build if kw in {"COPY", "RUN"}]
    copies = [i for i, (kw, args) in enumerate(order) if kw == "COPY"]
    first_code = next(i for i in copies if "bot/" in order[i][1].split())
    locks = next(i for i in copies if "requirements.lock" in order[i][1].split())
    install = next(i for i, (kw, args) in enumerate(order) if kw == "RUN" and "requirements.lock" in args)
    assert locks < install < first_code, "dependencies are installed before any code is copied"
    assert "--require-hashes" in order[install][1]
    assert "requirements-build.lock" in order[install][1], "the build backend is pinned too"
    # The code layer installs the wheel alone and downloads nothing.
    code_runs = [args for kw, args in order[first_code:] if kw == "RUN"]
    assert code_runs and all("--no-index" in args for args in code_runs), code_runs


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, flags=re.MULTILINE))
    # Every pin carries at least one hash (pip --require-hashes insists).
    blocks = re.split(r"^(?=[A-Za-z0-9_.-]+==)", text, flags=re.MULTILINE)[1:]
    assert all("--hash=sha256:" in block for block in blocks), lock
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}


def test_the_locks_pin_every_dependency_of_pyproject() -> None:
    """Static and offline; `.ci/lock --check` re-resolves against PyPI and compares."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for lock, requirements in (
        ("requirements.lock", project["project"]["dependencies"]),
        ("requirements-build.lock", project["build-system"]["requires"]),
    ):
        pins = _pins(lock)
        for line in requirements:
            requirement = Requirement(line)
            name = re.sub(r"[-_.]+", "-", requirement.name).lower()
            assert name in pins, f"{lock} lacks {name}: run .ci/lock"
            assert requirement.specifier.contains(pins[name]), f"{lock}: {name}=={pins[name]} vs {line}"


def test_a_ca_bundle_reaches_the_build_only_as_a_secret(dockerfile: str, compose: dict[str, Any]) -> None:
    runs = [args for kw, args in _instructions(dockerfile) if kw == "RUN"]
    assert any(args.startswith("--mount=type=secret,id=ca_bundle") for args in runs)
    for keyword, args in _instructions(dockerfile):
        if keyword in {"COPY", "ADD"}:
            assert not re.search(r"\.(pem|crt)\b|ca.?bundle", args, re.IGNORECASE), args
    assert compose["services"]["bot"]["build"]["secrets"] == ["ca_bundle"]
    # Optional: without CA_BUNDLE an empty file, so a plain `docker compose up -d` just works.
    assert compose["secrets"]["ca_bundle"] == {"file": "${CA_BUNDLE:-/dev/null}"}


def test_runs_as_an_unprivileged_user(final_stage: list[tuple[str, str]]) -> None:
    users = _args(final_stage, "USER")
    assert users, "the final stage must switch away from root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001", "a fixed high uid, so volume ownership is predictable"


def _run_healthcheck(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The healthcheck's shell line, with a stand-in `musebot` on PATH that exits 7."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "musebot"
    fake.write_text('#!/bin/sh\necho "musebot $*"\nexit 7\n', encoding="utf-8")
    fake.chmod(0o755)
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", **env}
    return subprocess.run(["/bin/sh", "-c", script], env=environment, capture_output=True, text=True)


def _check_healthcheck_script(script: str, tmp_path: Path) -> None:
    # It is `musebot health` (no curl in the image)...
    for env in ({}, {"HEALTH_PORT": "8080"}, {"HEALTH_PORT": ""}):
        ran = _run_healthcheck(script, tmp_path, **env)
        assert (ran.returncode, ran.stdout.strip()) == (7, "musebot health"), (env, ran)
    # ...except with the health server switched off: then it passes, and says why.
    off = _run_healthcheck(script, tmp_path, HEALTH_PORT="0")
    assert off.returncode == 0 and "HEALTH_PORT=0" in off.stdout, off


def test_runs_musebot_with_a_healthcheck_that_needs_no_curl(
    final_stage: list[tuple[str, str]], tmp_path: Path
) -> None:
    (healthcheck,) = _args(final_stage, "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["/bin/sh", "-c"] and len(command) == 3, command
    _check_healthcheck_script(command[2], tmp_path)
    assert [json.loads(a) for a in _args(final_stage, "ENTRYPOINT")] == [["musebot"]]
    assert [json.loads(a) for a in _args(final_stage, "CMD")] == [["run"]]
    assert _args(final_stage, "STOPSIGNAL") == ["SIGTERM"]
    assert "8080" in " ".join(_args(final_stage, "EXPOSE")).split()


def test_environment_and_data_volume(final_stage: list[tuple[str, str]]) -> None:
    env = _env(final_stage)
    assert env["DATA_DIR"] == "/data"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["MPLBACKEND"] == "Agg"
    assert any(
        "/data" in json.loads(v) if v.startswith("[") else "/data" in v.split()
        for v in _args(final_stage, "VOLUME")
    )
    # Unset, so the bundled knowledge base is used: an empty KNOWLEDGE_DIR means the working dir.
    assert "KNOWLEDGE_DIR" not in env


def test_no_secrets_in_the_image(dockerfile: str) -> None:
    for keyword, args in _instructions(dockerfile):
        if keyword in {"ENV", "ARG"}:
            names = [item.partition("=")[0] for item in shlex.split(args)]
            assert not [n for n in names if SECRETISH.search(n)], f"{keyword} {args}"
        if keyword in {"COPY", "ADD"}:
            assert ".env" not in args.split(), f"{keyword} {args}"
    assert not TOKEN_SHAPE.search(dockerfile)


# --- .dockerignore ---------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


@pytest.fixture(scope="module")
def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((negate, _pattern_regex(pattern)))
    return rules


def _ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for negate, regex in rules:
        if any(regex.fullmatch(p) for p in prefixes):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "tests/test_cli.py",
        "bench/cli_start.py",
        "data/musebot.db",
        ".pytest_cache/README.md",
        ".mypy_cache/3.11/bot/cli.data.json",
        "bot/__pycache__/cli.cpython-311.pyc",
        "bot/.env",
        "docker-compose.yml",
    ],
)
def test_dockerignore_keeps_secrets_and_clutter_out_of_the_context(
    path: str, ignore_rules: list[tuple[bool, re.Pattern[str]]]
) -> None:
    assert _ignored(path, ignore_rules)


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "requirements.lock",
        "requirements-build.lock",
        "README.md",
        "bot/cli.py",
        "bot/channels/telegram/app.py",
        "knowledge/models.yaml",
    ],
)
def test_dockerignore_keeps_what_the_wheel_is_built_from(
    path: str, ignore_rules: list[tuple[bool, re.Pattern[str]]]
) -> None:
    assert not _ignored(path, ignore_rules)


def _context_files(rules: list[tuple[bool, re.Pattern[str]]]) -> Iterator[str]:
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT).as_posix()
        if path.is_file() and not _ignored(rel, rules):
            yield rel


def test_every_copy_source_is_in_the_build_context(
    dockerfile: str, ignore_rules: list[tuple[bool, re.Pattern[str]]]
) -> None:
    context = set(_context_files(ignore_rules))
    for keyword, args in _instructions(dockerfile):
        if keyword != "COPY" or args.startswith("--from"):
            continue
        *sources, _dest = shlex.split(args)
        for source in sources:
            source = source.rstrip("/")
            assert source in context or any(f.startswith(source + "/") for f in context), source


def test_the_build_context_makes_a_wheel_with_the_knowledge_bundled(
    tmp_path: Path, ignore_rules: list[tuple[bool, re.Pattern[str]]]
) -> None:
    """What the build stage does, offline: `pip wheel --no-deps .` on exactly the context."""
    pytest.importorskip("hatchling")
    context = tmp_path / "context"
    for rel in _context_files(ignore_rules):
        (context / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, context / rel)
    wheels = tmp_path / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "--wheel-dir", str(wheels), str(context)], check=True, timeout=300)
    (wheel,) = wheels.glob("musebot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/cli.py" in names
    assert "bot/_knowledge/models.yaml" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/")) or "__pycache__" in n]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "musebot = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


# --- docker-compose.yml ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    pytest.importorskip("check_jsonschema")
    from importlib.resources import files

    import jsonschema

    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, errors


def test_bot_service_restarts_keeps_its_data_and_reports_health(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["build"]["context"] == "."
    assert bot["image"] == "musebot:latest"
    # Built here, never pulled: no registry has a `musebot` image.
    assert bot["pull_policy"] == "build"
    env_files = bot["env_file"] if isinstance(bot["env_file"], list) else [bot["env_file"]]
    assert ".env" in [e if isinstance(e, str) else e["path"] for e in env_files]
    assert bot["restart"] in {"unless-stopped", "always"}
    assert "musebot-data:/data" in bot["volumes"]
    # Named as is (no project prefix): the README's backup line mounts `musebot-data`.
    assert compose["volumes"]["musebot-data"]["name"] == "musebot-data"
    assert bot["stop_grace_period"] == "15s"
    assert bot["logging"]["driver"] == "json-file" and "max-size" in bot["logging"]["options"]
    assert "profiles" not in bot, "the bot runs with a plain `docker compose up -d`"
    # Configuration comes from .env; the compose file adds only what the stack itself implies.
    assert set(bot["environment"]) == {"LLM_MODEL", "MPLCONFIGDIR"}
    assert bot["environment"]["MPLCONFIGDIR"].startswith("/tmp/")


def test_the_healthcheck_is_the_images_and_fast_at_start(
    compose: dict[str, Any], final_stage: list[tuple[str, str]], tmp_path: Path
) -> None:
    check = compose["services"]["bot"]["healthcheck"]
    kind, script = check["test"]
    assert kind == "CMD-SHELL"
    # `$$` reaches the container's shell as `$`: the variable is read there, not by Compose.
    assert "${HEALTH_PORT" not in script.replace("$${", "")
    container_script = script.replace("$$", "$")
    _check_healthcheck_script(container_script, tmp_path)
    (healthcheck,) = _args(final_stage, "HEALTHCHECK")
    assert json.loads(healthcheck.split(" CMD ", 1)[1])[2] == container_script, "one check, two places"
    assert check["start_interval"] == "2s" and check["interval"] == "30s"


class _ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's merge tags (`!reset`, `!override`) as plain values."""


_ComposeLoader.add_multi_constructor("!", lambda loader, tag, node: {"tag": tag})


def test_the_old_engine_file_only_drops_start_interval() -> None:
    text = (ROOT / "docker-compose.old-engine.yml").read_text(encoding="utf-8")
    override = yaml.load(text, Loader=_ComposeLoader)
    assert override == {"services": {"bot": {"healthcheck": {"start_interval": {"tag": "reset"}}}}}
    assert "COMPOSE_FILE=docker-compose.yml:docker-compose.old-engine.yml" in text


def test_hardened_by_default(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["read_only"] is True
    assert [t.split(":")[0] for t in bot["tmpfs"]] == ["/tmp"]
    assert bot["cap_drop"] == ["ALL"] and "cap_add" not in bot
    assert bot["security_opt"] == ["no-new-privileges:true"]


def test_the_host_is_reachable_as_host_docker_internal(compose: dict[str, Any]) -> None:
    assert "host.docker.internal:host-gateway" in compose["services"]["bot"]["extra_hosts"]


def test_the_bot_and_the_pull_service_agree_on_the_ollama_model(compose: dict[str, Any]) -> None:
    services = compose["services"]
    pulled = services["ollama-pull"]["command"][1]
    assert services["bot"]["environment"]["LLM_MODEL"] == pulled == "${LLM_MODEL:-llama3.2}"


def test_ollama_is_optional_behind_a_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("ollama", "ollama-pull"):
        assert services[name]["profiles"] == ["ollama"], name
        image = services[name]["image"]
        assert image.startswith("ollama/ollama:") and not image.endswith(":latest"), image
    assert "healthcheck" in services["ollama"]
    assert services["ollama-pull"]["command"] == ["pull", "${LLM_MODEL:-llama3.2}"]
    assert services["ollama-pull"]["environment"]["OLLAMA_HOST"] == "http://ollama:11434"
    assert services["ollama-pull"]["restart"] == "no"
    # Without the profile these services don't exist, so the bot must not depend on them.
    assert not set(services["bot"].get("depends_on", ())) & {"ollama", "ollama-pull"}


def test_every_named_volume_is_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name}: {volume}"


def test_no_token_in_the_compose_file() -> None:
    assert not TOKEN_SHAPE.search((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


# --- .env.example ----------------------------------------------------------------------------

_ENTRY = re.compile(r"^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def env_example() -> dict[str, tuple[str, bool]]:
    """NAME → (value, active); commented-out `# NAME=value` lines document a default."""
    entries: dict[str, tuple[str, bool]] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = _ENTRY.match(line)
        if match:
            assert match[2] not in entries, f"{match[2]} documented twice"
            entries[match[2]] = (match[3], match[1] is None)
    return entries


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_env_example_documents_every_setting(env_example: dict[str, tuple[str, bool]]) -> None:
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in env_example]
    assert not missing, f"add to .env.example: {missing}"


def test_env_example_starts_with_the_token_and_how_to_get_it() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if _ENTRY.match(line))
    assert first == "TELEGRAM_BOT_TOKEN=", "the one edit an operator must make, first and empty"
    head = text[: text.index(first)]
    assert "@BotFather" in head and "/newbot" in head


def test_env_example_secrets_are_empty(env_example: dict[str, tuple[str, bool]]) -> None:
    for name, field in Settings.model_fields.items():
        if field.annotation is SecretStr:
            assert env_example[name.upper()][0] == "", name
    assert not TOKEN_SHAPE.search((ROOT / ".env.example").read_text(encoding="utf-8"))


def test_env_example_values_are_the_defaults(
    env_example: dict[str, tuple[str, bool]], clean_env: pytest.MonkeyPatch
) -> None:
    defaults = Settings(_env_file=None).model_dump()
    for name in Settings.model_fields:
        value, active = env_example[name.upper()]
        if value == "" and not active:
            continue  # `# NAME=`: unset, the default is derived (e.g. the bundled knowledge)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(name.upper(), value)
            documented = Settings(_env_file=None).model_dump()[name]
        assert documented == defaults[name], f"{name.upper()}={value} is not the default"


def test_env_example_as_is_changes_nothing_and_leaves_the_image_paths_alone(
    env_example: dict[str, tuple[str, bool]], clean_env: pytest.MonkeyPatch
) -> None:
    as_copied = Settings(_env_file=ROOT / ".env.example").model_dump()
    assert as_copied == Settings(_env_file=None).model_dump()
    # Set in .env, these would override the image's DATA_DIR=/data (the volume) and its bundled
    # knowledge (an empty KNOWLEDGE_DIR means the working directory).
    assert not env_example["DATA_DIR"][1] and not env_example["KNOWLEDGE_DIR"][1]


def test_the_commands_the_image_runs_exist() -> None:
    from bot.cli import _parser

    for argv in (["run"], ["health"], ["knowledge", "check"]):
        assert getattr(_parser().parse_args(argv), "handler", None), argv
