"""What an operator does with Docker Compose, on a real Docker engine: `cp .env.example .env`,
set the token, `docker compose up -d`, and the bot answers. `.ci/compose-smoke` prepares the
engine, Compose v2 and the base image, copies the checkout to a folder of its own, and runs this
file there (MUSEBOT_COMPOSE_DIR); it also cleans up whatever is left.

The fake Bot API runs here, on the host, listening on the Docker bridge's gateway address
(MUSEBOT_COMPOSE_HOST_IP); the bot in its container reaches it as `host.docker.internal`, which
is what the compose file's `extra_hosts` maps. Nothing here sleeps to wait for something: every
wait polls until its condition holds, with a deadline.

Not collected by a plain `pytest` run (no `test_` prefix): it needs a Docker engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.channels.telegram.harness import TEST_TOKEN
from tests.fakes.telegram_api import FakeBotAPI

CHECKOUT = Path(os.environ.get("MUSEBOT_COMPOSE_DIR", "/nonexistent"))
HOST_IP = os.environ.get("MUSEBOT_COMPOSE_HOST_IP", "")
PROJECT = os.environ.get("MUSEBOT_COMPOSE_PROJECT", "musebot-ci")
# The CA bundle pip trusts in the build (a build secret), with a line no other file has.
CA_BUNDLE = os.environ.get("MUSEBOT_COMPOSE_CA_BUNDLE", "")
CA_MARKER = os.environ.get("MUSEBOT_COMPOSE_CA_MARKER", "")
REPORT = os.environ.get("MUSEBOT_COMPOSE_REPORT", "")
USER = 1001
BOT_UID = 10001

pytestmark = pytest.mark.skipif(
    not (CHECKOUT / "docker-compose.yml").is_file() or not HOST_IP,
    reason="run by .ci/compose-smoke (MUSEBOT_COMPOSE_DIR, MUSEBOT_COMPOSE_HOST_IP)",
)

_figures: dict[str, float] = {}


def _engine_major() -> int:
    try:
        version = subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        return int(version.split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


_ENGINE_MAJOR = _engine_major() if HOST_IP else 0


def _record(name: str, seconds: float) -> None:
    _figures[name] = round(seconds, 1)
    if REPORT:
        Path(REPORT).write_text(json.dumps(_figures, indent=2) + "\n", encoding="utf-8")


# --- running commands without blocking the fake Bot API (it shares this event loop) ---------


@dataclass
class Result:
    code: int
    output: str
    seconds: float


async def run(*argv: str, timeout: float = 600, check: bool = True) -> Result:  # noqa: ASYNC109
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=CHECKOUT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COMPOSE_PROJECT_NAME": PROJECT},
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    result = Result(process.returncode or 0, out.decode(errors="replace"), time.monotonic() - started)
    if check and result.code != 0:
        raise AssertionError(f"{' '.join(argv)} exited {result.code}:\n{result.output[-4000:]}")
    return result


async def compose(*args: str, timeout: float = 600, check: bool = True) -> Result:  # noqa: ASYNC109
    return await run("docker", "compose", "--progress", "plain", *args, timeout=timeout, check=check)


async def poll(what: str, probe: Callable[[], Awaitable[Any]], timeout: float) -> Any:  # noqa: ASYNC109
    """Re-check `probe` (a few times a second) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.25)  # the poll's own pace, not a wait for an event


async def container_id() -> str:
    result = await compose("ps", "--all", "--quiet", "bot")
    return result.output.strip().splitlines()[-1]


async def inspect(cid: str, template: str) -> str:
    return (await run("docker", "inspect", "--format", template, cid)).output.strip()


async def wait_healthy(timeout: float = 120) -> float:  # noqa: ASYNC109
    """Seconds until Docker reports the bot's container healthy; fails fast if it gives up."""
    started = time.monotonic()
    cid = await container_id()

    async def healthy() -> bool:
        status = await inspect(cid, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}")
        assert "unhealthy" not in status, await _diagnose(cid)
        return status == "running healthy"

    await poll("the bot's container turns healthy", healthy, timeout)
    return time.monotonic() - started


async def _diagnose(cid: str) -> str:
    health = await inspect(cid, "{{json .State.Health}}")
    logs = await compose("logs", "--no-color", "bot", check=False)
    return f"health: {health}\nlogs:\n{logs.output[-3000:]}"


