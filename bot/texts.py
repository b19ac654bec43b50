"""Every sentence the bot says on its own behalf, in one place (English; the message ids).

Answers built from the knowledge base come from `bot.answering`; everything else a person can
read in a chat — notes, refusals, help, errors, menus — is here, so it can be reviewed and
translated as one catalogue (`bot.i18n` looks each one up for the asker's language). Texts
are Markdown and may hold `{named}` fields filled with `str.format`.

None of them mentions configuration: a chat is no place for operator hints (those go to the
log and the README).
"""

from __future__ import annotations

# --- greeting and fallback ------------------------------------------------------------------

GREETING_HEAD = "Hi! I'm Muse Bot."
OUTSIDE_HEAD = "That's outside what I know."
WHAT_I_KNOW = (
    "I answer questions about Meta's **Muse Spark**: its release and team, Contemplating mode, "
    "benchmark results against GPT-5.4, Gemini 3.1 and Claude Opus 4.6, and its rollout to "
    "WhatsApp, Instagram, Facebook, Messenger and the AI glasses."
)
TRY_EXAMPLES = (
    "Try: _what did muse spark score on healthbench?_ · _what is contemplating mode?_ · "
    "`/compare muse-spark gpt-5.4`"
)
YOU_ARE_WELCOME = "You're welcome! Ask me anything else about Muse Spark."

WELCOME = (
    "Hi! I'm **Muse Bot**. I know Meta's **Muse Spark** well: its release, Contemplating mode, "
    "its benchmark results against {peers}, and where it is rolling out. My knowledge is as of "
    "{as_of}.\n\nAsk me anything, for example:\n{examples}\n\nCommands: /help"
)
EXAMPLES = (
    "what did muse spark score on healthbench?",
    "how does contemplating mode work?",
    "spark vs gpt 5.4",
    "where is muse spark rolling out?",
)
HELP_HEAD = "Ask a question in plain words, or use a command:"
HELP_GROUPS = "In groups, mention me or reply to one of my messages."

# --- the language model ---------------------------------------------------------------------

CUT_OFF = "\n\n_(The answer was cut off here. Ask again for the rest.)_"
# Why an answer that ended early is not whole (`AnswerCutOff.reason`); shown after the partial text.
CUT_OFF_LENGTH = "_(The answer was cut off here: it reached the length limit.)_"
CUT_OFF_FILTER = "_(The answer was cut off here: the model's content filter stopped it.)_"
CUT_OFF_BROKEN = "_(The answer was cut off here: the connection to the model broke.)_"
MODEL_MISCONFIGURED = (
    "I can't reach my language model right now, so I can only answer from my knowledge base."
)
MODEL_UNAVAILABLE = "My language model is busy or unreachable right now. Please try again in a minute."
MODEL_TIMEOUT = "The language model took too long to respond. Please try again in a minute."
MODEL_EMPTY = "(The model returned an empty answer.)"
NO_IMAGES = "I can't look at pictures here. Ask me in words instead."
PICTURE_NOT_SEEN = "_(I can't look at pictures here, so this answers your words only.)_"
PICTURE_TOO_LARGE = "That picture is too large for me; please send a smaller one."
PICTURE_QUESTION = "What is in this picture?"  # asked for a picture sent without a caption
ASK_USAGE = "Usage: `/ask QUESTION`, e.g. `/ask why does health matter so much for Meta?`"

# --- contemplation --------------------------------------------------------------------------

