"""The shingles of one already-normalised text, in pure Python: what the signatures are taken over.

* non-'zh' languages: word n-grams (default n=5). Words are the text split on runs of ASCII
  whitespace (`' ', '\\t', '\\n', '\\r', '\\x0b', '\\x0c'`); a shingle is ``' '.join(words[i:i+n])``
  encoded as UTF-8. A text with 0 < len(words) < n gives one shingle of all its words.
* 'zh': character n-grams over the text's code points with ASCII whitespace removed.

The caller passes already-normalised text; nothing else is done to it. The xxh32 kernel of
udfs/minhash/signatures.py shingles the same way over the UTF-8 bytes; this function serves the
other hash functions and the tools that estimate Jaccard similarities (bench/).
"""

from __future__ import annotations

ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"
_ZH_WS_TABLE = {c: None for c in ASCII_WHITESPACE}  # str.translate table deleting ASCII whitespace


def shingles(text: str, lang: str, n: int = 5) -> list[bytes]:
    """Shingles of one already-normalised text (see the module docstring)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    if not text:
        return []
    if lang == "zh":
        chars = text.translate(_ZH_WS_TABLE)
        if not chars:
            return []
        if len(chars) < n:
            return [chars.encode("utf-8")]
        return [chars[i : i + n].encode("utf-8") for i in range(len(chars) - n + 1)]
    # bytes.split() with no argument splits on exactly the six ASCII whitespace bytes and drops
    # empty pieces; UTF-8 multi-byte sequences never contain ASCII bytes.
    words = text.encode("utf-8").split()
    if not words:
        return []
    if len(words) < n:
        return [b" ".join(words)]
    return [b" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
