"""Pictures and everything else that is not text, end to end: albums answered once, the right
photo size fetched, images sent as files, captions answered without a vision model, and one
friendly line for voice, stickers and the like.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import SecretStr

from bot.channels.telegram.context import MuseApplication
from bot.ops.settings import BackendSettings
from bot.texts import CANT_READ, PICTURE_NOT_SEEN, PICTURE_TOO_LARGE
from tests.channels.telegram.conftest import Start
from tests.channels.telegram.harness import stop_bot
from tests.channels.telegram.test_guard_e2e import answers, barrier, text_of
from tests.channels.telegram.test_llm_e2e import JPEG
from tests.fakes.llm_servers import TEST_KEY, FakeLLMServer
from tests.fakes.telegram_api import FakeBotAPI

USER = 1001
GROUP = -1001000005001
MENTION = "@muse_test_bot"
MB = 1024 * 1024
KINDS = ["voice", "video_note", "video", "audio", "sticker", "animation", "location", "venue"]
KINDS += ["contact", "poll", "dice"]


async def _with_vision(start: Start, llm: FakeLLMServer, **options: Any) -> MuseApplication:
    vision = BackendSettings(
        provider="openai",
        base_url=llm.base_url,
        api_key=SecretStr(TEST_KEY),
        model="local-vision",
        supports_images=True,
    )
    return await start(llm_backends=[vision], llm_max_retries=0, **options)


def _images(request_json: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The pictures in the model's last user message: (type, bytes)."""
    parts = request_json["messages"][-1]["content"]
    found = []
    for part in parts if isinstance(parts, list) else []:
        if part["type"] == "image_url":
            head, data = part["image_url"]["url"].split(",", 1)
            found.append((head.removeprefix("data:").removesuffix(";base64"), base64.b64decode(data)))
    return found


def _fetched(api: FakeBotAPI) -> list[str]:
    return [c.params["file_id"] for c in api.calls_to("getFile")]


# -- albums --------------------------------------------------------------------------------------