CONTEMPLATE_USAGE = (
    "Usage: `/contemplate QUESTION`, e.g. `/contemplate is Muse Spark good at health questions?`"
)
CONTEMPLATE_OFF = "Contemplating mode is switched off on this bot: ask me the usual way instead."
CONTEMPLATE_NO_MODEL = (
    "Contemplating mode needs a language model, and none is connected to me, so I can only answer "
    "from my knowledge base. Just ask!"
)
CONTEMPLATE_BUSY = "I'm already contemplating a question in this chat. Wait for that answer, or send /cancel."
NOTHING_TO_CANCEL = "Nothing to cancel: no contemplation is running in this chat."
NOT_YOURS = "Only the person who asked can cancel this contemplation."
CANCELLED = "✖ Contemplation cancelled."
STOPPED = "✖ Contemplation stopped: I'm restarting. Please ask again in a minute."
CONTEMPLATE_FAILED = "Sorry — something went wrong while contemplating. Please try again in a moment."
DRAFTS_GONE = "Those drafts are no longer available."
DRAFTS_SHOWN = "The drafts are already shown above."
SHOW_DRAFTS = "Show drafts"
CONTEMPLATING = "🧠 _Contemplating:_ {progress}\n{board}"
CONTEMPLATED_BY = "Contemplated by {ok} of {n} agents"
NO_AGENT_ANSWERED = "None of the {n} agents could answer"
ALL_AGENTS_FAILED = (
    "None of my {n} agents could answer just now ({reasons}). My language model may be busy or "
    "unreachable: please try again in a minute, or ask without contemplating."
)
MERGE_FAILED = "_(I could not merge the drafts just now; here is the {label} agent's.)_"
DRAFTS_HEAD = "**Drafts** — what each agent wrote before the synthesis:"

MODE_CONTEMPLATE_ON = (
    "Contemplate mode is on: each question here goes to {agents} agents in parallel, then one "
    "synthesis ({cost} model calls per question, so it is slower). `/mode fast` switches back."
)
MODE_FAST_ON = "Fast mode: I answer straight away. `/contemplate QUESTION` still works for one question."
MODE_UNKNOWN = "I don't know the mode “{choice}”."
MODE_NOW = (
    "This chat is in **{mode}** mode.\n"
    "`/mode contemplate` — several agents think each question over, then one answer\n"
    "`/mode fast` — answers straight away"
)

# --- access, limits, input ------------------------------------------------------------------

NOT_ALLOWED_LLM = (
    "I can answer questions from my knowledge base about Muse Spark, but open-ended questions "
    "to my language model are only for people my operator has approved."
)
STRANGER = (
    "Sorry, this is a private bot and only answers people its operator has approved. "
    "If you know the operator, send them your Telegram user id: `{user_id}`."
)
OVER_LIMIT = (
    "That's the limit for now: {whose} can ask my language model {limit} question{plural} {per}, "
    "and that's used up. It resets {when}. Questions my knowledge base can answer (try /help) "
    "still work meanwhile."
)
WHOSE_YOU = "you"
WHOSE_GROUP = "this group"
PER_MINUTE = "a minute"
PER_DAY = "a day"
USAGE_EXEMPT = "You are one of this bot's operators: no limits apply to you."
USAGE_HEAD = "Your questions to my language model (knowledge answers are free and unlimited):"
USAGE_YOU_MINUTE = "you, this minute"
USAGE_YOU_DAY = "you, today (UTC)"
USAGE_GROUP_MINUTE = "this group, this minute"
USAGE_GROUP_DAY = "this group, today (UTC)"
USAGE_OF = "of {limit}"
USAGE_NO_LIMIT = "(no limit)"
USAGE_RESETS = " — resets {when}"
RESETS_AT = "at {clock} UTC (in {left})"
CLIPPED = "_Your message is {length} characters long; I read only the first {limit}._"
CANT_READ = (
    "I can read text and pictures (photos, or images sent as files), but not voice messages, "
    "videos, stickers, locations, contacts or polls yet. Please type your question."
)
INTERRUPTED = (
    "Sorry — I was restarting when you sent this, and it's a while ago now. "
    "Please ask again if you still need an answer."
)

# --- chat housekeeping ----------------------------------------------------------------------

FORGOTTEN = "Done: I've forgotten this chat's conversation."
SORRY = "Sorry — something went wrong on my side. Please try again in a moment."
UNKNOWN_COMMAND = "Unknown command /{name}. Try: {known}"
ADMIN_ONLY = "That command is for the bot's operators."
RELOADED = "Reloaded the knowledge base: {counts}."
RELOAD_REFUSED = "Kept the current knowledge base; the new one has a problem:\n\n`{problem}`"
HISTORY_CLEARED = "History cleared."
BUTTON_GONE = "This button no longer works."  # a button from an older version of the bot

