"""Sentence-level evidence: every sentence unit of the index scored against a question (its
embedding's similarity and its share of the question's keywords), and quotes built from
consecutive units so that a lead-in ("有三点：") or a question carries what follows it."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from index.records import Chunk
from index.sentences import Sentence
from index.store import Index
from index.tokens import Tokenizer
from rag.records import Citation

MAX_QUOTE = 160        # characters of one quote, at most
SHORT_QUOTE = 12       # a unit shorter than this is a fragment: it takes the next one along
NEAR_DUPLICATE = 0.5   # bigram overlap above which two quotes say the same thing
TITLE_CHARS = 30       # a talk line alone in its paragraph and this short is a slide title


@dataclass(frozen=True)
class Scored:
    """A sentence unit and how well it answers the question."""
    i: int            # position in Evidence.units
    unit: Sentence
    score: float      # dense similarity + keyword weight * keyword share
    dense: float
    keyword: float    # share of the question's keyword weight found in the sentence, 0..1


@dataclass(frozen=True)
class Measured:
    """Per-unit figures for one question (arrays in unit order); see Evidence.measure."""
    dense: np.ndarray
    keyword: np.ndarray
    passage: np.ndarray


@dataclass(frozen=True)
class Quote:
    """One or more consecutive units of one chunk, quoted verbatim."""
    chunk: Chunk
    start: int
    end: int
    text: str
    first: int        # unit positions covered, first..last
    last: int

    def citation(self, n: int, rendering: str = "") -> Citation:
        return Citation(n, self.chunk, self.text, self.start, self.end, rendering)


class Evidence:
    def __init__(self, index: Index, tokenizer: Tokenizer):
        self.units: tuple[Sentence, ...] = index.sentences
        self.vectors = index.sentence_vectors
        self.chunks = {c.chunk_id: c for c in index.chunks}
        self.tokenizer = tokenizer
        self._tokens = [set(tokenizer.tokens(u.text)) for u in self.units]
        self._index_of = {(u.doc_id, u.start): i for i, u in enumerate(self.units)}
        self._document_frequency: dict[str, int] = {}   # in how many units each word occurs
        for toks in self._tokens:
            for tok in toks:
                self._document_frequency[tok] = self._document_frequency.get(tok, 0) + 1
        self._bigrams = [_bigrams(u.text) for u in self.units]
        per_para: dict[tuple[str, int], int] = {}
        for u in self.units:
            per_para[(u.doc_id, u.para)] = per_para.get((u.doc_id, u.para), 0) + 1
        self._alone = [per_para[(u.doc_id, u.para)] == 1 for u in self.units]
        self.editions: dict[tuple[str, str], object] = {}   # (doc_id, lang) -> index.edition.Edition

    def salience(self, indices: list[int]) -> dict[int, float]:
        """How much each unit says what its material is about: the mean weight of its words,
        a word weighing its frequency in the material times its rarity in the corpus (tf-idf),
        scaled so the most salient unit of the material is 1."""
        df = self._document_frequency
        tf: dict[str, int] = {}
        for i in indices:
            for tok in self._tokens[i]:
                tf[tok] = tf.get(tok, 0) + 1
        n = len(self.units)
        raw = {i: sum(tf[tok] * math.log(n / df[tok]) for tok in self._tokens[i]) / (len(self._tokens[i]) + 3)
               for i in indices}
        top = max(raw.values(), default=0.0) or 1.0
        return {i: v / top for i, v in raw.items()}

    def title_like(self, u: Sentence) -> bool:
        """A short line standing alone in a talk: a slide title, not a statement."""
        i = self._index_of.get((u.doc_id, u.start))
        return (i is not None and self._alone[i] and u.kind == "talk" and len(u.text) <= TITLE_CHARS)

    def rendering(self, doc_id: str, start: int, end: int, lang: str) -> str | None:
        """The translation of source[start:end] in an edition of that language, if there is one."""
        edition = self.editions.get((doc_id, lang))
        return edition.rendering(start, end) if edition is not None and not edition.stale else None

    def measure(self, query_vector: np.ndarray, weights: dict[str, float],
                passage: dict[str, float] | None = None) -> "Measured":
        """What every unit scores against one question, computed once per question: its cosine,
        its share of the question's keyword weight, and how well retrieval ranked the passage
        it is in (0..1; retrieval saw the passage whole, with the question a short reply answers)."""
        dense = self.vectors @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        top = max(passage.values(), default=0.0) if passage else 0.0
        prior = np.array([passage.get(u.chunk_id, 0.0) / top for u in self.units]) if top else \
            np.zeros(len(self.units))
        total = sum(weights.values()) or 1.0
        keyword = np.array([sum(w for t, w in weights.items() if t in toks) / total for toks in self._tokens])
        return Measured(dense, keyword, prior)

    def score(self, measured: "Measured", keyword_weight: float, passage_weight: float,
              keep=lambda u: True) -> list[Scored]:
        """The units `keep` accepts, best first: cosine + keyword_weight * keyword share +
        passage_weight * the passage's retrieval score."""
        total = measured.dense + keyword_weight * measured.keyword + passage_weight * measured.passage
        out = [Scored(i, u, float(total[i]), float(measured.dense[i]), float(measured.keyword[i]))
               for i, u in enumerate(self.units) if keep(u)]
        out.sort(key=lambda s: (-s.score, s.i))
        return out

    def quote(self, i: int) -> Quote:
        """Unit i, with the units after it in the same chunk while it is a lead-in, a question
        or a fragment, cut at a clause break if longer than MAX_QUOTE."""
        u = self.units[i]
        j = i
        while (j + 1 < len(self.units) and self.units[j + 1].chunk_id == u.chunk_id
               and self.units[j + 1].para == u.para and _wants_more(self.units[j].text)
               and self.units[j + 1].end - u.start <= MAX_QUOTE):
            j += 1
        chunk = self.chunks[u.chunk_id]
        start, end = u.start, self.units[j].end
        if end - start > MAX_QUOTE:
            end = start + _cut(chunk.text[start - chunk.start:], MAX_QUOTE)
        return Quote(chunk, start, end, chunk.text[start - chunk.start:end - chunk.start], i, j)

    def similar(self, a: int, b: int) -> bool:
        """Two units that say the same thing (a summary quote and its original)."""
        x, y = self._bigrams[a], self._bigrams[b]
        return bool(x and y) and len(x & y) / min(len(x), len(y)) >= NEAR_DUPLICATE

    def neighbours(self, i: int, before: int, after: int) -> list[int]:
        """Units of the same paragraph and speaker around unit i, in order, i excluded."""
        u = self.units[i]
        out = []
        for j in range(max(0, i - before), min(len(self.units), i + after + 1)):
            v = self.units[j]
            if j != i and v.doc_id == u.doc_id and v.para == u.para and v.speaker == u.speaker:
                out.append(j)
        return out


def _wants_more(text: str) -> bool:
    t = text.rstrip()
    return t.endswith(("：", ":", "？", "?")) or len(t) < SHORT_QUOTE


def _bigrams(text: str) -> set[str]:
    t = "".join(ch for ch in text if ch.isalnum())
    return {t[k:k + 2] for k in range(len(t) - 1)}


def _cut(text: str, limit: int) -> int:
    """Where to cut a long quote: the last clause break before `limit`."""
    window = text[:limit]
    for mark in "，、；,;":
        k = window.rfind(mark)
        if k > 40:
            return k
    return limit
