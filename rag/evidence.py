"""Sentence-level evidence: every sentence unit of the index scored against a question (its
embedding's similarity and its share of the question's keywords), and quotes built from
consecutive units so that a lead-in ("有三点：") or a question carries what follows it."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.edition_vectors import rendering_vectors
from index.parse import heading
from index.records import Chunk
from index.sentences import Sentence, spoken_body
from index.store import Index
from index.tokens import Tokenizer
from rag.records import Citation
from rag.text import bigrams, letters

MAX_QUOTE = 160        # characters of one quote, at most
REPLY_LEAD = 2          # sentences of a reply that answer the question before it
CONVERSATION = ("roundtable", "moderator_question")   # the kinds of a conversation's turns
SHORT_QUOTE = 12       # a unit shorter than this is a fragment: it takes the next one along
NEAR_DUPLICATE = 0.5   # bigram overlap above which two quotes say the same thing
DUPLICATE_GRAMS = 8    # a unit with fewer character pairs ("为什么呢？") says too little to be anyone's twin
TITLE_CHARS = 30       # a talk line alone in its paragraph and this short is a slide title
LIST_ITEMS = 6         # paragraphs a lead-in ending its paragraph announces, at most
SENTENCE_ENDS = "。！？!?.…；;～~）)"   # the marks a finished sentence ends with (quotation marks trimmed; "（笑）")


@dataclass(frozen=True)
class Scored:
    """A sentence unit and how well it answers the question."""
    i: int            # position in Evidence.units
    unit: Sentence
    score: float      # dense similarity + keyword weight * keyword share
    dense: float
    keyword: float    # share of the question's keyword weight found in the sentence, 0..1


class Measured:
    """One question's figures for the sentence units (see Evidence.measure): the keyword share
    and the passage prior for every unit (both zero but for the few units the question's words
    and the retrieved passages reach), the cosine only for the units a plan asks about."""

    def __init__(self, vectors: np.ndarray, query: np.ndarray, keyword: np.ndarray, total_weight: float,
                 passage: np.ndarray, rendered: np.ndarray | None = None):
        """`rendered`: the units' renderings' vectors in the question's language; the closer of
        a unit and its rendering counts."""
        self._vectors, self._query, self._rendered = vectors, query, rendered
        self._keyword, self._total_weight, self._passage = keyword, total_weight, passage
        self._dense = np.empty(len(vectors), dtype=np.float32)   # pages are touched only where computed
        self._known = np.zeros(len(vectors), dtype=bool)

    def dense(self, indices: np.ndarray) -> np.ndarray:
        """The cosine of these units to the question (computed once per unit)."""
        todo = indices[~self._known[indices]]
        if len(todo):
            self._dense[todo] = self._vectors[todo] @ self._query
            if self._rendered is not None:
                self._dense[todo] = np.maximum(self._dense[todo], self._rendered[todo] @ self._query)
            self._known[todo] = True
        return self._dense[indices]

    def keyword(self, indices: np.ndarray) -> np.ndarray:
        """Their share of the question's keyword weight, 0..1."""
        return self._keyword[indices] / self._total_weight

    def passage(self, indices: np.ndarray) -> np.ndarray:
        """How well retrieval ranked the passage each is in, 0..1."""
        return self._passage[indices]

    def scores(self, indices: np.ndarray, keyword_weight: float, passage_weight: float) -> tuple[np.ndarray, ...]:
        """(total, cosine, keyword share) of these units: total = cosine + keyword_weight *
        keyword share + passage_weight * passage prior."""
        dense, keyword = self.dense(indices), self.keyword(indices)
        return dense + keyword_weight * keyword + passage_weight * self.passage(indices), dense, keyword


