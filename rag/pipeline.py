"""The pipeline: question (+ history) -> analysis -> hybrid retrieval -> cited answer.

Heavy things (the embedding model, the index) load once, lazily, and are shared by every
caller (CLI, app, eval) through `Pipeline.warm_up()`.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

from index.chunk import ChunkSettings
from index.corpus import Corpus
from index.records import EDITOR
from index.model import Embedder
from index.store import Index, ensure_index
from index.tokens import Tokenizer
from rag.compose import Composition, ExtractiveComposer
from rag.config import Config
from rag.coverage import Background, Coverage
from rag.query import Query, analyze, is_vague
from rag.records import Answer, Hit
from rag.retrieve import HybridRetriever, dense_text

log = logging.getLogger(__name__)
NO_KEYWORD_MARGIN = 0.01    # extra margin asked of a question sharing no keyword (calibrated on dev)
NAMED_SPEAKER_SLACK = 0.02   # margin granted to a question that names a summit speaker


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
        self.coverage: Coverage | None = None
        self.background: Background | None = None
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
            aliases = self.corpus.speakers.all_aliases()
            tokenizer = Tokenizer.for_corpus(cfg.corpus_dir, aliases)
            people = [a for sp in self.corpus.speakers.all for a in (sp.name, *sp.aliases)]
            self.coverage = Coverage(list(self.corpus.texts.values()), tokenizer, aliases, people)
            self.background = Background(self.index.background)
            self.retriever = HybridRetriever(self.index, self.embedder, tokenizer, cfg.candidates,
                                             cfg.rrf_k, cfg.speaker_boost)
            self.composer = ExtractiveComposer(self.corpus.speakers, tokenizer)
            if cfg.llm_base_url:  # optional; LangChain loads only then
                from rag.llm import LLMComposer
                self.llm = LLMComposer.from_config(cfg, self.corpus.speakers, tokenizer)
            self.embedder.embed_queries(["warm up"])
            self.coverage.unknown_names("warm up 预热")  # loads jieba's tagger now, not at the first question
            self._ready = True
            return self

    def analyze(self, question: str, history: list[str] = ()) -> Query:
        self.warm_up()
        return analyze(question, self.corpus.speakers, history, self.config.max_question_chars,
                       self.config.max_history)

    def answer(self, question: str, history: list[str] = (), speakers: list[str] | None = None,
               top_k: int | None = None, on_token=None, docs: list[str] | None = None) -> Answer:
        """Answer one question; `speakers` restricts retrieval to those people (UI filter);
        `on_token(text)` receives the LLM composer's tokens as they arrive, if it is used."""
        self.warm_up()
        t0 = time.perf_counter()
        k = top_k if top_k is not None else self.config.top_k
        if k < 1:
            raise ValueError(f"top_k must be at least 1, got {k}")
        allowed = self._speaker_filter(speakers)
        query = self.analyze(question, history)
        notices = []
        if query.truncated:
            notices.append(f"question cut to its first {self.config.max_question_chars} characters")
        t1 = time.perf_counter()
        comp, hits = self._retrieve_and_compose(query, k, allowed, self.retriever.scoped(docs))
        # The top k, and every passage the answer cites (a comparison may cite one further down).
        shown_ids = {h.chunk.chunk_id for h in hits[:k]}
        cited_ids = {c.chunk.chunk_id for c in comp.citations} - shown_ids
        cited = [h for h in hits[k:] if h.chunk.chunk_id in cited_ids]
        hits = hits[:k] + cited
        t2 = time.perf_counter()
        composer = "extractive"
        if self.llm is not None and not comp.abstained and hits:
            # The LLM writes from the passages the user sees ([n] = hit rank n); the extractive
            # composition is its fallback. Abstention never reaches the LLM.
            outcome = self.llm.compose(query, hits, self.corpus.texts, comp, on_token)
            comp, composer = outcome.composition, outcome.composer
            notices += outcome.notices
        t3 = time.perf_counter()
        timings = {"analyze": (t1 - t0) * 1000, "retrieve_and_quote": (t2 - t1) * 1000,
                   "llm": (t3 - t2) * 1000, "total": (t3 - t0) * 1000}
        # Lone surrogates (from JSON "\ud800" or undecodable bytes) cannot be written as UTF-8.
        shown = re.sub("[\ud800-\udfff]", "\ufffd", question)
        return Answer(shown, query.rewritten, comp.text, comp.abstained, comp.speakers,
                      comp.citations, tuple(hits), query.lang, tuple(notices), timings, composer)

    def stream(self, question: str, history: list[str] = (), speakers: list[str] | None = None,
               top_k: int | None = None, docs: list[str] | None = None) -> Iterator[tuple[str, Answer | None]]:
        """Yield (answer text so far, None) while composing, then (full text, Answer) once."""
        self.warm_up()
        if self.llm is not None:  # token by token; the final text replaces what was streamed
            from rag.llm import stream_answer
            yield from stream_answer(lambda on_token: self.answer(question, history, speakers, top_k, on_token, docs))
            return
        answer = self.answer(question, history, speakers, top_k, docs=docs)
        shown = ""
        for line in answer.answer.splitlines(keepends=True):
            shown += line
            if shown != answer.answer:
                yield shown, None
        yield answer.answer, answer

    def _speaker_filter(self, speakers: list[str] | None) -> frozenset[str] | None:
        """Canonical names for a speaker filter given by any alias; an unknown name is an error."""
        if not speakers:
            return None
        names = []
        for s in speakers:
            name = self.corpus.speakers.canonical(s)
            if name is None:
                known = ", ".join(sp.name for sp in self.corpus.speakers.all)
                raise ValueError(f"unknown speaker {s!r}; known: {known}")
            names.append(name)
        return frozenset(names)

    def _off_topic(self, query: Query, base: list[Hit]) -> bool:
        """Closer to everyday topics than to any passage, with no strong keyword match."""
        best = max(h.dense for h in base)
        vector = self.retriever.dense.vector(dense_text(query))
        margin = self.background.margin(vector, best)
        keyword = max(h.keyword for h in base)
        if any(s != EDITOR for s in query.speakers):
            # Asked of a summit speaker, so about the summit unless clearly not; whether that
            # person said anything on it is decided next (not_said_by).
            margin += NAMED_SPEAKER_SLACK
        if keyword == 0:  # not one word in common: the embedding alone must clearly favour the transcript
            return margin < self.config.min_margin + NO_KEYWORD_MARGIN
        return margin < self.config.min_margin and keyword < self.config.strong_keyword

    def _retrieve_and_compose(self, query: Query, k: int, allowed: frozenset[str] | None,
                              retriever: HybridRetriever) -> tuple[Composition, list[Hit]]:
        """Decide whether the transcript answers the question, and whose passages to cite."""
        texts, composer = self.corpus.texts, self.composer
        if not query.text.strip():
            return composer.empty(query), []
        if not _has_content(query.topic):
            return composer.abstain(query), []
        unknown = self.coverage.unknown_names(query.topic)
        if unknown:
            return composer.abstain(query, unknown), []
        people = [s for s in query.speakers if s != EDITOR and (allowed is None or s in allowed)]
        if len(people) == 1 and is_vague(query.topic):
            # "杨植麟讲了什么？": that person's passages, best matching their name and role.
            who = self.corpus.speakers.by_name[people[0]]
            about = replace(query, topic=f"{who.name} {who.role}", rewritten=f"{who.name} {who.role}")
            hits = retriever.retrieve(about, max(k, 8), frozenset(people))
            return composer.compose(about, hits, texts), hits
        base = retriever.rank(query, allowed)
        if not base or self._off_topic(query, base):
            return composer.abstain(query), base[:k]
        named = [s for s in query.speakers if allowed is None or s in allowed]
        if len(named) >= 2:
            # A comparison: the best passages of each person named, in turn.
            per = [retriever.retrieve(replace(query, speakers=(s,)), k, frozenset([s])) for s in named]
            hits = [h for group in zip(*[g[:2] for g in per if g]) for h in group]
            hits = _renumber(hits + [h for g in per for h in g[2:]])
            return composer.compose(query, hits, texts), hits
        hits = retriever.retrieve(query, max(k, 8), allowed, ranked=base)
        if named and named[0] != EDITOR:
            who = named[0]
            theirs = [h for h in base if h.chunk.speaker == who]
            if not theirs or theirs[0].rank > self.config.not_said_rank:
                return composer.not_said_by(query, (who,), base, texts), hits
            if who == self.corpus.speakers.moderator and theirs[0].chunk.kind == "moderator_question" \
                    and not _asks_about_asking(query.rewritten):
                return composer.only_asked(query, who, base, texts), hits
        return composer.compose(query, hits, texts), hits


def _renumber(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.chunk.chunk_id not in seen:
            seen.add(h.chunk.chunk_id)
            out.append(Hit(h.chunk, h.score, len(out) + 1, h.dense, h.keyword, h.found_by))
    return out


def _asks_about_asking(text: str) -> bool:
    return bool(re.search(r"(问|提问|追问|\bask|\bquestion)", text, re.I))


def _has_content(text: str) -> bool:
    """At least two letters, digits or characters: "x" or "？？" asks nothing."""
    return sum(ch.isalnum() for ch in text) >= 2