# --- answers built from the knowledge base ----------------------------------------------------
# Figures, names and dates are filled in by the engine, in the reader's locale.

SCORE_TOP = (
    "**{model}** scores **{value}** on {benchmark}{mode} — the top figure the source gives ({others})."
)
SCORE_TIED_TOP = (
    "**{model}** scores **{value}** on {benchmark}{mode}, level with {level} for the top figure the "
    "source gives ({others})."
)
SCORE_TIED_ALONE = (
    "**{model}** scores **{value}** on {benchmark}{mode}, level with {level} for the top figure."
)
TIED = "tied"
SCORE_ALONE = "**{model}** scores **{value}** on {benchmark}{mode}."
SCORE_BEHIND = "**{model}** scores **{value}** on {benchmark}{mode}, behind {ahead}."
SCORE_BETWEEN = "**{model}** scores **{value}** on {benchmark}{mode}, behind {ahead} and ahead of {below}."
PLACE_NUMBER = "#{n}"  # a placing as the reader's language writes it ("2º", "2.º", "ke-2")
PLACE_TOP = "**{model}** ranks **{value}** on {benchmark} — the top placing the source gives."
PLACE_BEHIND = "**{model}** ranks **{value}** on {benchmark}, behind {ahead}."
IN_MODE = " in {mode} mode"
NO_FIGURE_FOR_MODEL = "The source doesn't give a {benchmark} figure for {model}. It lists: {others}."
NO_SUCH_BENCHMARK = (
    "The source gives no {name} figure. The benchmarks it reports are Humanity's Last Exam, "
    "HealthBench Hard, ARC-AGI 2, Terminal-Bench 2.0 and the Artificial Analysis Intelligence "
    "Index v4.0, plus a vision ranking."
)
NO_SUCH_MODEL = (
    "The source doesn't cover {name}: it compares Muse Spark with GPT-5.4, Gemini 3.1 and Claude Opus 4.6."
)
NOT_IN_SOURCE = "The source doesn't say anything about {what}."
NO_MODE_FIGURE = "The source doesn't say which mode this figure was in."
NO_FIGURE_IN_MODE = "The source doesn't give a figure in {mode} mode."
MEASURES = "{benchmark} measures: {what}"
CORRECTION = "No — {text}"
#: "is it on instagram?": the yes the article allows (every app, over the coming weeks), then what it does there.
ON_THE_APP = "Yes — it is coming to {app} over the coming weeks. {text}"
FIGURE_BELONGS = "{value} is {owner}'s figure, not {model}'s."
NOT_CLAIMED_RANK = "{model} is not #{rank} there."
MODEL_FIGURES = "Figures: `/compare {subject} {model}`"
SCORECARD = "**{model}**'s figures in the source: {figures}."
VERDICT_ALL = "On every benchmark where the source gives both, **{winner}** comes out ahead: {lines}."
VERDICT_MIXED = "It depends on the task: {lines}."
VERDICT_ONE = "The source gives both only on {benchmark}, where **{winner}** comes out ahead ({lines})."
VERDICT_GROUP = "Where the source gives them figures: {lines}."
VERDICT_ON = "On {benchmark}, **{winner}** comes out ahead ({lines})."
VERDICT_TIE = "They are level on {benchmark} ({lines})."
VERDICT_MISSING = "The source has no {model} figure for {benchmarks}."
#: "by how much?": the difference of the two figures the verdict quotes, worked out, not sourced.
VERDICT_GAP = "That is a gap of {gap} points."
VERDICT_NONE = "The source gives no benchmark with figures for both {a} and {b}."
VERSUS_LINE = "{a} {a_value} vs {b} {b_value} on {benchmark}"
LEADS_ON = "**{model}** leads on {benchmarks}"

