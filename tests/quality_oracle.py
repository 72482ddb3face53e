"""Test oracle: Data-Juicer's quality formulas written literally in pure Python (slow).

udfs/text_stats computes the same statistics with numba kernels; tests/test_text_stats.py checks
them against `reference_stats` on hand-made and real rows, and bench/bench_components.py times them
against it. The character sets and word lists are the production ones (udfs/text_stats/charsets.py):
what is checked here is the arithmetic over them.
"""

from __future__ import annotations

import math
from collections import Counter

from udfs.text_stats.charsets import CJK_RANGES, SPECIAL_CHARACTERS, flagged_words, strip_characters
from udfs.text_stats.quality import REP_LEN


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


def words_of(text: str, lang: str) -> list[str]:
    """Words of a text: str.split(), or for 'zh' CJK characters and runs of other non-spaces."""
    if lang != "zh":
        return text.split()
    words, run = [], []
    for ch in text:
        if ch.isspace() or is_cjk(ch):
            if run:
                words.append("".join(run))
                run = []
            if not ch.isspace():
                words.append(ch)
        else:
            run.append(ch)
    if run:
        words.append("".join(run))
    return words


def reference_char_rep_ratio(text: str, n: int = REP_LEN) -> float:
    grams = [text[i : i + n] for i in range(len(text) - n + 1)]
    freq = Counter(grams)
    if not freq:
        return 0.0
    counts = sorted(freq.values(), reverse=True)
    num_no_rep = counts.count(1)
    num_rep = min(int(math.sqrt(len(counts))), len(counts) - num_no_rep)
    return sum(counts[:num_rep]) / sum(counts)


def reference_word_rep_ratio(words: list[str], n: int = REP_LEN) -> float:
    freq = Counter(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    if not freq:
        return 0.0
    return sum(count for count in freq.values() if count > 1) / sum(freq.values())


def reference_flagged_count(text: str, words: list[str], lang: str) -> int:
    if lang == "en":
        strip, flagged = strip_characters(), set(flagged_words("en"))
        return sum(1 for word in words if word.strip(strip).lower() in flagged)
    if lang == "zh":
        return sum(text.count(term) for term in flagged_words("zh"))
    return 0


def reference_stats(text: str | None, lang: str | None) -> dict | None:
    """All statistics of one text, computed literally; None for a null text."""
    if text is None:
        return None
    lang = lang if lang in ("en", "zh") else "other"
    n_chars = len(text)
    words = words_of(text, lang)
    n_words = len(words)
    flagged = reference_flagged_count(text, words, lang)
    return {
        "n_chars": n_chars,
        "n_words": n_words,
        "alnum_ratio": sum(ch.isalnum() for ch in text) / n_chars if n_chars else 0.0,
        "char_rep_ratio": reference_char_rep_ratio(text),
        "word_rep_ratio": reference_word_rep_ratio(words),
        "special_char_ratio": (sum(ch in SPECIAL_CHARACTERS for ch in text) / n_chars if n_chars else 0.0),
        "flagged_word_ratio": flagged / n_words if n_words else 0.0,
        "max_line_length": max(len(line) for line in text.split("\n")),
    }
