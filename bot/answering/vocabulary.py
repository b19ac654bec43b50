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
VERDICT_WORDS = frozenset({"margin", "bad", "better", "good", "should", "worse"})
# Asking the bot to write something: a task for the language model.
TASK_WORDS = frozenset({"advise", "caption", "email", "essay", "haiku", "joke", "story", "pitch", "plan", "poem", "rephrase", "rewrite", "script", "slogan", "summarize", "translate", "tweet", "write"})
# A message that only says hello (in every supported language) or thanks.
GREETINGS = frozenset({"evening", "hallo", "halo", "hello", "help", "hey", "hi", "hiya", "hola", "howdy", "morning", "namaskar", "namaste", "oi", "ola", "start", "yo"})
# Acknowledgements in every language, one word each ("vale", "blz", "sip", "mantap"): whatever
# language a one-word message is read in, it is thanks, not a question.
THANKS = frozenset({"bye", "cool", "dhanyavad", "gracias", "great", "kasih", "makasih", "nice", "obrigada", "obrigado", "ok", "okay", "shukriya", "terima", "thanks", "valeu"}
                   | {"beleza", "blz", "dale", "genial", "listo", "mantap", "mantul", "massa", "oke", "siap", "sip", "show", "theek", "thik", "top", "vale"})
# Words that point back at what was said before ("and its hle?"); "he", "she" at a person.
REFERRING = frozenset({"he", "her", "him", "his", "it", "its", "one", "same", "she", "that", "thats", "them", "there", "these", "they", "this", "those"})
PERSONAL = frozenset({"he", "her", "hes", "him", "his", "she", "shes"})
# Words that alone make a question about the bot's subject, even with no model named.
DOMAIN_WORDS = frozenset({"agents", "ai", "api", "benchmark", "benchmarks", "closed", "compute", "fine", "llm", "meta", "open", "parallel", "parameters", "rollout", "strength", "tokens", "tune", "users", "weakness", "weights"})
# Words that join a follow-up fragment to its names ("and on hle?").
CONNECTIVES = frozenset({"about", "also", "and", "at", "for", "how", "in", "on", "the", "what", "with"})
# Words that keep a follow-up on the earlier question rather than start a topic of its own: a
# request ("tell me", "give the numbers"), a figure's mode or size ("why so low?"), "instead".
CONTINUING = frozenset({"actually", "ahead", "alternative", "behind", "else", "even", "explain", "least", "still", "tho", "though", "figure", "figures", "give", "help", "high", "instead", "list", "low", "mention", "mode", "number", "numbers", "poorly", "really", "say", "scores", "show", "so", "strong", "tell", "use", "weak", "well", "work"})
# Month names in the five languages, as CLDR writes them (accents folded), each with its number:
# a date in a question ("released in march?", "lançado em maio?") names no other subject, and
# "Maret" against the answer's "April" is a false premise in any language. Kept here rather than
# read from Babel at start-up, which would hold every locale's data (7 MB) for 60 words.
MONTH_NUMBERS = {
    **dict.fromkeys(["january", "enero", "janeiro", "januari", "जनवरी"], 1),
    **dict.fromkeys(["february", "febrero", "fevereiro", "februari", "फ़रवरी", "फरवरी"], 2),
    **dict.fromkeys(["march", "marzo", "marco", "maret", "मार्च"], 3),
    **dict.fromkeys(["april", "abril", "अप्रैल"], 4),
    **dict.fromkeys(["may", "mayo", "maio", "mei", "मई"], 5),
    **dict.fromkeys(["june", "junio", "junho", "juni", "जून"], 6),
    **dict.fromkeys(["july", "julio", "julho", "juli", "जुलाई"], 7),
    **dict.fromkeys(["august", "agosto", "agustus", "अगस्त"], 8),
    **dict.fromkeys(["september", "septiembre", "setembro", "सितंबर"], 9),
    **dict.fromkeys(["october", "octubre", "outubro", "oktober", "अक्टूबर"], 10),
    **dict.fromkeys(["november", "noviembre", "novembro", "नवंबर"], 11),
    **dict.fromkeys(["december", "diciembre", "dezembro", "desember", "दिसंबर"], 12),
}
MONTHS = frozenset(MONTH_NUMBERS)
#: What a number counts when it shapes the answer rather than states a figure: "in 3 points",
#: "dlm 3 poin aja", "em 5 linhas", "100 words".
FORMAT_UNITS = frozenset(
    {
        *("point", "points", "bullet", "bullets", "line", "lines", "word", "words", "sentence", "sentences"),
        *("paragraph", "paragraphs", "tweet", "tweets", "items", "tips", "reasons"),
        *("poin", "butir", "kalimat", "kata", "baris", "puntos", "frases", "palabras", "lineas", "renglones"),
        *("pontos", "topicos", "linhas", "palavras", "paragrafos", "पॉइंट", "लाइन", "वाक्य", "शब्द"),
        # "need 3 things for my deck in 10 min", "me fala 3 coisa": what to say, and how fast
        *("thing", "things", "questions", "qs", "min", "mins", "minutes", "secs", "seconds"),
        *("cosas", "preguntas", "minutos", "coisa", "coisas", "perguntas", "hal", "pertanyaan", "menit"),
    }
)
#: Small numbers in words, in every language the bot speaks: "two years ago" states a figure as
#: "2 years ago" does. Read only before a unit (COUNTED_UNITS): "one" and Hinglish "do" are also
#: ordinary words.
NUMBER_WORDS = {
    **dict.fromkeys(["two", "dos", "dois", "duas", "dua", "do", "दो"], 2),
    **dict.fromkeys(["three", "tres", "tiga", "teen", "तीन"], 3),
    **dict.fromkeys(["four", "cuatro", "quatro", "empat", "char", "चार"], 4),
    **dict.fromkeys(["five", "cinco", "lima", "paanch", "panch", "पांच", "पाँच"], 5),
    **dict.fromkeys(["six", "seis", "enam", "chhe", "छह"], 6),
    **dict.fromkeys(["seven", "siete", "sete", "tujuh", "saat", "सात"], 7),
    **dict.fromkeys(["eight", "ocho", "oito", "delapan", "aath", "आठ"], 8),
    **dict.fromkeys(["nine", "nueve", "nove", "sembilan", "nau", "नौ"], 9),
    **dict.fromkeys(["ten", "diez", "dez", "sepuluh", "das", "दस"], 10),
    **dict.fromkeys(["eleven", "once", "onze", "sebelas", "gyarah", "ग्यारह"], 11),
    **dict.fromkeys(["twelve", "doce", "doze", "barah", "बारह"], 12),
}
#: What a number word counts when it states a figure (the parser's words: "años" reads "year").
COUNTED_UNITS = frozenset(
    {
        *("year", "years", "month", "months", "week", "weeks", "day", "days"),
        *("billion", "billions", "million", "millions", "times"),
        *("anos", "meses", "mes", "semanas", "dias", "tahun", "bulan", "minggu", "hari"),
        *("saal", "sal", "mahine", "mahina", "साल", "महीने", "महीना", "miliar", "juta", "arab", "अरब"),
    }
)
# fmt: on
