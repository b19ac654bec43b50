"""The canonical words the parser reads a question's intent from.

Every language pack (`bot/answering/languages/*.yaml`) maps what people type onto these English
words ("cuanto saco" → "score"), so the intent rules are written once. Kept apart from the
parser because they are data the rules read, not rules.
"""

from __future__ import annotations

# fmt: off

# What a question asks for.
QUESTION_WORDS = frozenset({"how", "what", "when", "where", "whether", "which", "who", "why"})
# How a yes/no question starts.
YES_NO = frozenset({"are", "can", "could", "did", "do", "does", "has", "is", "should", "was", "will", "would"})
# Asking for a figure, a placing, a side-by-side, a judgement.
SCORE_WORDS = frozenset({"benchmark", "benchmarks", "percent", "score"})
RANK_WORDS = frozenset({"first", "highest", "last", "rank", "second", "third", "top"})
COMPARE_WORDS = frozenset({"compare", "vs"})
VERDICT_WORDS = frozenset({"bad", "better", "good", "should", "worse"})
# Asking the bot to write something: a task for the language model.
TASK_WORDS = frozenset({"advise", "caption", "email", "essay", "haiku", "joke", "story", "pitch", "plan", "poem", "rephrase", "rewrite", "script", "slogan", "summarize", "translate", "tweet", "write"})
# A message that only says hello (in every supported language) or thanks.
GREETINGS = frozenset({"evening", "hallo", "halo", "hello", "help", "hey", "hi", "hiya", "hola", "howdy", "morning", "namaskar", "namaste", "oi", "ola", "start", "yo"})
THANKS = frozenset({"bye", "cool", "dhanyavad", "gracias", "great", "kasih", "makasih", "nice", "obrigada", "obrigado", "ok", "okay", "shukriya", "terima", "thanks", "valeu"})
# Words that point back at what was said before ("and its hle?"); "he", "she" at a person.
REFERRING = frozenset({"he", "her", "him", "his", "it", "its", "one", "same", "she", "that", "them", "there", "these", "they", "this", "those"})
PERSONAL = frozenset({"he", "her", "hes", "him", "his", "she", "shes"})
# Words that alone make a question about the bot's subject, even with no model named.
DOMAIN_WORDS = frozenset({"agents", "ai", "api", "benchmark", "benchmarks", "closed", "compute", "fine", "llm", "meta", "open", "parallel", "parameters", "rollout", "strength", "tokens", "tune", "weakness", "weights"})
# Words that join a follow-up fragment to its names ("and on hle?").
CONNECTIVES = frozenset({"about", "also", "and", "at", "for", "how", "in", "on", "the", "what", "with"})
# Words that keep a follow-up on the earlier question rather than start a topic of its own: a
# request ("tell me", "give the numbers"), a figure's mode or size ("why so low?"), "instead".
CONTINUING = frozenset({"actually", "ahead", "alternative", "behind", "else", "explain", "figure", "figures", "give", "help", "high", "instead", "list", "low", "mention", "mode", "number", "numbers", "poorly", "really", "say", "scores", "show", "so", "strong", "tell", "use", "weak", "well", "work"})
# Month names in the five languages, as CLDR writes them (accents folded): a date in a question
# ("released in march?", "lançado em maio?") names no other subject. Kept here rather than read
# from Babel at start-up, which would hold every locale's data (7 MB) for 55 words.
MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "janeiro", "fevereiro", "marco", "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro", "januari", "februari", "maret", "mei", "juni", "juli", "agustus", "oktober", "desember", "जनवरी", "फ़रवरी", "फरवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"})
# fmt: on