# --- the operator's .env ---------------------------------------------------------------------


def write_env(**settings: str) -> None:
    """`cp .env.example .env`, then the operator's edits: the token line filled in, the rest
    appended (a later line wins)."""
    text = (CHECKOUT / ".env.example").read_text(encoding="utf-8")
    assert "\nTELEGRAM_BOT_TOKEN=\n" in text
    text = text.replace("\nTELEGRAM_BOT_TOKEN=\n", f"\nTELEGRAM_BOT_TOKEN={TEST_TOKEN}\n")
    if CA_BUNDLE:
        settings = {"CA_BUNDLE": CA_BUNDLE, **settings}
    if _ENGINE_MAJOR < 25:  # what the README tells operators of older engines to add
        settings = {"COMPOSE_FILE": "docker-compose.yml:docker-compose.old-engine.yml", **settings}
    text += "\n# --- added by the compose smoke test\n"
    text += "".join(f"{name}={value}\n" for name, value in settings.items())
    (CHECKOUT / ".env").write_text(text, encoding="utf-8")


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(TEST_TOKEN, host=HOST_IP) as server:
        yield server


def reachable_from_the_container(api: FakeBotAPI) -> str:
    return f"http://host.docker.internal:{urlsplit(api.url).port}/bot"


@pytest.fixture
async def stack() -> AsyncIterator[None]:
    """Whatever a test starts is taken down, volumes included, even when it fails."""
    yield
    await compose("down", "--volumes", "--timeout", "15", check=False)


# --- the checks ------------------------------------------------------------------------------


async def test_the_image_builds_and_keeps_the_ca_bundle_out(stack: None) -> None:
    write_env()
    build = await compose("build", "bot")
    _record("image build (s)", build.seconds)
    size = await run("docker", "image", "inspect", "--format", "{{.Size}}", "musebot:latest")
    _record("image size (MB)", int(size.output) / 1e6)
    # The CA bundle is a build secret: no layer of the image holds it. (Telling only when the
    # dependency layer was built afresh, i.e. on a cold cache; it never hurts.)
    if CA_MARKER:
        found = await run("sh", "-c", f"docker save musebot:latest | grep -c -a -F -e {CA_MARKER} || true")
        assert found.output.strip() == "0", "the CA bundle is in the image"


async def test_an_operators_first_day(bot_api: FakeBotAPI, stack: None) -> None:
    write_env(TELEGRAM_API_BASE_URL=reachable_from_the_container(bot_api), LOG_LEVEL="DEBUG")
    # A first `up` finds no image: it must build one, not ask a registry for `musebot:latest`.
    await run("docker", "image", "rm", "musebot:latest", check=False)

    up = await compose("up", "--detach")
    _record("first up, image built from the layer cache (s)", up.seconds)
    assert not re.search(r"bot\s+Pulling|pull access denied|Pulling fs layer", up.output), up.output
    seconds = await wait_healthy()
    _record("up to healthy (s)", seconds)

    # It answers, from the bundled knowledge base.
    bot_api.message(USER, "what did muse spark score on healthbench hard")
    [reply] = await bot_api.wait_for_messages(USER, 1, timeout=60)
    assert "42.8" in reply["text"], bot_api.summary()

    # A chart: /compare sends a photo (matplotlib on a read-only root filesystem).
    bot_api.message(USER, "/compare muse-spark gpt-5.4")
    await bot_api.wait_for_call("sendPhoto", 1, timeout=60)
    assert bot_api.uploads and bot_api.uploads[-1].data.startswith(b"\x89PNG"), bot_api.summary()

    cid = await container_id()
    # Non-root: the bot's own process, seen from the host.
    pid = await inspect(cid, "{{.State.Pid}}")
    status = (await run("cat", f"/proc/{pid}/status")).output
    uids = status.split("Uid:")[1].split("\n")[0].split()
    assert {int(u) for u in uids} == {BOT_UID}, uids
    # The hardened defaults are in force.
    assert await inspect(cid, "{{.HostConfig.ReadonlyRootfs}}") == "true"
    assert await inspect(cid, "{{json .HostConfig.CapDrop}}") == '["ALL"]'
    assert "no-new-privileges:true" in await inspect(cid, "{{json .HostConfig.SecurityOpt}}")
    assert "host.docker.internal:host-gateway" in await inspect(cid, "{{json .HostConfig.ExtraHosts}}")

    # Logs at DEBUG: plenty of them, and never the token.
    logs = (await compose("logs", "--no-color", "bot")).output
    assert " DEBUG " in logs, logs[-2000:]
    assert TEST_TOKEN not in logs and TEST_TOKEN.split(":")[1] not in logs
    assert "Traceback" not in logs, logs[-4000:]
    # Nothing complains about the read-only root filesystem (matplotlib's cache is on /tmp).
    assert "not a writable directory" not in logs and " WARNING " not in logs, logs[-4000:]

    # A clean stop: SIGTERM, exit code 0, well within the grace period.
    stop = await compose("stop", "bot")
    _record("docker compose stop (s)", stop.seconds)
    assert await inspect(cid, "{{.State.ExitCode}}") == "0", await _diagnose(cid)
    assert stop.seconds < 15
    assert "Muse Bot stopped" in (await compose("logs", "--no-color", "bot")).output

    # History survives `down` and `up` (the volume): a follow-up borrows the earlier question.
    await compose("down")
    await compose("up", "--detach")
    _record("up to healthy after down/up (s)", await wait_healthy())
    before = len(bot_api.sent(USER))
    bot_api.message(USER, "and gemini?")
    replies = await bot_api.wait_for_messages(USER, before + 1, timeout=60)
    text = replies[-1]["text"]
    assert "20.6" in text and "HealthBench Hard" in text, text


