"""Retrieval: dense (FAISS), keyword (BM25 over jieba tokens), fused by reciprocal rank; a
question in the language of a transcript's edition is also matched against the chunks'
renderings in that language (dense, sentence by sentence, and keyword); a follow-up that may point back to the earlier
turn's topic is searched in both readings, all fused."""
from __future__ import annotations

import bisect
import copy
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Protocol

import faiss
import numpy as np

from index.edition_vectors import rendering_vectors
from index.graph import DistinctGraph
from index.records import Chunk
from index.sentences import Sentence
from index.store import Index, embed_text
from index.tokens import Tokenizer
from rag.bm25 import BM25
from rag.query import Query
from rag.records import Hit


class Retriever(Protocol):
    def retrieve(self, query: Query, k: int, speakers: frozenset[str] | None = None) -> list[Hit]: ...


class DenseRetriever:
    """Cosine similarity of the question to the chunks: the top k from the vector store."""

    def __init__(self, index: Index, embedder, cache_size: int = 256):
        self.index, self.embedder = index, embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        """The query's embedding, shape (1, dim); recent ones are cached."""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        q = np.ascontiguousarray(self.embedder.embed_queries([text]), dtype=np.float32)
        with self._lock:
            self._cache[text] = q
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return q

    def clear_cache(self) -> None:
        """Forget the cached query vectors (a benchmark pass must not time the cache)."""
        with self._lock:
            self._cache.clear()

    def top(self, text: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, similarities) of the k chunks most similar to the text, best first, ties by id;
        with `allowed` (a boolean mask over the chunks), of those chunks only. The store is asked
        for its top 2k (so that chunks tied at the k-th similarity come back); with a filter, a
        FAISS store searches the allowed vectors only (exactly, in its flat vectors), another
        store deeper while too few of its results are allowed."""
        store, q = self.index.vectors, self.vector(text)
        n = store.ntotal
        want = min(k, n if allowed is None else int(allowed.sum()))
        found = None if allowed is None else _exact(store, q, np.flatnonzero(allowed), 2 * k)
        if found is not None:
            sims, ids = found
            sims, ids = sims[ids >= 0], ids[ids >= 0]
        else:
            depth = min(n, 2 * k)
            while True:
                sims, ids = store.search(q, depth)
                sims, ids = sims[0], ids[0].astype(np.int64)
                keep = ids >= 0
                if allowed is not None:
                    keep &= allowed[np.where(keep, ids, 0)]
                sims, ids = sims[keep], ids[keep]
                if len(ids) >= min(n, want + k) or depth >= n:
                    break
                depth = min(n, depth * 4)
        order = np.lexsort((ids, -sims))[:want]
        return ids[order], sims[order]

    def of(self, text: str, ids: list[int]) -> dict[int, float]:
        """The similarity of the text to each of these chunks: computed from their vectors when
        the store is a FAISS index, else read from one search over every chunk."""
        if not ids:
            return {}
        store, q = self.index.vectors, self.vector(text)
        chosen = np.asarray(sorted(set(ids)), dtype=np.int64)
        exact = _exact(store, q, chosen, len(chosen))
        if exact is None:
            sims, found = store.search(q, store.ntotal)
            exact = sims[0], found[0]
        wanted = set(ids)
        return {int(i): float(x) for x, i in zip(*exact) if i in wanted}


def _exact(store, q: np.ndarray, chosen: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(similarities, ids) of the k chunks among `chosen` most similar to q, searched exactly in
    the flat vectors of a FAISS store (a flat index, or the HNSW graph's storage); None for a
    store without them (Qdrant)."""
    k = max(1, min(len(chosen), k))
    if isinstance(store, DistinctGraph):
        return store.exact(q, chosen, k)
    if not isinstance(store, faiss.IndexFlat):
        return None
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(chosen))
    sims, ids = store.search(q, k, params=params)
    return sims[0], ids[0].astype(np.int64)


class KeywordRetriever:
    """BM25 over the chunks' jieba tokens; English question words reach it through the glossary."""

    def __init__(self, chunks: tuple[Chunk, ...], tokenizer: Tokenizer, texts: list[str] | None = None):
        """Over the chunks' own text, or over `texts` given for them (their translation)."""
        self.tokenizer = tokenizer
        texts = texts if texts is not None else [embed_text(c) for c in chunks]
        tokens: dict[str, list[str]] = {}   # each distinct text tokenised once
        self.bm25 = BM25([tokens.get(t) or tokens.setdefault(t, tokenizer.tokens(t) or ["∅"]) for t in texts])
        self.size = len(chunks)

    def holds(self, text: str) -> bool:
        """Whether a passage holds any of the text's keywords."""
        return any(self.bm25.holds(t) for t in self.tokenizer.query_tokens(text))

    def scores(self, query: Query) -> np.ndarray:
        toks = self.tokenizer.query_tokens(query.topic)
        if not toks:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.scores(toks), dtype=np.float32)


