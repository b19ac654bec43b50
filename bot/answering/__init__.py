"""The answer engine and what it is built from: words, lexicon, engine, answers, comparisons,
retrieval, the grounded prompt, charts. Transport-agnostic: nothing here imports a channel."""
