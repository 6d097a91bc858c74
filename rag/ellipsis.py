"""What an ellipsis replaces: after "姚顺雨说，对To B来说，智能越高意味着什么？", "那To C用户呢？"
asks the same question of To C users. X takes the place of the part of the earlier question
closest to it in meaning (by the embedding model): a run of up to MAX_WORDS content words
inside one clause, not a person's name (the person is carried over, X is a topic), and not
a part X itself holds ("那创业公司呢？" after "一家10万人的公司" replaces the company, not "公司").
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from index.tokens import STOPWORDS
from rag.forms import Forms
from rag.text import places

MAX_WORDS = 4     # content words in a replaced part, at most
CACHED = 256      # swaps remembered
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*(?: [A-Za-z0-9][A-Za-z0-9.+\-]*)*")   # "To B", "Claude Code"
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


class Swap:
    """`swap(earlier, x)`: the earlier question with x in place of its part closest to x, or
    None if it has no such part, if no part is closer to x than every part apart from it by
    `margin`, or if x is an ordinal and the earlier question holds none. `embed(texts)` gives
    L2-normalised query vectors; `cut(text)` gives the (word, start, end) pieces of Chinese text
    (jieba's `tokenize`); `names(text)` the (start, end) of the people named in it."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], cut: Callable[[str], list],
                 names: Callable[[str], list[tuple[int, int]]], margin: float = 0.0):
        self.embed, self.cut, self.names = embed, cut, names
        self.margin = margin   # how much closer to x the part must be than any part apart from it
        # every later turn re-reads the earlier ones (query.analyze recurses over the history):
        # each (earlier, x) is embedded once
        self._swapped = lru_cache(maxsize=CACHED)(self._swap)

    def __call__(self, earlier: str, x: str) -> str | None:
        return self._swapped(earlier, x.strip())

    def _swap(self, earlier: str, x: str) -> str | None:
        # an ordinal ("第二和第三呢？", "And the second?") takes the place of the earlier one
        if only_ordinals(x):   # (an ordinal put in place of a topic asks nothing: "唐杰怎么看第二个？")
            at = ordinal_span(earlier)
            return None if at is None else earlier[:at[0]] + _ordinal_core(x, earlier[at[0]:at[1]]) + earlier[at[1]:]
        # a part X holds ("公司" of "创业公司") is what X narrows, not what it replaces
        spans = [(s, e) for s, e in self.parts(earlier) if earlier[s:e].lower() not in x.lower()]
        if not x or not spans:
            return None
        vectors = self.embed([x] + [earlier[s:e] for s, e in spans])
        sims = vectors[1:] @ vectors[0]
        best = int(np.argmax(sims))
        # no part stands out ("林俊旸拿美国人举了个啥例子" and "国内的有钱人": a verb phrase and a
        # noun score alike): X is asked beside the earlier question instead
        apart = [k for k, (s, e) in enumerate(spans) if e <= spans[best][0] or s >= spans[best][1]]
        if apart and sims[best] - max(sims[k] for k in apart) < self.margin:
            return None
        s, e = self.widened(earlier, spans[best], x)
        return earlier[:s] + x + earlier[e:]

    def widened(self, text: str, span: tuple[int, int], x: str) -> tuple[int, int]:
        """The part grown over the words beside it that X begins or ends with: "To C products"
        with "To B" in place of "C" is "To B products", not "To To B products"."""
        ours = [(a, b) for a, b in self.words(text)]
        theirs = [x[a:b].lower() for a, b in self.words(x)]
        first = next(k for k, (a, _) in enumerate(ours) if a >= span[0])
        last = max(k for k, (_, b) in enumerate(ours) if b <= span[1])
        s, e = span
        for n in range(min(len(theirs) - 1, first), 0, -1):
            if [text[a:b].lower() for a, b in ours[first - n:first]] == theirs[:n]:
                s = ours[first - n][0]
                break
        for n in range(min(len(theirs) - 1, len(ours) - 1 - last), 0, -1):
            if [text[a:b].lower() for a, b in ours[last + 1:last + 1 + n]] == theirs[-n:]:
                e = ours[last + n][1]
                break
        return s, e

    def parts(self, text: str) -> list[tuple[int, int]]:
        """The candidate parts: runs of words within a clause that begin and end with a content
        word, hold at most MAX_WORDS of them and name nobody."""
        words = self.words(text)
        named = self.names(text)
        out = []
        for a in range(len(words)):
            if not _content(text[words[a][0]:words[a][1]]):
                continue
            content = 0
            for b in range(a, len(words)):
                s, e = words[a][0], words[b][1]
                if b > a and _breaks(text[words[b - 1][1]:words[b][0]]):
                    break   # a clause ends between them
                if any(ms < e and s < me for ms, me in named):
                    break
                if _content(text[words[b][0]:words[b][1]]):
                    content += 1
                    if content > MAX_WORDS:
                        break
                    out.append((s, e))
        return out

    def words(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each word: in Chinese text jieba's words, a run of Latin words
        ("To B") kept whole; in English text each word."""
        if not _HAN.search(text):
            return [m.span() for m in _LATIN_WORD.finditer(text)]
        out: list[tuple[int, int]] = []
        at = 0
        for m in list(_LATIN_RUN.finditer(text)) + [None]:
            end = m.start() if m is not None else len(text)
            out += [(at + s, at + e) for w, s, e in self.cut(text[at:end]) if any(ch.isalnum() for ch in w)]
            if m is not None:
                out.append(m.span())
                at = m.end()
        return out


def ordinal_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the first ordinal in text: 第 and numerals with the measure word after it
    ("第一个", "第二点"), or an English ordinal word; None if there is none."""
    data = Forms.load().data
    entry, numerals = data["ordinal"], data["holds"]["numerals"]
    for at in places(text, entry["zh_mark"]):
        end = at + 1
        while end < len(text) and text[end] in numerals:
            end += 1
        if end > at + 1:
            return at, end + (end < len(text) and text[end] in entry["zh_measures"])
    if _HAN.search(text):
        return None
    spans = [m.span() for m in _LATIN_WORD.finditer(text)]
    following = [text[s:e].lower() for s, e in spans[1:]] + [""]
    # "last year", "the first time": words of time, no ordinal
    return next(((s, e) for (s, e), after in zip(spans, following)
                 if text[s:e].lower() in entry["en"] and after not in entry["en_time"]), None)


def only_ordinals(x: str) -> bool:
    """Whether x is ordinals and nothing else ("第二和第三", "the second one"): with a word of its
    own ("第二点观察") it is a part like any other."""
    rest, found = x, False
    while (at := ordinal_span(rest)) is not None:
        rest, found = rest[:at[0]] + " " + rest[at[1]:], True
    entry = Forms.load().data["ordinal"]
    rest = "".join(" " if ch in entry["zh_joins"] else ch for ch in rest)
    return found and all(w.lower() in entry["en_around"] or not any(ch.isalnum() for ch in w) for w in rest.split())


def _ordinal_core(x: str, replaced: str = "") -> str:
    """An ordinal ellipsis without the words around it in English ("the second one" -> "second"),
    written in Chinese if the ordinal it replaces is ("第一个" and "the second one": "第二个")."""
    if _HAN.search(x):
        return x
    entry = Forms.load().data["ordinal"]
    kept = [w for w in _LATIN_WORD.findall(x) if w.lower() not in entry["en_around"] or w.lower() == "and"]
    while kept and kept[0].lower() == "and":
        kept.pop(0)
    if not _HAN.search(replaced) or not kept:
        return " ".join(kept) or x
    measure = replaced[-1] if replaced[-1] in entry["zh_measures"] else ""
    zh = dict(zip(entry["en"], entry["zh_for_en"]))
    ordinals = [zh[w.lower()] + measure for w in kept if w.lower() in zh]
    if len(ordinals) < 2:
        return "".join(ordinals) or x
    and_, list_ = entry["zh_joins"][0], entry["zh_joins"][-1]   # 和, 、: "第二点、第三点和第四点"
    return list_.join(ordinals[:-1]) + and_ + ordinals[-1]


def _content(word: str) -> bool:
    return any(ch.isalnum() for ch in word) and word.strip().lower() not in STOPWORDS


def _breaks(between: str) -> bool:
    """Whether the text between two words ends a clause (punctuation, not a space)."""
    return any(not ch.isspace() and not ch.isalnum() for ch in between)