# --- tables and rankings ----------------------------------------------------------------------

HIGHER_IS_BETTER = "higher is better"
LOWER_IS_BETTER = "lower is better"
RANK_FIRST_IS_BEST = "#1 is best"
LEGEND_LEADS = "{mark} leads among these"
LEGEND_NO_FIGURE = "— no figure in the source"
LEGEND_MODE = "{letter} = {mode} mode"
COMPARE_USAGE = (
    "Usage: `/compare MODEL MODEL [MODEL…]` or `/compare BENCHMARK`\n"
    "e.g. `/compare muse-spark gpt-5.4` or `/compare hle`\n\n"
    "Models: {models}\nBenchmarks: {benchmarks}"
)
COMPARE_NEEDS_TWO = "Comparing needs two different models; I only see {model}."
COMPARE_IS_BENCHMARK = (
    "'{name}' is a benchmark: compare it on its own (`/compare {benchmark}`), or compare two models."
)
COMPARE_UNKNOWN = "Unknown model '{name}'."
COMPARE_UNKNOWN_SUGGEST = "Unknown model '{name}' — did you mean {suggestions}?"
COMPARE_KNOWN_MODELS = "Known models: {models}."
NO_COMMON_FIGURE = "{models}: the source gives no benchmark figure for these models."

# --- overviews --------------------------------------------------------------------------------

NO_SPARK_FIGURE = "no Muse Spark figure"
BENCHMARK_LINE = "• **{benchmark}** — {own}; leader: {leader}"
BENCHMARKS_HEAD = "Benchmarks in the source:"
BENCHMARKS_MORE = "Details: `/compare hle`, `/compare muse-spark gpt-5.4`"
SOURCE_LINE = "• **{title}** — as of {as_of}. {note}"
SOURCES_HEAD = "Every fact and figure I give comes from:"
SOURCES_COUNTS = (
    "{entries} facts, {scores} benchmark figures for {models} models. Questions beyond these I say "
    "I can't answer, rather than guess."
)

# --- commands (menus and /help) ---------------------------------------------------------------

CMD_START = "what I know and how to ask"
CMD_HELP = "how to use me"
CMD_COMPARE = "models side by side: /compare muse-spark gpt-5.4, or /compare hle"
CMD_BENCHMARKS = "Muse Spark's benchmark results"
CMD_ROLLOUT = "where and when Muse Spark arrives"
CMD_ABOUT = "what Muse Spark is"
CMD_SOURCES = "where my facts come from, and as of when"
CMD_ASK = "ask the language model directly: /ask QUESTION"
CMD_CONTEMPLATE = "several agents think it over, then one answer: /contemplate QUESTION"
CMD_MODE = "how I answer in this chat: /mode contemplate or /mode fast"
CMD_CANCEL = "stop a contemplation in progress"
CMD_RESET = "forget this chat's conversation history"
CMD_USAGE = "how many language-model questions you have left"
CMD_LANGUAGE = "the language I answer in here: /language es, pt, id, hi, en or auto"
CMD_STATS = "operator: usage and health figures"
CMD_RELOAD = "operator: re-read the knowledge base"
CMD_QUIT = "leave (or Ctrl-D)"

# --- /language --------------------------------------------------------------------------------

LANGUAGE_SET = (
    "From now on I answer in English here. `/language auto` follows each question's language again."
)
LANGUAGE_AUTO = "I'll answer each question in the language it is asked in."
LANGUAGE_NOW = "Here I answer {how}. Choose one: `/language es`, `pt`, `id`, `hi`, `en`, or `auto`."
LANGUAGE_FOLLOWS = "in each question's language"
LANGUAGE_PINNED = "in {name}"
LANGUAGE_UNKNOWN = "I speak English, Spanish, Portuguese, Indonesian and Hindi: `/language es`, `pt`, `id`, `hi`, `en` or `auto`."

# --- the source line under every answer -------------------------------------------------------

SOURCE_FOOTER = "_Source: {names}_"
AS_OF = "{title} (as of {date})"
