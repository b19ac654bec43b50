"""A fallback (`combine`) over real adapters and fake servers: switch only before the first chunk."""

from __future__ import annotations

import pytest

from bot.llm import (
    BackendMisconfigured,
    BackendUnavailable,
    ChatMessage,
    ImagePart,
    StreamInterrupted,
    combine,
    members,
)
from tests.fakes.llm_servers import Reply, collect, render_openai


@pytest.fixture
async def pair(servers, make_backend):
    """An OpenAI-compatible primary and an Ollama secondary, with no retries, behind a fallback."""
    primary, secondary = await servers("openai"), await servers("ollama")
    first = make_backend(primary, name="primary", llm_max_retries=0)
    second = make_backend(secondary, name="secondary", llm_max_retries=0)
    return primary, secondary, combine([first, second])


async def test_first_backend_answers(pair) -> None:
    primary, secondary, backend = pair
    primary.stream(["from primary"])
    assert await collect(backend) == "from primary"
    assert secondary.requests == []
    assert backend.name == "fallback(primary, secondary)"


async def test_failure_before_first_chunk_moves_on(pair, caplog) -> None:
    primary, secondary, backend = pair
    primary.error(503, "down for maintenance")
    secondary.stream(["from secondary"])
    assert await collect(backend) == "from secondary"
    assert len(primary.requests) == 1 and len(secondary.requests) == 1
    assert "down for maintenance" in caplog.text


async def test_misconfigured_primary_also_falls_back(pair) -> None:
    primary, _, backend = pair
    primary.error(401, "bad key")
    assert await collect(backend) == "Hello!"


async def test_failure_after_first_chunk_does_not_switch(pair) -> None:
    primary, secondary, backend = pair
    primary.reply(Reply(chunks=render_openai(["Half "])[:2], cut=True))
    with pytest.raises(StreamInterrupted) as caught:
        await collect(backend)
    assert caught.value.partial == "Half "
    assert caught.value.backend == "primary"
    assert secondary.requests == []


async def test_all_failing_combines_the_reasons(pair) -> None:
    primary, secondary, backend = pair
    primary.error(503, "primary down", headers={"Retry-After": "60"})
    secondary.error(500, "secondary down")
    with pytest.raises(BackendUnavailable) as caught:
        await collect(backend)
    message = str(caught.value)
    assert "primary down" in message and "secondary down" in message
    assert caught.value.retry_after == 60.0
    assert caught.value.backend == backend.name


async def test_all_misconfigured_stays_misconfigured(pair) -> None:
    primary, secondary, backend = pair
    primary.error(401, "bad key")
    secondary.error(404, 'model "m" not found, try pulling it first')
    with pytest.raises(BackendMisconfigured, match="ollama pull"):
        await collect(backend)


async def test_single_backend_raises_its_own_error(servers, make_backend) -> None:
    server = await servers("anthropic")
    server.error(401, "invalid x-api-key", kind="authentication_error")
    only = make_backend(server)
    backend = combine([only])
    assert backend is only and members(backend) == [only]
    with pytest.raises(BackendMisconfigured, match="invalid x-api-key"):
        await collect(backend)


async def test_images_go_only_to_backends_that_see_them(servers, make_backend) -> None:
    blind_server, seeing_server = await servers("openai"), await servers("gemini")
    blind = make_backend(blind_server, supports_images=False)
    seeing = make_backend(seeing_server)
    backend = combine([blind, seeing])
    assert backend.supports_images

    photo = [ChatMessage("user", "What is it?", (ImagePart(b"jpg"),))]
    assert await collect(backend, photo) == "Hello!"
    assert blind_server.requests == [] and len(seeing_server.requests) == 1

    assert await collect(backend) == "Hello!"
    assert len(blind_server.requests) == 1


def test_needs_a_backend() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine([])
