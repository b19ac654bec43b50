"""One turn of a conversation, the same for every channel: Telegram, the terminal, `musebot ask`.

    reply = await conversation.turn(Question("spark vs gpt 5.4", asker))
    for notice in reply.notices: show(notice)
    async for piece in reply.stream(on_progress=show_status): show_partial(piece)
    show(reply.answer)                       # final: figures checked, sources attached

`turn()` does, in order: clip the input once (with a notice), load the chat's history, let the
engine decide between an exact knowledge answer and a task for the model, pick the mode (fast or
contemplate), check access and quotas, and hand back a `Reply`. A knowledge answer is complete
at once; a model answer is a stream that the `Reply` owns: it turns every backend failure into a
sentence for the user (the only place that does), keeps what was said when a stream breaks, and
remembers the exchange when it ends. Channels parse and show; they never re-implement any of it.
"""

from bot.conversation.reply import Asker, Button, Clipped, ProgressCallback, Question, Reply, clip_question
from bot.conversation.turn import Conversation, Mode

__all__ = [
    "Asker",
    "Button",
    "Clipped",
    "Conversation",
    "Mode",
    "ProgressCallback",
    "Question",
    "Reply",
    "clip_question",
]