async def test_health_port_0_switches_the_healthcheck_off_not_to_unhealthy(
    bot_api: FakeBotAPI, stack: None
) -> None:
    write_env(TELEGRAM_API_BASE_URL=reachable_from_the_container(bot_api), HEALTH_PORT="0")
    await compose("up", "--detach")
    await wait_healthy()
    bot_api.message(USER, "what did muse spark score on healthbench hard")
    [reply] = await bot_api.wait_for_messages(USER, 1, timeout=60)
    assert "42.8" in reply["text"]
    health = await inspect(await container_id(), "{{json .State.Health.Log}}")
    assert "health server switched off" in health, health


async def test_a_code_change_reinstalls_no_dependency(stack: None) -> None:
    """The dependencies have a layer of their own: editing the code rebuilds only the code."""
    write_env()
    init = CHECKOUT / "bot" / "__init__.py"
    original = init.read_text(encoding="utf-8")
    init.write_text(original + f"\n# compose smoke {secrets.token_hex(4)}\n", encoding="utf-8")
    try:
        build = await compose("build", "bot")
    finally:
        init.write_text(original, encoding="utf-8")
    _record("image build after a code change (s)", build.seconds)
    cached = set(re.findall(r"^#(\d+) CACHED$", build.output, flags=re.MULTILINE))
    numbered = re.findall(r"^#(\d+) \[bot build \d+/\d+\] RUN (.*)$", build.output, flags=re.MULTILINE)
    dependency_steps = [n for n, command in numbered if "requirements.lock" in command]
    code_steps = [n for n, command in numbered if "pip wheel" in command]
    assert dependency_steps and code_steps, build.output[-4000:]
    assert set(dependency_steps) <= cached, build.output[-4000:]
    assert not set(code_steps) & cached, "the code change was not picked up"


async def test_an_unreachable_bot_api_gives_one_line_not_tracebacks(stack: None) -> None:
    """Defect 9 of issue 17: every restart printed three chained tracebacks before the one line.
    (The fix belongs in the bot's start-up code; this is its check on the real image.)"""
    with socket.socket() as closed:  # a port on the host that nothing listens on
        closed.bind((HOST_IP, 0))
        port = closed.getsockname()[1]
        write_env(TELEGRAM_API_BASE_URL=f"http://host.docker.internal:{port}/bot")
        await compose("up", "--detach")

        async def said_so() -> str | None:
            logs = (await compose("logs", "--no-color", "bot", check=False)).output
            return logs if "Cannot reach the Telegram Bot API" in logs else None

        logs = await poll("the one-line start-up error", said_so, timeout=90)
    assert "Traceback" not in logs, logs[-6000:]
