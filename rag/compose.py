"""The extractive composer: quotes the sentences of the retrieved passages that answer the
question, each attributed to its speaker and cited; no LLM needed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc

from index.chunk import sentences
from index.records import EDITOR
from index.speakers import Speakers
from index.tokens import Tokenizer
from rag.query import Query
from rag.records import Citation, Hit
from rag.text import bigrams, trim_quote_marks

MAX_QUOTE = 160      # characters of one quote, at most
MAX_CITATIONS = 3
MAX_NAMED = 3        # unknown names repeated in a decline, at most; more get the general decline
MAX_NAME_CHARS = 24  # a longer "name" is not repeated (the general decline is given instead)
# A name repeated in a decline: letters, digits, spaces and hyphens, a dot only inside a number
# (Qwen3.5); not a web address or anything else a question could make the answer say.
_REPEATABLE = re.compile(r"(?:[^\W_]|[ \-]|(?<=\d)\.(?=\d))+")

_COMPARE = re.compile(r"(比较|对比|区别|异同|不同|相比|分别|各自|都|大家|各位|嘉宾们|"
                      r"\bcompare|\bcontrast|\bdiffer|\bversus\b|\bvs\.?\b|\bboth\b|\beach\b|\bpanel)", re.I)
_QUOTE_OPEN = re.compile(r"^[^「」]{0,60}?[：:，,]\s*「")


@dataclass(frozen=True)
class Composition:
    text: str
    speakers: tuple[str, ...]
    citations: tuple[Citation, ...]
    abstained: bool


class ExtractiveComposer:
    def __init__(self, speakers: Speakers, tokenizer: Tokenizer):
        self.speakers, self.tokenizer = speakers, tokenizer

    # -- public -------------------------------------------------------------------------------
    def compose(self, query: Query, hits: list[Hit], corpus_text: dict[str, str]) -> Composition:
        """An answer from hits already judged relevant, the answer's speaker first."""
        chosen = self._choose(query, hits)
        citations, lines, order = [], [], []
        # Sentences are picked by what this turn asks; a follow-up's earlier topic counts half.
        focus = set(self.tokenizer.query_tokens(query.focus or query.topic))
        qtokens = {t: 2.0 for t in self.tokenizer.query_tokens(query.topic)} | {t: 4.0 for t in focus}
        for hit in chosen:
            quote_span = self._best_span(hit, qtokens, corpus_text[hit.chunk.doc_id])
            n = len(citations) + 1
            s, e = quote_span
            quote = corpus_text[hit.chunk.doc_id][s:e]
            citations.append(Citation(n, hit.chunk, quote, s, e))
            if hit.chunk.speaker not in order:
                order.append(hit.chunk.speaker)
            lines.append(self._line(query, hit, quote, n, first=len(lines) == 0))
        text = "\n".join(lines)
        if query.asks_who and order:
            text = self._who_lead(query, order[0]) + "\n" + text
        return Composition(text, tuple(order), tuple(citations), False)

    def abstain(self, query: Query, unknown: list[str] = ()) -> Composition:
        """Decline: the transcript does not cover the question (naming what it never mentions,
        when those are a few short plain names; user text is never repeated beyond that)."""
        if len(unknown) > MAX_NAMED or not all(len(u) <= MAX_NAME_CHARS and _REPEATABLE.fullmatch(u)
                                                for u in unknown):
            unknown = ()
        if query.lang == "en":
            text = "The transcript does not cover this question, so I can't answer it from the summit."
            if unknown:
                text = (f"The transcript never mentions {', '.join(unknown)}, "
                        "so I can't answer this from the summit.")
        else:
            text = "文字稿中没有谈到这个问题，无法根据这次峰会的内容回答。"
            if unknown:
                text = f"文字稿中没有提到{'、'.join('「' + u + '」' for u in unknown)}，无法根据这次峰会的内容回答。"
        return Composition(in_script(text, query.lang), (), (), True)

    def empty(self, query: Query) -> Composition:
        return Composition("Please type a question about the AGI-Next summit. / 请输入一个关于 AGI-Next 峰会的问题。",
                           (), (), True)

    def only_asked(self, query: Query, moderator: str, hits: list[Hit],
                   corpus_text: dict[str, str]) -> Composition:
        """The moderator asked about it but gave no view of their own."""
        en = query.lang == "en"
        lead = (f"{self._en(moderator)} only asked this question; he gave no view of his own." if en
                else f"{moderator}只是提出了这个问题，没有给出自己的判断。")
        bridge = " What the transcript says on it:" if en else "文字稿中相关的内容："
        return self._declined(query, lead, bridge, [h for h in hits if h.chunk.speaker != moderator], corpus_text)

    def not_said_by(self, query: Query, named: tuple[str, ...], hits: list[Hit],
                    corpus_text: dict[str, str]) -> Composition:
        """The question puts a topic in the mouth of someone who said nothing about it."""
        en = query.lang == "en"
        lead = (f"In the transcript, {' or '.join(self._en(n) for n in named)} did not talk about this." if en
                else f"文字稿里{'、'.join(named)}没有谈到这一点。")
        bridge = " The closest passage is by someone else:" if en else "谈到相关内容的是别人："
        return self._declined(query, lead, bridge, hits, corpus_text)

    def _declined(self, query: Query, lead: str, bridge: str, others: list[Hit],
                  corpus_text: dict[str, str]) -> Composition:
        """Decline as asked, then point to the best passage by someone else, if any."""
        lead, bridge = in_script(lead, query.lang), in_script(bridge, query.lang)
        if not others:
            return Composition(lead, (), (), True)
        other = self.compose(_without_who(query), others[:1], corpus_text)
        return Composition(lead + bridge + "\n" + other.text, other.speakers, other.citations, True)

    # -- choosing passages ----------------------------------------------------------------------
    def _choose(self, query: Query, hits: list[Hit]) -> list[Hit]:
        """Which hits to cite: the named speakers' best passages, else the top speaker's."""
        if not hits:
            return []
        if query.asks_who:  # "who said" asks for a person, not the article's narration
            hits = [h for h in hits if h.chunk.speaker != EDITOR] or hits
        named = [s for s in query.speakers if any(h.chunk.speaker == s for h in hits)]
        if len(named) >= 2 or (named and _COMPARE.search(query.text)):
            out = []
            for s in named:
                out += [h for h in hits if h.chunk.speaker == s][:1]
            return out[:MAX_CITATIONS]
        lead = named[0] if named else hits[0].chunk.speaker
        if _COMPARE.search(query.text) and not query.asks_who and not named:
            seen, out = set(), []
            for h in hits:
                if h.chunk.speaker not in seen and h.dense >= hits[0].dense - 0.03:
                    seen.add(h.chunk.speaker)
                    out.append(h)
            return out[:MAX_CITATIONS]
        same = [h for h in hits if h.chunk.speaker == lead]
        best = same[0]
        out = [best] + [h for h in same[1:2] if h.dense >= best.dense - 0.02]
        return out

    # -- choosing the quote ---------------------------------------------------------------------
    def _best_span(self, hit: Hit, qtokens: dict[str, float], source: str) -> tuple[int, int]:
        """The sentence (with a neighbour if short) that shares most with the question."""
        c = hit.chunk
        body_start, body_end = c.start, c.end
        m = _QUOTE_OPEN.match(c.text)
        if m:  # a summary quote: quote what was said, not the editor's lead-in
            body_start = c.start + m.end()
        if c.kind == "summary_quote" and "」" in c.text:  # nor the tail (」他补充道，)
            body_end = c.start + c.text.rindex("」")
        spans = [(s, e) for s, e in sentences(source[body_start:body_end], body_start)]
        spans = [trim_quote_marks(source, s, e) for s, e in spans]
        spans = [(s, e) for s, e in spans if e > s]
        if not spans:
            return c.start, c.end
        qbigrams = bigrams("".join(qtokens))

        def score(span):
            sent = source[span[0]:span[1]]
            toks = set(self.tokenizer.tokens(sent))
            return sum(qtokens.get(t, 0.0) for t in toks) + len(bigrams(sent) & qbigrams) * 0.2
        scored = [score(sp) for sp in spans]
        best = max(range(len(spans)), key=lambda i: (scored[i], -i))
        s, e = spans[best]
        # Extend with neighbours while the quote is short.
        # Extend with neighbours in the same paragraph while the quote is short.
        j = best
        while (e - s < 50 and j + 1 < len(spans) and spans[j + 1][1] - s <= MAX_QUOTE
               and "\n" not in source[e:spans[j + 1][0]]):
            j += 1
            e = spans[j][1]
        i = best
        while (e - s < 50 and i > 0 and e - spans[i - 1][0] <= MAX_QUOTE
               and "\n" not in source[spans[i - 1][1]:s]):
            i -= 1
            s = spans[i][0]
        if e - s > MAX_QUOTE:
            e = _cut(source, s, s + MAX_QUOTE)
        return s, e

    # -- wording --------------------------------------------------------------------------------
    def _line(self, query: Query, hit: Hit, quote: str, n: int, first: bool) -> str:
        c = hit.chunk
        reported = c.kind in ("summary_report", "talk_summary")
        if query.lang == "en":
            name = self._en(c.speaker)
            if c.speaker == EDITOR:
                return f"The article itself says: 「{quote}」 [{n}]"
            if reported:
                return f"According to the article's summary, {name}: 「{quote}」 [{n}]"
            if c.kind == "moderator_question":
                return f"{name} asked: 「{quote}」 [{n}]"
            return f"{name} said: 「{quote}」 [{n}]"
        if c.speaker == EDITOR:
            frame = "文章写道："
        elif reported:
            frame = f"据文章转述，{c.speaker}："
        elif c.kind == "moderator_question":
            frame = f"{c.speaker}问道："
        else:
            frame = f"{c.speaker}{'认为' if first else '还说'}："
        return f"{in_script(frame, query.lang)}「{quote}」[{n}]"

    def _who_lead(self, query: Query, speaker: str) -> str:
        if query.lang == "en":
            return f"That was {self._en(speaker)}." if speaker != EDITOR else "That is the article's own statement."
        return in_script(f"这是{speaker}说的。" if speaker != EDITOR else "这是文章本身的叙述。", query.lang)

    def _en(self, name: str) -> str:
        s = self.speakers.by_name.get(name)
        if not s or s.editor:
            return "the article"
        return f"{s.en} ({s.name})"


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")


def in_script(text: str, lang: str) -> str:
    """The composer's own words in the user's script; quotes are never converted."""
    return _s2t().convert(text) if lang == "zh-hant" else text


def _without_who(query: Query) -> Query:
    from dataclasses import replace
    return replace(query, asks_who=False, speakers=())


def _cut(source: str, s: int, limit: int) -> int:
    """Cut a long quote at the last clause break before `limit`."""
    window = source[s:limit]
    for mark in "，、；,;":
        k = window.rfind(mark)
        if k > 40:
            return s + k
    return limit