class Ranking(Sequence):
    """Scored units, best first, of those `keep` accepts; built as far as it is read, so a plan
    that takes the best one does not score every unit of the corpus in Python."""

    def __init__(self, order: np.ndarray, total: np.ndarray, dense: np.ndarray, keyword: np.ndarray,
                 units: tuple, keep):
        self._order, self._total, self._dense, self._keyword = order, total, dense, keyword
        self._units, self._keep = units, keep
        self._done: list[Scored] = []
        self._next = 0          # position in _order read so far

    def _fill(self, upto: int | None) -> None:
        while (upto is None or len(self._done) < upto) and self._next < len(self._order):
            k = self._next
            self._next += 1
            i = int(self._order[k])
            u = self._units[i]
            if self._keep(u):
                self._done.append(Scored(i, u, float(self._total[k]), float(self._dense[k]), float(self._keyword[k])))

    def __getitem__(self, item):
        if isinstance(item, slice):
            self._fill(None if item.stop is None or item.stop < 0 or (item.start or 0) < 0 else item.stop)
        else:
            self._fill(None if item < 0 else item + 1)
        return self._done[item]

    def __len__(self) -> int:
        self._fill(None)
        return len(self._done)

    def __bool__(self) -> bool:
        self._fill(1)
        return bool(self._done)

    def __iter__(self):
        k = 0
        while True:
            self._fill(k + 1)
            if k >= len(self._done):
                return
            yield self._done[k]
            k += 1


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
        tokens: dict[str, set[str]] = {}   # one set per distinct text, shared by its repeats
        self._tokens = [tokens.get(u.text) or tokens.setdefault(u.text, set(tokenizer.tokens(u.text)))
                        for u in self.units]
        framed = self._frame_topics(index.chunks, tokenizer)
        self._index_of = {(u.doc_id, u.start): i for i, u in enumerate(self.units)}
        self._document_frequency: dict[str, int] = {}   # in how many units each word occurs
        for toks in self._tokens:
            for tok in toks:
                self._document_frequency[tok] = self._document_frequency.get(tok, 0) + 1
        self._bigrams: dict[int, set[str]] = {}   # computed when similar() first reads a unit
        per_para: dict[tuple[str, int], int] = {}
        ended: dict[str, list[int]] = {}   # per document: (units, units ending with a mark)
        for u in self.units:
            per_para[(u.doc_id, u.para)] = per_para.get((u.doc_id, u.para), 0) + 1
            ended.setdefault(u.doc_id, [0, 0])[0] += 1
            ended[u.doc_id][1] += u.text.rstrip().endswith(tuple(SENTENCE_ENDS))
        self._alone = [per_para[(u.doc_id, u.para)] == 1 for u in self.units]
        self._punctuated = {doc: marked * 2 > n for doc, (n, marked) in ended.items()}
        self.editions: dict[tuple[str, str], object] = {}   # (doc_id, lang) -> index.edition.Edition
        # lang -> (the units' renderings' vectors, word -> the units whose rendering holds it)
        self.translated: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]] = {}
        self._rendered_tokens: dict[str, list[frozenset[str]]] = {}   # lang -> each unit's rendering's words
        self.title_words: dict[str, dict[str, frozenset[str]]] = {}   # lang -> section title -> its rendering's words
        # where units are, so that a question's work covers the units it can use, not all
        self._of_chunk: dict[str, tuple[int, int]] = {}      # chunk id -> its units' range
        by_speaker: dict[str, list[int]] = {}
        by_doc: dict[str, list[int]] = {}
        postings: dict[str, list[int]] = {}                  # word -> the units holding it
        for i, u in enumerate(self.units):
            lo, _ = self._of_chunk.get(u.chunk_id, (i, i))
            self._of_chunk[u.chunk_id] = (lo, i + 1)
            by_speaker.setdefault(u.speaker, []).append(i)
            by_doc.setdefault(u.doc_id, []).append(i)
            for tok in self._tokens[i] | framed.get(i, set()):
                postings.setdefault(tok, []).append(i)
        self._by_speaker = {k: np.array(v, dtype=np.int64) for k, v in by_speaker.items()}
        self._by_doc = {k: np.array(v, dtype=np.int64) for k, v in by_doc.items()}
        self._postings = {k: np.array(v, dtype=np.int64) for k, v in postings.items()}
        self._all = np.arange(len(self.units), dtype=np.int64)
        self._asking_back = _asking_back(self.units)
        self._reply_to, self._asking = _replies(self.units, self._asking_back)
        self.title_fit = np.full(len(self.units), np.nan, dtype=np.float32)   # see measure_titles
        self.sections = frozenset(u.section for u in self.units)   # every section title

    def measure_titles(self, embed: Callable[[list[str]], np.ndarray], names: set[str]) -> None:
        """How close each unit is to the title of its section (nan where the title is a
        speaker's name or there is none): an editor's heading ("中国反超的机率约20%") says what the
        quotes under it are about, so the closest of them states the heading's point. The opening
        of a reply to a moderator's question is measured against that question instead."""
        names = names | {u.speaker for u in self.units}
        titles = sorted({u.section for u in self.units if u.section and u.section not in names})
        if not titles:
            return
        of_title = {t: k for k, t in enumerate(titles)}
        vectors = embed(titles)
        which = np.array([of_title.get(u.section, -1) for u in self.units])
        titled = which >= 0
        self.title_fit[titled] = np.einsum("ij,ij->i", self.vectors[titled].astype(np.float32),
                                           vectors[which[titled]])
        # the opening of a reply to a moderator's question speaks under that question
        for i in np.flatnonzero(self._reply_to >= 0):
            asked = self._asking[self._reply_to[i]]
            self.title_fit[i] = float(np.max(self.vectors[asked] @ self.vectors[i]))

    def _frame_topics(self, chunks, tokenizer: Tokenizer) -> dict[int, set[str]]:
        """The article's lead-in to a quote ("X则从Scaling Law角度分析：「…」") says what the quote
        is about: its words (not the person's name), by unit of the quote, for keyword search."""
        lead_of = {}
        for c in chunks:
            lo, _ = spoken_body(c)
            if c.kind == "summary_quote" and lo:
                words = set(tokenizer.tokens(c.text[:lo])) - set(tokenizer.tokens(c.speaker))
                if words:
                    lead_of[c.chunk_id] = (c.start + lo, words)
        framed = {}
        for i, u in enumerate(self.units):
            lead = lead_of.get(u.chunk_id)
            if lead is not None and u.start >= lead[0]:
                framed[i] = lead[1] - self._tokens[i]
        return framed

    @property
    def documents(self) -> list[str]:
        """The ids of the documents the units come from."""
        return list(self._by_doc)

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

    def same_paragraph(self, i: int, j: int) -> bool:
        """Units i and j are of one paragraph."""
        if not (0 <= i < len(self.units) and 0 <= j < len(self.units)):
            return False
        u, v = self.units[i], self.units[j]
        return (u.doc_id, u.para) == (v.doc_id, v.para)

    def title_like(self, u: Sentence) -> bool:
        """A short line standing alone in a talk: a slide title, not a statement."""
        i = self._index_of.get((u.doc_id, u.start))
        return (i is not None and self._alone[i] and u.kind == "talk" and len(u.text) <= TITLE_CHARS)

    def asks_back(self, u: Sentence) -> bool:
        """A turn of a conversation that only asks the moderator something back ("您是说百分之
        多少？", "You mean in percent?"), and the moderator answers: a question, not a view."""
        return self._index_of.get((u.doc_id, u.start)) in self._asking_back

    def announced(self, i: int) -> list[int]:
        """What a lead-in ending its paragraph ("中国也许的机会：", "I have three points:")
        announces: the first sentence of each paragraph after it in which the same speaker goes
        on, in its section, until someone else speaks (at most LIST_ITEMS). A line stopping
        mid-sentence ("本次会议汇集了" above a list of names) is a lead-in too, up to the paragraph
        that ends its sentence. [] for any other unit."""
        u = self.units[i]
        fragment = not u.leads_in and self.unfinished(i)
        if not (u.leads_in or fragment) or self.same_paragraph(i, i + 1):
            return []
        out, para = [], u.para
        for j in range(i + 1, len(self.units)):
            v = self.units[j]
            if v.doc_id != u.doc_id or v.section != u.section or v.speaker != u.speaker \
                    or v.kind == "heading" or len(out) == LIST_ITEMS:
                break
            if v.para != para:
                out.append(j)
                para = v.para
                if fragment and not self.unfinished(self.quote(j).last):
                    break
        return out

    def rendering(self, doc_id: str, start: int, end: int, lang: str) -> str | None:
        """The translation of source[start:end] in an edition of that language, if there is one."""
        edition = self.editions.get((doc_id, lang))
        return edition.rendering(start, end) if edition is not None and not edition.stale else None

    def _titles_in(self, lang: str) -> dict[str, str]:
        """Each section title of a document with an edition in `lang` -> its rendering there (a
        heading's translation: "## 中国AI的未来" -> "The Future of Chinese AI")."""
        titles = {u.section for u in self.units}
        out = {}
        for (_, edition_lang), edition in self.editions.items():
            if edition_lang != lang or edition.stale:
                continue
            for unit in edition.units:
                source = heading(unit.source)[1]
                if source in titles:
                    out[source] = heading(unit.text)[1]
        return out

    def translate(self, editions: dict, embedder, model: str, cache_dir=None) -> None:
        """Use `editions`: a question in an edition's language is also measured against each
        unit's rendering (its cosine and its keywords), as it is against the original."""
        self.editions = editions
        for lang in sorted({lang for _, lang in editions}):
            self.title_words[lang] = {title: frozenset(self.tokenizer.tokens(rendering))
                                      for title, rendering in self._titles_in(lang).items()}
            texts = [self.rendering(u.doc_id, u.start, u.end, lang) or "" for u in self.units]
            if not any(texts):
                continue
            postings: dict[str, list[int]] = {}
            # what a reader is shown of each unit's rendering (rag.plans.Tools.draft): its words
            rendered_tokens = [frozenset(self.tokenizer.tokens(self.inside_quote(u, text)))
                               for u, text in zip(self.units, texts)]
            for i, toks in enumerate(rendered_tokens):
                for tok in toks:
                    postings.setdefault(tok, []).append(i)
            self._rendered_tokens[lang] = rendered_tokens
            self.translated[lang] = (rendering_vectors(texts, embedder, model, cache_dir, f"{lang}-units"),
                                     {k: np.array(v, dtype=np.int64) for k, v in postings.items()})

    def inside_quote(self, u, rendering: str) -> str:
        """A rendering of (a span starting at) unit u without the article's lead-in: for a quote
        in the article's summary (a 「 before it in its passage), the part inside “…”."""
        chunk = self.chunks[u.chunk_id]
        before = chunk.text[:u.start - chunk.start]
        if before.rfind("「") <= before.rfind("」") or "“" not in rendering:   # no quote open here
            return rendering
        text = rendering[rendering.index("“") + 1:]
        return text[:text.rindex("”")] if "”" in text else text

    def measure(self, query_vector: np.ndarray, weights: dict[str, float],
                passage: dict[str, float] | None = None, lang: str = "") -> "Measured":
        """What the units score against one question, computed once per question: its cosine
        (when a plan asks for the unit), its share of the question's keyword weight, and how well
        retrieval ranked the passage it is in (0..1; retrieval saw the passage whole, with the
        question a short reply answers)."""
        n = len(self.units)
        prior = np.zeros(n)
        top = max(passage.values(), default=0.0) if passage else 0.0
        if top:
            for chunk_id, score in passage.items():
                lo, hi = self._of_chunk.get(chunk_id, (0, 0))
                prior[lo:hi] = score / top
        keyword = _keyword_weight(weights, self._postings, n)
        rendered = None
        if lang in self.translated:   # the closer of the original and its rendering in the question's language
            rendered, postings = self.translated[lang]
            keyword = np.maximum(keyword, _keyword_weight(weights, postings, n))
        return Measured(self.vectors, np.asarray(query_vector, dtype=np.float32).reshape(-1), keyword,
                        sum(weights.values()) or 1.0, prior, rendered)

    def rare_shares(self, weights: dict[str, float], lang: str = "") -> np.ndarray:
        """Each unit's share of the question's keyword weight, every word weighted also by its
        rarity among the units (log of units per unit holding it): sharing "中国" and "成为" with a
        question is no sign of talking about what it asks; sharing "概率" is. A reply's opening
        sentences hold what the question they answer holds ("我觉得是20%吧" answers "…的概率")."""
        n = len(self.units)
        # a term's renderings are one word: "编程" and the transcript's "Coding" count once, held by
        # a sentence holding either
        alike = self.tokenizer.alike()
        terms: dict[str, float] = {}
        for w, x in weights.items():
            if any(w in v and w != v for v in weights if not v.isascii()):
                continue   # a piece of a longer word of the question (智能 of 智能体) is not what it asks
            key = min(alike.get(w, (w,)))
            terms[key] = max(terms.get(key, 0.0), x)

        def held(postings) -> tuple[np.ndarray, float]:
            merged = {}
            for key in terms:
                found = [postings[f] for f in alike.get(key, (key,)) if f in postings]
                if found:
                    merged[key] = np.unique(np.concatenate(found))
            rare = {w: x * float(np.log(n / len(merged[w]))) for w, x in terms.items() if w in merged}
            return _keyword_weight(rare, merged, n), sum(rare.values())

        share, total = held(self._postings)
        share = share / total if total else share
        if lang in self.translated:
            other, total = held(self.translated[lang][1])
            share = np.maximum(share, other / total if total else other)
        if self._asking:
            asked = np.array([share[units].max() for units in self._asking])
            replies = np.flatnonzero(self._reply_to >= 0)
            share[replies] = np.maximum(share[replies], asked[self._reply_to[replies]])
        return share

    def units_of(self, chunks=None, speakers=None, docs=None) -> np.ndarray:
        """Positions of the units of these chunks / speakers / documents (each None: any), in order."""
        picked = None
        if chunks is not None:
            spans = sorted(self._of_chunk[c] for c in set(chunks) if c in self._of_chunk)
            picked = np.concatenate([np.arange(lo, hi) for lo, hi in spans]) if spans else np.zeros(0, np.int64)
        for chosen, table in ((speakers, self._by_speaker), (docs, self._by_doc)):
            if chosen is None:
                continue
            parts = [table[x] for x in chosen if x in table]
            these = np.sort(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
            picked = these if picked is None else np.intersect1d(picked, these)
        return self._all if picked is None else picked.astype(np.int64)

    def score(self, measured: "Measured", keyword_weight: float, passage_weight: float,
              keep=lambda u: True, pool: np.ndarray | None = None, reply_weight: float = 0.0,
              first: np.ndarray | None = None) -> Ranking:
        """The units of `pool` (default: all) that `keep` accepts, best first: cosine +
        keyword_weight * keyword share + passage_weight * the passage's retrieval score; the
        units `first` (what the conversation points at) before the others, scored as the best."""
        pool = self._all if pool is None else pool
        total, dense, keyword = measured.scores(pool, keyword_weight, passage_weight)
        if reply_weight:
            total = total + reply_weight * self._reply_lift(measured, pool, total, keyword_weight, passage_weight)
        front = np.isin(pool, first) if first is not None else np.zeros(len(pool), dtype=bool)
        if front.any():
            total = np.where(front, np.maximum(total, total.max()), total)
        order = np.lexsort((pool, -total, ~front))
        return Ranking(pool[order], total[order], dense[order], keyword[order], self.units, keep)

    def _reply_lift(self, measured: "Measured", pool: np.ndarray, total: np.ndarray,
                    keyword_weight: float, passage_weight: float) -> np.ndarray:
        """For the opening sentences of a turn that answers a question put in the conversation:
        how much better that question scores than the sentence itself (0 if not): the answer to
        a question the transcript asked is where the asking was."""
        lift = np.zeros(len(pool), dtype=np.float32)
        turn = self._reply_to[pool]
        for t in np.unique(turn[turn >= 0]).tolist():
            asked = float(measured.scores(self._asking[t], keyword_weight, passage_weight)[0].max())
            here = turn == t
            lift[here] = np.maximum(0.0, asked - total[here])
        return lift

    def within(self, doc: str, start: int, end: int) -> list[int]:
        """Positions of the units of `doc` that share a character with [start, end), in order."""
        return [i for i in self.units_of(docs=[doc]).tolist() if self.units[i].start < end and start < self.units[i].end]

    def replies_to(self, doc: str, start: int, end: int) -> np.ndarray:
        """The opening sentences of the turn that answers the question a span of `doc` quotes
        (none if it quotes no question the transcript's conversation answers)."""
        quoted = self.within(doc, start, end)
        asked = [t for t, turn in enumerate(self._asking) if np.isin(turn, quoted).any()]
        return np.flatnonzero(np.isin(self._reply_to, asked))

    def quote(self, i: int, run_on: bool = True) -> Quote:
        """Unit i, with the units after it in the same chunk while it is a lead-in, a question,
        a list item ending in "；" or a fragment (unless not `run_on`), cut at a clause break if
        longer than MAX_QUOTE; a lead-in it runs on from is left out (it says nothing itself)."""
        u = self.units[i]
        j = i
        while (run_on and j + 1 < len(self.units) and self.units[j + 1].chunk_id == u.chunk_id
               and self.units[j + 1].para == u.para and _wants_more(self.units[j].text)
               and self.units[j + 1].end - u.start <= MAX_QUOTE):
            j += 1
        chunk = self.chunks[u.chunk_id]
        if j > i and u.leads_in:   # "…这里简单总结下：" on a line of its own: what it announces is the quote
            i, u = i + 1, self.units[i + 1]
        start, end = u.start, self.units[j].end
        if end - start > MAX_QUOTE:
            end = start + _cut(chunk.text[start - chunk.start:], MAX_QUOTE)
        return Quote(chunk, start, end, chunk.text[start - chunk.start:end - chunk.start], i, j)

    def joined(self, a: Quote, b: Quote) -> Quote | None:
        """Two quotes of one chunk that meet (b right after a, or a right after b) as one, if
        it is no longer than MAX_QUOTE; else None."""
        if a.chunk.chunk_id != b.chunk.chunk_id:
            return None
        first, second = (a, b) if a.first < b.first else (b, a)
        if second.first != first.last + 1 or second.end - first.start > MAX_QUOTE:
            return None
        c = first.chunk
        return Quote(c, first.start, second.end, c.text[first.start - c.start:second.end - c.start],
                     first.first, second.last)

    def mentions(self, i: int, words: frozenset[str], lang: str = "") -> bool:
        """Whether unit i, or its rendering in `lang` (the question's language), holds one of
        `words` (keyword tokens): an English question's words are in the English rendering."""
        if not self._tokens[i].isdisjoint(words):
            return True
        rendered = self._rendered_tokens.get(lang)
        return rendered is not None and not rendered[i].isdisjoint(words)

    def unfinished(self, i: int) -> bool:
        """Unit i stops mid-sentence ("本次会议汇集了" before a list) in a document that
        ends its sentences with a mark: a fragment, not a point of its own."""
        u = self.units[i]
        return self._punctuated.get(u.doc_id, False) and not u.text.rstrip().endswith(tuple(SENTENCE_ENDS))

    def similar(self, a: int, b: int) -> bool:
        """Two units that say the same thing (a summary quote and its original)."""
        x, y = self._bigrams_of(a), self._bigrams_of(b)
        shorter = min(len(x), len(y))
        return shorter >= DUPLICATE_GRAMS and len(x & y) / shorter >= NEAR_DUPLICATE

    def _bigrams_of(self, i: int) -> set[str]:
        grams = self._bigrams.get(i)
        if grams is None:
            grams = self._bigrams[i] = _bigrams(self.units[i].text)
        return grams

    def speakers_around(self, i: int, turns: int) -> set[str]:
        """Who speaks in the `turns` turns before and after unit i's turn (its own included),
        within its document, section and conversation: the people in the exchange where it was
        said. Only a conversation's turns answer one another; an article's quotes of several
        people side by side are no exchange (nobody but the unit's speaker)."""
        u = self.units[i]
        out = {u.speaker}
        if u.kind not in CONVERSATION:
            return out
        for step in (-1, 1):
            j, changes, last = i, 0, u.speaker
            while 0 <= j + step < len(self.units):
                j += step
                v = self.units[j]
                if v.doc_id != u.doc_id or v.section != u.section or v.kind not in CONVERSATION:
                    break
                if v.speaker != last:
                    changes, last = changes + 1, v.speaker
                    if changes > turns:
                        break
                out.add(v.speaker)
        return out

    def neighbours(self, i: int, before: int, after: int) -> list[int]:
        """Units of the same paragraph and speaker around unit i, in order, i excluded."""
        u = self.units[i]
        out = []
        for j in range(max(0, i - before), min(len(self.units), i + after + 1)):
            v = self.units[j]
            if j != i and v.doc_id == u.doc_id and v.para == u.para and v.speaker == u.speaker:
                out.append(j)
        return out


def _same_place(x, y) -> bool:
    return x.doc_id == y.doc_id and x.section == y.section


def _turns(units):
    """(first, last) of each turn: a run of units of one speaker and kind in one document and section."""
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and units[j + 1].speaker == units[i].speaker \
                and units[j + 1].kind == units[i].kind and _same_place(units[j + 1], units[i]):
            j += 1
        yield i, j
        i = j + 1


def _replies(units, asked_back: set[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """For each unit, the question turn its turn answers (an index into the second list, the
    units of each such turn), or -1: the first REPLY_LEAD sentences of the turn that follows a
    moderator's turn asking something (a sentence ending in a question mark, or the moderator's
    reply to someone asking back: "您是说百分之多少？" "对，…的概率。"), in the same document
    and section of a conversation. Only the first to answer is lifted: the others answer the
    question, the one before them or each other, which the transcript does not tell."""
    reply_to = np.full(len(units), -1, dtype=np.int64)
    asking: list[np.ndarray] = []
    for i, j in _turns(units):
        nxt = j + 1
        restates = i - 1 in asked_back and _same_place(units[i - 1], units[i])
        if units[i].kind == "moderator_question" and (restates or any(u.asks for u in units[i:j + 1])) \
                and nxt < len(units) \
                and units[nxt].kind == "roundtable" and _same_place(units[nxt], units[i]):
            k = nxt
            while k < min(len(units), nxt + REPLY_LEAD) and units[k].speaker == units[nxt].speaker \
                    and units[k].kind == "roundtable" and _same_place(units[k], units[nxt]):
                reply_to[k] = len(asking)
                k += 1
            asking.append(np.arange(i, j + 1, dtype=np.int64))
    return reply_to, asking


def _asking_back(units) -> set[int]:
    """The units of each conversation turn made only of questions after which the moderator
    speaks (in the same document and section): someone asking back, not answering."""
    out: set[int] = set()
    for i, j in _turns(units):
        nxt = j + 1
        if units[i].kind == "roundtable" and all(u.asks for u in units[i:j + 1]) and nxt < len(units) \
                and units[nxt].kind == "moderator_question" and _same_place(units[nxt], units[i]):
            out.update(range(i, j + 1))
    return out


def _keyword_weight(weights: dict[str, float], postings: dict[str, np.ndarray], n: int) -> np.ndarray:
    """For each of n units, the question's keyword weight its words hold."""
    keyword = np.zeros(n)
    for t, w in weights.items():    # in the order of the weights, as a sum over them would add
        if t in postings:
            keyword[postings[t]] += w
    return keyword


def _wants_more(text: str) -> bool:
    t = text.rstrip()
    return t.endswith(("：", ":", "？", "?", "；", ";")) or len(t) < SHORT_QUOTE


def _bigrams(text: str) -> set[str]:
    """The character pairs of a text's letters and digits (punctuation and spaces dropped)."""
    return bigrams(letters(text))


def _cut(text: str, limit: int) -> int:
    """Where to cut a long quote: the last clause break before `limit`."""
    window = text[:limit]
    for mark in "，、；,;":
        k = window.rfind(mark)
        if k > 40:
            return k
    return limit
