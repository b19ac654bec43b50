"""Contemplation wall time: 4 agents in parallel plus a synthesis, against two baselines.

Fake OpenAI-compatible servers over real HTTP answer with fixed delays (agents 0.2, 0.3, 0.4
and 0.5 s; synthesis 0.3 s). In the same run, with the same servers and prompts, we time:

- the contemplation (`Contemplator.run` and reading the synthesis to the end);
- the ideal: the slowest agent's request, then the synthesis request;
- the agents' requests one after another, then the synthesis request.

Ratios to the ideal say what the parallel orchestration costs on top of the unavoidable wait;
ratios to the one-after-another time say what running the agents in parallel saves.

    .venv/bin/python bench/contemplate.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from _common import median, table
from pydantic import SecretStr

from bot.answering.engine import Engine
from bot.answering.prompt import build_messages
from bot.contemplation import Contemplator, Draft, agent_messages, synthesis_messages
from bot.knowledge import load_knowledge
from bot.llm import ChatMessage, LLMBackend, build_one
from bot.ops.settings import BackendSettings, Settings
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer, Reply, render

AGENT_DELAYS = (0.2, 0.3, 0.4, 0.5)
SYNTHESIS_DELAY = 0.3
QUESTION = "Is Muse Spark good at health questions, and what does the evidence not show?"


async def _server(delay: float, text: str) -> FakeLLMServer:
    """A server whose every answer takes `delay` seconds to reach its last event (`[DONE]`).

    The fake pauses after every chunk, the last one too, but the client leaves at `[DONE]`:
    hence `len - 1`, and aiohttp's complaint that it cannot end a response nobody reads is muted.
    """
    server = await FakeLLMServer("openai").start()
    chunks = render("openai", [text])
    server.default = Reply(chunks=chunks, pause=delay / (len(chunks) - 1))
    return server


def _backend(server: FakeLLMServer, name: str) -> LLMBackend:
    config = BackendSettings(
        name=name, provider="openai", base_url=server.base_url, api_key=SecretStr(TEST_KEY), model="bench"
    )
    return build_one(config, Settings(_env_file=None, llm_max_retries=0))  # type: ignore[call-arg]


async def _ask(backend: LLMBackend, messages: list[ChatMessage]) -> str:
    pieces: AsyncIterator[str] = backend.stream(messages)
    return "".join([piece async for piece in pieces])


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await work()
    return time.perf_counter() - start


async def _measure(rounds: int) -> dict[str, list[float]]:
    engine = Engine(load_knowledge())
    agent_servers = [await _server(d, f"Draft after {d:g} s.") for d in AGENT_DELAYS]
    synth_server = await _server(SYNTHESIS_DELAY, "The synthesized answer.")
    agents = [_backend(s, f"agent{i + 1}") for i, s in enumerate(agent_servers)]
    synth = _backend(synth_server, "synth")
    contemplator = Contemplator(
        engine.kb, engine.retriever, agents, agents=len(agents), agent_timeout=30.0, synthesizer=synth
    )
    plan = contemplator.plan()
    base = build_messages(engine.kb, engine.retriever, QUESTION)
    drafts = [Draft(a.index, a.angle.key, a.label, a.backend.name, text="A draft.") for a in plan.agents]
    merge = synthesis_messages(base, drafts)

    async def contemplate() -> None:
        result = await contemplator.run(QUESTION)
        assert result.stream is not None and len(result.survivors) == len(agents)
        "".join([piece async for piece in result.stream])

    async def ideal() -> None:
        slowest = plan.agents[-1]
        await _ask(slowest.backend, agent_messages(base, slowest.angle))
        await _ask(synth, merge)

    async def one_after_another() -> None:
        for agent in plan.agents:
            await _ask(agent.backend, agent_messages(base, agent.angle))
        await _ask(synth, merge)

    cases = {"contemplate": contemplate, "ideal": ideal, "sequential": one_after_another}
    times: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for work in cases.values():  # warm up: connections, the retriever, the knowledge prompt
            await work()
        for _ in range(rounds):
            for name, work in cases.items():
                times[name].append(await _timed(work))
    finally:
        for backend in [*agents, synth]:
            await backend.aclose()
        for server in [*agent_servers, synth_server]:
            await server.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    times = asyncio.run(_measure(rounds))
    ideal, sequential = median(times["ideal"]), median(times["sequential"])
    rows = [
        ("contemplation: 4 agents in parallel + synthesis", median(times["contemplate"])),
        ("baseline: slowest agent + synthesis", ideal),
        ("baseline: 4 agents one after another + synthesis", sequential),
    ]
    delays = "/".join(f"{d:g}" for d in AGENT_DELAYS)
    print(
        f"## Contemplation wall time — agents {delays} s, synthesis {SYNTHESIS_DELAY:g} s, "
        f"median of {rounds} rounds\n"
    )
    print(
        table(
            ["measure", "wall time", "÷ slowest + synthesis", "÷ one after another"],
            [[name, f"{t:.3f} s", f"{t / ideal:.2f}×", f"{t / sequential:.2f}×"] for name, t in rows],
        )
    )


if __name__ == "__main__":
    main()
