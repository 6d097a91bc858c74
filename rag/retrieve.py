"""Retrieval: dense (FAISS), keyword (BM25 over jieba tokens), fused by reciprocal rank; a
question in the language of a transcript's edition is also matched against the chunks'
renderings in that language (dense and keyword)."""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from index.edition_vectors import rendering_vectors
from index.records import Chunk
from index.store import Index, embed_text
from index.tokens import Tokenizer
from rag.query import Query
from rag.records import Hit


class Retriever(Protocol):
    def retrieve(self, query: Query, k: int, speakers: frozenset[str] | None = None) -> list[Hit]: ...


class DenseRetriever:
    """Cosine similarity of the question to every chunk (exact inner product in FAISS)."""

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

    def scores(self, text: str) -> np.ndarray:
        n = self.index.vectors.ntotal
        sims, ids = self.index.vectors.search(self.vector(text), n)
        out = np.full(n, -1.0, dtype=np.float32)
        out[ids[0]] = sims[0]
        return out


class KeywordRetriever:
    """BM25 over the chunks' jieba tokens; English question words reach it through the glossary."""

    def __init__(self, chunks: tuple[Chunk, ...], tokenizer: Tokenizer, texts: list[str] | None = None):
        """Over the chunks' own text, or over `texts` given for them (their translation)."""
        self.tokenizer = tokenizer
        texts = texts if texts is not None else [embed_text(c) for c in chunks]
        self.bm25 = BM25Okapi([tokenizer.tokens(t) or ["∅"] for t in texts])
        self.size = len(chunks)

    def scores(self, query: Query) -> np.ndarray:
        toks = self.tokenizer.query_tokens(query.topic)
        if not toks:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(toks), dtype=np.float32)


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
        # translation: its embedding against the renderings' embeddings and its keywords
        # (English, stemmed) against their words (see `rankings`).
        self.translated: dict[str, KeywordRetriever] = {}
        self.translated_vectors: dict[str, np.ndarray] = {}
        model = (index.manifest or {}).get("model", "")
        for lang in sorted({lang for _, lang in (editions or {})}):
            texts = [_rendering(editions, c, lang) for c in index.chunks]
            if any(texts):
                self.translated[lang] = KeywordRetriever(index.chunks, tokenizer, texts)
                self.translated_vectors[lang] = rendering_vectors(texts, embedder, model, cache_dir, lang)
        self.candidates, self.rrf_k, self.speaker_boost = candidates, rrf_k, speaker_boost

    def rank(self, query: Query, speakers: frozenset[str] | None = None) -> list[Hit]:
        """Every candidate either retriever found, best first by fused score."""
        dense = self.dense.scores(dense_text(query))
        keyword = self.keyword.scores(query)
        rankings = self.rankings(query, dense, keyword)
        allowed = [(speakers is None or c.speaker in speakers) and (self.docs is None or c.doc_id in self.docs)
                   for c in self.chunks]
        fused = np.zeros(len(self.chunks))
        found: dict[int, list[str]] = {}
        for name, scores in rankings:
            order = [int(i) for i in np.argsort(-scores, kind="stable")
                     if allowed[i] and (name == "dense" or scores[i] > 0)]   # a rendering's 0: none
            for r, i in enumerate(order[: self.candidates]):
                fused[i] += 1.0 / (self.rrf_k + r + 1)
                found.setdefault(i, []).append(name)
        ranked = sorted(found, key=lambda i: (-fused[i], i))
        return [Hit(self.chunks[i], float(fused[i]), r + 1, float(dense[i]), float(keyword[i]),
                    tuple(found[i])) for r, i in enumerate(ranked)]

    def rankings(self, query: Query, dense: np.ndarray, keyword: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(name, scores over the chunks) of each ranking fused for a question, given its dense
        cosines and keyword scores against the originals.

        A question in the language of an edition is matched by meaning against the originals
        and against the renderings (the model matches within a language better than across),
        and by keywords against the renderings only: in the originals its words could only
        meet the few Latin words a Chinese passage holds (a product named "...-Next" for "next"),
        which the rendering carries too."""
        lang = query.lang
        if lang not in self.translated:
            return [("dense", dense), ("keyword", keyword)]
        rendered = self.translated_vectors[lang] @ self.dense.vector(dense_text(query))[0]
        return [("dense", dense), (f"dense_{lang}", rendered), (f"keyword_{lang}", self.translated[lang].scores(query))]

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


def dense_text(query: Query) -> str:
    """The dense retriever sees the topic (names removed) when speakers are named: the name
    is handled by the speaker boost, and would otherwise pull in any chunk mentioning it."""
    return query.topic if query.speakers and query.topic.strip() else query.rewritten


def _rendering(editions: dict, chunk: Chunk, lang: str) -> str:
    """A chunk's text in an edition of that language ("" if none, or if it is stale)."""
    edition = editions.get((chunk.doc_id, lang))
    return edition.rendering(chunk.start, chunk.end) if edition is not None and not edition.stale else ""
