"""Junk rows for a benchmark corpus (bench/make_corpus.py): too short, repetitive spam, symbol lines
or URL spam, in English or Chinese."""

from __future__ import annotations

import random

_SHORT_EN = (("hi", "ok"), ("?", "yes"), ("thanks", "np"), ("Answer?", "No."), ("test", "k"), ("yo", "sure"))
_SHORT_ZH = (("你好", "好的"), ("在吗", "在"), ("？", "嗯"), ("谢谢", "不客气"), ("测试", "收到"))
_SYMBOLS = "@#$%^&*()_+{}|:<>?~=-[]\\;',./`!"


def junk_row(lang: str, rng: random.Random) -> tuple[dict, str]:
    kind = rng.choice(("too_short", "repetition", "symbols", "url_spam"))
    n = rng.randint(30, 120)
    if kind == "too_short":
        ins, out = rng.choice(_SHORT_ZH if lang == "zh" else _SHORT_EN)
        if rng.random() < 0.5:
            out = f"{out} {rng.randint(1, 99)}"
    elif kind == "repetition":
        if lang == "zh":
            ins, out = rng.choice(("讲个笑话", "说点什么", "重复一下")), rng.choice(("哈", "啊", "好的", "对对")) * n
        else:
            unit = rng.choice(("ha", "lol ", "buy now ", "!!", "click here ", "wow "))
            ins, out = rng.choice(("Say something.", "Reply", "Comment")), unit * n
    elif kind == "symbols":
        out = "".join(rng.choice(_SYMBOLS) for _ in range(n))
        ins = rng.choice(("分隔线", "？？？")) if lang == "zh" else rng.choice(("Divider", "###", "---"))
    else:
        host = "example.cn" if lang == "zh" else "example.com"
        out = " ".join(
            f"https://{rng.choice(('deal', 'promo', 'win', 'free'))}{rng.randint(1, 999)}.{host}/"
            f"{rng.randint(1000, 99999)}"
            for _ in range(rng.randint(3, 10))
        )
        ins = rng.choice(("点击领取", "免费链接")) if lang == "zh" else rng.choice(("Links", "Free offers"))
    return {"instruction": ins, "input": "", "output": out}, kind
