"""The pipeline: question (+ history) -> analysis -> hybrid retrieval -> cited answer.

Heavy things (the embedding model, the index) load once, lazily, and are shared by every
caller (CLI, app, eval) through `Pipeline.warm_up()`.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from index.chunk import ChunkSettings
from index.corpus import Corpus
from index.model import Embedder
from index.store import Index, ensure_index
from index.tokens import Tokenizer
from rag.compose import Composition, ExtractiveComposer
from rag.config import Config
from rag.query import Query, analyze
from rag.records import Answer, Hit
from rag.retrieve import HybridRetriever

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, config: Config):
        self.config = config
        self.embedder = Embedder(config.model, config.models_dir)
        self._lock = threading.Lock()
        self._ready = False
        self.corpus: Corpus | None = None
        self.index: Index | None = None
        self.retriever: HybridRetriever | None = None
        self.composer: ExtractiveComposer | None = None
        self.llm = None  # an optional LLM composer, see rag.llm

    def warm_up(self, progress: bool = True) -> "Pipeline":
        """Provision the model, load the corpus, load or build the index (once)."""
        with self._lock:
            if self._ready:
                return self
            cfg = self.config
            self.corpus = Corpus.load(cfg.corpus_dir)
            settings = ChunkSettings(cfg.chunk_size, cfg.chunk_overlap)
            self.index = ensure_index(self.corpus, self.embedder, settings, cfg.index_dir, progress=progress)
            tokenizer = Tokenizer.for_corpus(cfg.corpus_dir)
            self.retriever = HybridRetriever(self.index, self.embedder, tokenizer, cfg.candidates,
                                             cfg.rrf_k, cfg.speaker_boost)
            self.composer = ExtractiveComposer(self.corpus.speakers, tokenizer)
            self.embedder.embed_queries(["warm up"])
            self._ready = True
            return self

    def analyze(self, question: str, history: list[str] = ()) -> Query:
        self.warm_up()
        return analyze(question, self.corpus.speakers, history, self.config.max_question_chars,
                       self.config.max_history)

    def answer(self, question: str, history: list[str] = (), speakers: list[str] | None = None,
               top_k: int | None = None) -> Answer:
        """Answer one question; `speakers` restricts retrieval to those people (UI filter)."""
        t0 = time.perf_counter()
        self.warm_up()
        k = top_k if top_k is not None else self.config.top_k
        if k < 1:
            raise ValueError(f"top_k must be at least 1, got {k}")
        query = self.analyze(question, history)
        notices = []
        if query.truncated:
            notices.append(f"question cut to its first {self.config.max_question_chars} characters")
        t1 = time.perf_counter()
        if not query.topic.strip() or not _has_content(query.topic):
            comp, hits = self.composer.abstain(query), []
            t2 = t1
        else:
            allowed = frozenset(speakers) if speakers else None
            hits = self.retriever.retrieve(query, max(k, 8), allowed)
            t2 = time.perf_counter()
            comp = self._compose(query, hits)
            hits = hits[:k]
        t3 = time.perf_counter()
        timings = {"analyze": (t1 - t0) * 1000, "retrieve": (t2 - t1) * 1000,
                   "compose": (t3 - t2) * 1000, "total": (t3 - t0) * 1000}
        return Answer(question, query.rewritten, comp.text, comp.abstained, comp.speakers,
                      comp.citations, tuple(hits), query.lang, tuple(notices), timings)

    def _compose(self, query: Query, hits: list[Hit]) -> Composition:
        texts = self.corpus.texts
        threshold = self.config.min_relevance
        relevant = [h for h in hits if _relevance(h) >= threshold]
        if not relevant:
            return self.composer.abstain(query)
        named = tuple(s for s in query.speakers)
        if named and not query.asks_who:
            theirs = [h for h in relevant if h.chunk.speaker in named]
            if not theirs:
                return self.composer.not_said_by(query, named, relevant, texts)
            others = [h for h in relevant if h.chunk.speaker not in named]
            return self.composer.compose(query, theirs + others, texts)
        return self.composer.compose(query, relevant, texts)


def _relevance(hit: Hit) -> float:
    """How well a hit answers the question, on the dense cosine scale."""
    return hit.dense


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
