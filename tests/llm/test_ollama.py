"""The native Ollama adapter against a fake `/api/chat` NDJSON server, over real HTTP."""

from __future__ import annotations

import base64
import json

import pytest

from bot.llm import (
    BackendMisconfigured,
    BackendUnavailable,
    ChatMessage,
    ImagePart,
    StreamInterrupted,
)
from tests.fakes.llm_servers import Reply, collect, cut_through, ollama_line, render_ollama, unused_port


@pytest.fixture
async def server(servers):
    return await servers("ollama")


async def test_request_uses_the_native_chat_api(server, make_backend) -> None:
    server.stream(["Local ", "answer"])
    image = ImagePart(b"img", "image/png")
    messages = [ChatMessage("system", "Be brief."), ChatMessage("user", "Look", (image,))]

    assert await collect(make_backend(server, key="", model="llava:13b"), messages) == "Local answer"

    request = server.last
    assert request.path == "/api/chat"
    assert "authorization" not in request.headers
    assert request.json == {
        "model": "llava:13b",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Look", "images": [base64.b64encode(b"img").decode()]},
        ],
        "stream": True,
        "options": {"temperature": 0.2, "num_predict": 256},
    }


async def test_thinking_is_ignored(server, make_backend) -> None:
    server.reply(
        Reply(chunks=[ollama_line(thinking="let me think"), ollama_line("Answer"), ollama_line(done=True)])
    )
    assert await collect(make_backend(server)) == "Answer"


async def test_lines_split_inside_utf8_characters(server, make_backend) -> None:
    body = cut_through(cut_through(render_ollama(["héllo ", "🌍"]), "é"), "🌍")
    server.reply(Reply(chunks=body, pause=0.001))
    assert await collect(make_backend(server)) == "héllo 🌍"


async def test_missing_model_says_to_pull_it(server, make_backend) -> None:
    server.error(404, 'model "llama9" not found, try pulling it first')
    with pytest.raises(BackendMisconfigured, match="ollama pull llama9"):
        await collect(make_backend(server, model="llama9"))
    assert len(server.requests) == 1


async def test_error_line_before_text(server, make_backend) -> None:
    server.reply(Reply(chunks=[b'{"error":"model \\"x\\" not found"}\n']))
    with pytest.raises(BackendMisconfigured, match="ollama pull"):
        await collect(make_backend(server, model="x"))


async def test_error_line_after_text_interrupts(server, make_backend) -> None:
    error = json.dumps({"error": "an unknown error was encountered while running the model"})
    server.reply(Reply(chunks=[ollama_line("Part"), error.encode() + b"\n"]))
    with pytest.raises(StreamInterrupted, match="unknown error") as caught:
        await collect(make_backend(server))
    assert caught.value.partial == "Part"


async def test_server_not_running_names_the_url(make_backend) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    with pytest.raises(BackendUnavailable, match="Is the server running") as caught:
        await collect(make_backend(provider="ollama", base_url=url, llm_max_retries=0))
    assert url in str(caught.value)


async def test_model_still_loading_hits_the_idle_timeout(server, make_backend) -> None:
    server.reply(Reply(stall=True))
    with pytest.raises(BackendUnavailable, match="LLM_READ_TIMEOUT"):
        await collect(make_backend(server, llm_read_timeout=0.2))