async def test_an_album_is_one_question_with_all_its_photos(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    app = await _with_vision(start, llm, llm_per_user_per_minute=2)
    llm.stream(["Three ", "charts."])
    parts = [
        bot_api.photo(USER, JPEG, caption="what do these show?" if i == 0 else None, media_group_id="a1")
        for i in range(3)
    ]
    [reply] = await bot_api.wait_for_messages(USER, 1)
    await stop_bot(app)  # waits for every background task: a second answer would be out by now
    assert "Three charts." in text_of(reply)
    assert len(bot_api.sent(USER)) == 1 and len(llm.requests) == 1
    assert [kind for kind, _ in _images(llm.last.json)] == ["image/jpeg"] * 3
    assert "what do these show?" in llm.last.json["messages"][-1]["content"][0]["text"]
    assert len(_fetched(bot_api)) == 3
    assert all(p["message"]["photo"] for p in parts)


async def test_collecting_an_album_does_not_hold_up_the_chat(bot_api: FakeBotAPI, start: Start) -> None:
    await start()
    for i in range(2):
        bot_api.photo(
            USER, JPEG, caption="what did muse spark score on hle?" if i == 0 else None, media_group_id="a2"
        )
    bot_api.message(USER, "when was muse spark released")
    first, second = await bot_api.wait_for_messages(USER, 2)
    assert "April 8, 2026" in text_of(first), "answered while the album was still being collected"
    assert text_of(second).startswith(PICTURE_NOT_SEEN.strip("_")) and "50.2" in text_of(second)


async def test_a_group_album_is_answered_once_when_its_caption_names_the_bot(
    bot_api: FakeBotAPI, start: Start
) -> None:
    app = await start(barrier=True)
    for i in range(3):
        caption = f"{MENTION} what did muse spark score on hle?" if i == 0 else None
        bot_api.photo(GROUP, JPEG, caption=caption, media_group_id="g1", user_id=USER)
    for _ in range(2):
        bot_api.photo(GROUP, JPEG, media_group_id="not-for-the-bot", user_id=USER)
    await bot_api.wait_for_messages(GROUP, 1)
    await stop_bot(app)
    [reply] = answers(bot_api, GROUP)
    assert reply.startswith(PICTURE_NOT_SEEN.strip("_")) and "50.2" in reply
    assert not _fetched(bot_api), "no model sees pictures here: nothing to download"


# -- sizes and files -----------------------------------------------------------------------------


async def test_the_largest_photo_size_within_bounds_is_fetched(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await _with_vision(start, llm)
    llm.stream(["A ", "chart."])
    update = bot_api.photo(USER, JPEG, caption="what is this?", width=4000, height=3000, file_size=30 * MB)
    await bot_api.wait_for_messages(USER, 1)
    sizes = {s["file_id"]: s for s in update["message"]["photo"]}
    [fetched] = _fetched(bot_api)
    assert (sizes[fetched]["width"], sizes[fetched]["height"]) == (1280, 960)
    assert max(s["file_size"] for s in sizes.values()) > 5 * MB, "the largest one was too big"


async def test_an_image_sent_as_a_file_is_a_picture(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer
) -> None:
    await _with_vision(start, llm)
    llm.stream(["A ", "bar chart."])
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    bot_api.document(USER, png, file_name="chart.png", mime_type="image/png", caption="what is this?")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert "A bar chart." in text_of(reply)
    assert _images(llm.last.json) == [("image/png", png)]
    bot_api.document(USER, png, file_name="huge.png", mime_type="image/png", file_size=8 * MB)
    _, refused = await bot_api.wait_for_messages(USER, 2)
    assert text_of(refused) == PICTURE_TOO_LARGE and len(llm.requests) == 1


@pytest.mark.parametrize("with_model", [False, True], ids=["no model", "a model without eyes"])
async def test_a_caption_is_answered_when_nobody_can_look_at_the_picture(
    bot_api: FakeBotAPI, start: Start, llm: FakeLLMServer, with_model: bool
) -> None:
    text_only = {
        "llm_provider": "openai",
        "llm_base_url": llm.base_url,
        "llm_api_key": TEST_KEY,
        "llm_model": "llama-3.1-8b-instruct",  # no eyes, by its name
    }
    await start(**(text_only if with_model else {}))
    bot_api.photo(USER, JPEG, caption="what did muse spark score on hle?")
    [reply] = await bot_api.wait_for_messages(USER, 1)
    assert text_of(reply).startswith(PICTURE_NOT_SEEN.strip("_")) and "50.2" in text_of(reply)
    assert llm.requests == [] and not _fetched(bot_api)


# -- the rest ------------------------------------------------------------------------------------


async def test_anything_else_in_private_gets_one_line_on_what_the_bot_reads(
    bot_api: FakeBotAPI, start: Start
) -> None:
    await start(barrier=True)
    for kind in KINDS:
        bot_api.media(USER, kind)
    bot_api.document(USER, b"%PDF-1.7", file_name="paper.pdf", mime_type="application/pdf")
    await barrier(bot_api, USER)
    assert answers(bot_api, USER) == [CANT_READ] * (len(KINDS) + 1)

    for kind in KINDS:
        bot_api.media(GROUP, kind, user_id=USER)
    await barrier(bot_api, GROUP)
    assert answers(bot_api, GROUP) == [], "groups stay silent unless addressed"
    bot_api.message(GROUP, f"{MENTION} what is hle", user_id=USER)
    await bot_api.wait_for(lambda: answers(bot_api, GROUP))
    [answer] = bot_api.sent(GROUP)[-1:]
    bot_api.media(GROUP, "voice", user_id=USER, reply_to=answer)
    await bot_api.wait_for(lambda: len(answers(bot_api, GROUP)) == 2)
    assert answers(bot_api, GROUP)[-1] == CANT_READ
