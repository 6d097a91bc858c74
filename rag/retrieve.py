"""Retrieval: dense (FAISS), keyword (BM25 over jieba tokens), fused by reciprocal rank."""
from __future__ import annotations

from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi

from index.records import Chunk
from index.store import Index
from index.tokens import Tokenizer
from rag.query import Query
from rag.records import Hit


class Retriever(Protocol):
    def retrieve(self, query: Query, k: int, speakers: frozenset[str] | None = None) -> list[Hit]: ...


class DenseRetriever:
    """Cosine similarity of the question to every chunk (exact inner product in FAISS)."""

    def __init__(self, index: Index, embedder):
        self.index, self.embedder = index, embedder

    def scores(self, text: str) -> np.ndarray:
        q = np.ascontiguousarray(self.embedder.embed_queries([text]), dtype=np.float32)
        n = self.index.vectors.ntotal
        sims, ids = self.index.vectors.search(q, n)
        out = np.full(n, -1.0, dtype=np.float32)
        out[ids[0]] = sims[0]
        return out


class KeywordRetriever:
    """BM25 over the chunks' jieba tokens (the speaker's name included, so names match)."""

    def __init__(self, chunks: tuple[Chunk, ...], tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        docs = [tokenizer.tokens(c.text) or ["∅"] for c in chunks]
        self.bm25 = BM25Okapi(docs)

    def scores(self, query: Query) -> np.ndarray:
        toks = self.tokenizer.query_tokens(query.topic)
        if not toks:
            return np.zeros(len(self.bm25.doc_len), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(toks), dtype=np.float32)


class HybridRetriever:
    """Dense and keyword rankings fused by RRF; chunks of the speakers a question names are
    lifted; a speaker filter (from the UI) keeps only those speakers' chunks."""

    def __init__(self, index: Index, embedder, tokenizer: Tokenizer, candidates: int = 30,
                 rrf_k: int = 60, speaker_boost: float = 0.5):
        self.index = index
        self.chunks = index.chunks
        self.dense = DenseRetriever(index, embedder)
        self.keyword = KeywordRetriever(index.chunks, tokenizer)
        self.candidates, self.rrf_k, self.speaker_boost = candidates, rrf_k, speaker_boost

    def retrieve(self, query: Query, k: int, speakers: frozenset[str] | None = None) -> list[Hit]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        dense = self.dense.scores(_dense_text(query))
        keyword = self.keyword.scores(query)
        allowed = np.array([speakers is None or c.speaker in speakers for c in self.chunks])
        fused = np.zeros(len(self.chunks))
        found: dict[int, list[str]] = {}
        for name, scores in (("dense", dense), ("keyword", keyword)):
            order = [i for i in np.argsort(-scores, kind="stable") if allowed[i]]
            if name == "keyword":
                order = [i for i in order if scores[i] > 0]
            for rank, i in enumerate(order[: self.candidates]):
                fused[i] += 1.0 / (self.rrf_k + rank + 1)
                found.setdefault(int(i), []).append(name)
        if query.speakers:
            bonus = self.speaker_boost * 2.0 / (self.rrf_k + 1)
            for i, c in enumerate(self.chunks):
                if c.speaker in query.speakers and i in found:
                    fused[i] += bonus
        ranked = sorted(found, key=lambda i: (-fused[i], i))[:k]
        return [Hit(self.chunks[i], float(fused[i]), r + 1, float(dense[i]), float(keyword[i]),
                    tuple(found[i])) for r, i in enumerate(ranked)]


def _dense_text(query: Query) -> str:
    """The dense retriever sees the topic (names removed) when speakers are named: the name
    is handled by the speaker boost, and would otherwise pull in any chunk mentioning it."""
    return query.topic if query.speakers and query.topic.strip() else query.rewritten