class HybridRetriever:
    """Dense and keyword rankings fused by RRF. `rank` is the plain fused order; `retrieve`
    lifts the chunks of the speakers a question names; a speaker filter keeps only theirs;
    `scoped(docs)` is the same retriever over some documents only."""

    def __init__(self, index: Index, embedder, tokenizer: Tokenizer, candidates: int = 30,
                 rrf_k: int = 60, speaker_boost: float = 0.5, editions: dict | None = None,
                 cache_dir=None):
        """`cache_dir`: where the renderings' vectors are kept between starts (None: not kept)."""
        self.docs: frozenset[str] | None = None
        self.chunks = index.chunks
        self.dense = DenseRetriever(index, embedder)
        self.keyword = KeywordRetriever(index.chunks, tokenizer)
        # A question in a language a translation exists in is matched against the chunks'
        # translation: its embedding against the renderings of the chunks' sentences (a chunk
        # scores as its closest sentence) and its keywords (English, stemmed) against the
        # chunks' renderings (see `rankings`).
        self.translated: dict[str, KeywordRetriever] = {}
        self.translated_vectors: dict[str, np.ndarray] = {}
        model = (index.manifest or {}).get("model", "")
        units = index.sentences or index.chunks   # an index without sentence units: chunks whole
        self._unit_of, self._chunk_of = _containing(units, index.chunks)
        for lang in sorted({lang for _, lang in (editions or {})}):
            texts = [_rendering(editions, c, lang) for c in index.chunks]
            if any(texts):
                self.translated[lang] = KeywordRetriever(index.chunks, tokenizer, texts)
                self.translated_vectors[lang] = rendering_vectors(
                    [_rendering(editions, u, lang) for u in units], embedder, model, cache_dir, f"{lang}-units")
        self.candidates, self.rrf_k, self.speaker_boost = candidates, rrf_k, speaker_boost
        self._speaker_number = {x: n for n, x in enumerate(dict.fromkeys(c.speaker for c in self.chunks))}
        self._doc_number = {x: n for n, x in enumerate(dict.fromkeys(c.doc_id for c in self.chunks))}
        self._speaker_code = np.array([self._speaker_number[c.speaker] for c in self.chunks], dtype=np.int32)
        self._doc_code = np.array([self._doc_number[c.doc_id] for c in self.chunks], dtype=np.int32)

    def rank(self, query: Query, speakers: frozenset[str] | None = None) -> list[Hit]:
        """Every candidate either retriever found, best first by fused score."""
        allowed = self._allowed(speakers)
        text = dense_text(query)
        ids, sims = self.dense.top(text, self.candidates, allowed)
        dense = dict(zip(ids.tolist(), sims.tolist()))
        keyword = self.keyword.scores(query)
        rankings = self.rankings(query, ids.tolist(), keyword, allowed)
        if query.earlier:   # the reading with the earlier topic, fused beside the turn's own
            wider = replace(query, topic=f"{query.earlier} {query.topic}")
            more, _ = self.dense.top(dense_text(wider), self.candidates, allowed)
            rankings += [(f"{name}_earlier", order) for name, order in
                         self.rankings(wider, more.tolist(), self.keyword.scores(wider), allowed)]
        fused: dict[int, float] = {}
        found: dict[int, list[str]] = {}
        for name, order in rankings:
            for r, i in enumerate(order):
                fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + r + 1)
                found.setdefault(i, []).append(name)
        dense |= self.dense.of(text, [i for i in found if i not in dense])   # found by keyword only
        ranked = sorted(found, key=lambda i: (-fused[i], i))
        return [Hit(self.chunks[i], float(fused[i]), r + 1, float(dense.get(i, -1.0)), float(keyword[i]),
                    tuple(found[i])) for r, i in enumerate(ranked)]

    def holds(self, text: str, lang: str) -> bool:
        """Whether a passage, or its rendering in `lang`, holds any of the text's keywords."""
        return self.keyword.holds(text) or (lang in self.translated and self.translated[lang].holds(text))

    def _allowed(self, speakers: frozenset[str] | None) -> np.ndarray | None:
        """Which chunks the speaker filter and the document scope let through (None: all), as a
        mask computed from each chunk's speaker and document number, not a loop over chunks."""
        mask = None
        for chosen, codes, numbers in ((speakers, self._speaker_code, self._speaker_number),
                                       (self.docs, self._doc_code, self._doc_number)):
            if chosen is not None:
                part = np.isin(codes, [numbers[x] for x in chosen if x in numbers])
                mask = part if mask is None else mask & part
        return mask

    def rankings(self, query: Query, dense: list[int], keyword: np.ndarray,
                 allowed: np.ndarray | None) -> list[tuple[str, list[int]]]:
        """(name, chunk ids best first) of each ranking fused for a question, given its dense top
        chunks and keyword scores against the originals.

        A question in the language of an edition is matched by meaning against the originals
        and against the renderings (the model matches within a language better than across),
        and by keywords against the renderings only: in the originals its words could only
        meet the few Latin words a Chinese passage holds (a product named "...-Next" for "next"),
        which the rendering carries too."""
        lang = query.lang
        if lang not in self.translated:
            return [("dense", dense), ("keyword", _top_positive(keyword, self.candidates, allowed))]
        rendered = np.full(len(self.chunks), -1.0, dtype=np.float32)   # each chunk: its closest sentence
        sims = self.translated_vectors[lang] @ self.dense.vector(dense_text(query))[0]
        np.maximum.at(rendered, self._chunk_of, sims[self._unit_of])
        return [("dense", dense), (f"dense_{lang}", _top_positive(rendered, self.candidates, allowed)),
                (f"keyword_{lang}", _top_positive(self.translated[lang].scores(query), self.candidates, allowed))]


    def retrieve(self, query: Query, k: int, speakers: frozenset[str] | None = None,
                 ranked: list[Hit] | None = None) -> list[Hit]:
        """The top k, named speakers lifted; `ranked` reuses `rank(query, speakers)` if at hand."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        hits = ranked if ranked is not None else self.rank(query, speakers)
        if query.speakers:
            bonus = self.speaker_boost * 2.0 / (self.rrf_k + 1)
            hits = sorted(hits, key=lambda h: -(h.score + (bonus if h.chunk.speaker in query.speakers else 0)))
        return [Hit(h.chunk, h.score, r + 1, h.dense, h.keyword, h.found_by) for r, h in enumerate(hits[:k])]


    def scoped(self, docs: list[str] | None) -> "HybridRetriever":
        """This retriever over the given documents only (all, for None); shares the indexes.
        An unknown document id is an error naming it and the known ones."""
        if not docs:
            return self
        known = sorted({c.doc_id for c in self.chunks})
        unknown = [d for d in docs if d not in known]
        if unknown:
            raise ValueError(f"unknown document {unknown[0]!r}; known: {', '.join(known)}")
        view = copy.copy(self)
        view.docs = frozenset(docs)
        return view


def _containing(units, chunks) -> tuple[np.ndarray, np.ndarray]:
    """(unit, chunk) index pairs of every chunk each unit lies in: overlapping chunks share
    sentences, which index.sentences lists once, under the first chunk holding them."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for n, c in enumerate(chunks):
        by_doc.setdefault(c.doc_id, []).append((c.start, c.end, n))
    for spans in by_doc.values():
        spans.sort()
    starts = {doc: [s for s, _, _ in spans] for doc, spans in by_doc.items()}
    longest = {doc: max(e - s for s, e, _ in spans) for doc, spans in by_doc.items()}
    pairs = []
    for k, u in enumerate(units):
        spans = by_doc.get(u.doc_id, [])
        j = bisect.bisect_right(starts.get(u.doc_id, []), u.start) - 1
        # the chunks starting at or before the unit, latest first, while one may still hold it
        while j >= 0 and u.start - spans[j][0] <= longest[u.doc_id]:
            if spans[j][1] >= u.end:
                pairs.append((k, spans[j][2]))
            j -= 1
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _top_positive(scores: np.ndarray, k: int, allowed: np.ndarray | None) -> list[int]:
    """Ids of the k highest positive scores among the allowed, best first, ties by id (the
    order a stable sort of every score gives), without sorting them all."""
    pool = scores > 0 if allowed is None else (scores > 0) & allowed
    ids = np.flatnonzero(pool)
    if len(ids) > k:
        cut = np.partition(scores[ids], len(ids) - k)[len(ids) - k]   # the k-th highest score
        ids = ids[scores[ids] >= cut]
    return ids[np.lexsort((ids, -scores[ids]))][:k].tolist()


def dense_text(query: Query) -> str:
    """The dense retriever sees the topic (names removed) when speakers are named: the name
    is handled by the speaker boost, and would otherwise pull in any chunk mentioning it."""
    return query.topic if query.speakers and query.topic.strip() else query.rewritten


def _rendering(editions: dict, span: Chunk | Sentence, lang: str) -> str:
    """A chunk's (or sentence's) text in an edition of that language ("" if none, or if it is stale)."""
    edition = editions.get((span.doc_id, lang))
    return edition.rendering(span.start, span.end) if edition is not None and not edition.stale else ""
