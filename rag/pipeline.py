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

import numpy as np

from index.chunk import ChunkSettings
from index.corpus import Corpus
from index.edition import find_editions
from index.records import EDITOR
from index.model import Embedder
from index.embedding_cache import EmbeddingCache
from index.store import Index, ensure_index
from index.tokens import Tokenizer, to_simplified
from rag import plans
from rag.compose import Composition
from rag.config import Config
from rag.coverage import Background, Coverage, load_entities
from rag.ellipsis import Swap
from rag.evidence import Evidence
from rag.exemplars import NONE, PLAN_EXEMPLARS, SUMMARY_EXEMPLARS, Exemplars
from rag.forms import PERSON, Form, Forms
from rag.conversation import Turn, as_turns, bound
from rag.query import Query, analyze, asks_everyone, clean, is_vague
from rag.records import Answer, Hit
from rag.retrieve import HybridRetriever, dense_text

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(self, config: Config):
        self.config = config
        self.embedder = Embedder(config.model, config.models_dir, threads=config.threads)
        self._lock = threading.Lock()
        self._ready = False
        self.corpus: Corpus | None = None
        self.index: Index | None = None
        self.retriever: HybridRetriever | None = None
        self.tools: plans.Tools | None = None
        self.forms = Forms.load()
        self.tokenizer = None
        self.editions: dict = {}
        self.coverage: Coverage | None = None
        self.background: Background | None = None
        self.swap: Swap | None = None               # what the X of "那X呢？" replaces in the earlier question
        self.asks_detail: Exemplars | None = None   # does a question asking "在哪" want a place?
        self.summary_scope: Exemplars | None = None  # does a summary of a person ask about one part?
        self.asks_overview: Exemplars | None = None  # does a question no cue marks ask for a summary?
        self.llm = None  # an optional LLM composer, see rag.llm

    def warm_up(self, progress: bool = True) -> "Pipeline":
        """Provision the model, load the corpus, load or build the index (once)."""
        with self._lock:
            if self._ready:
                return self
            cfg = self.config
            self.corpus = Corpus.load(cfg.corpus_dir)
            settings = ChunkSettings(cfg.chunk_size, cfg.chunk_overlap)
            self.index = ensure_index(self.corpus, self.embedder, settings, cfg.index_dir, progress=progress,
                                      store=cfg.store_location, cache=EmbeddingCache(cfg.embedding_cache))
            aliases = self.corpus.speakers.all_aliases()
            tokenizer = Tokenizer.for_corpus(cfg.corpus_dir, aliases, cfg.glossary)
            people = [a for sp in self.corpus.speakers.all for a in (sp.name, *sp.aliases)]
            self.editions = find_editions(cfg.corpus_dir, self.corpus.texts)
            for (doc_id, lang), ed in self.editions.items():
                if ed.stale:
                    log.warning("%s is stale: %s changed since it was translated; it is not used", ed.file, doc_id)
            translated = [u.text for ed in self.editions.values() if not ed.stale for u in ed.units]
            # A name is mentioned if the transcript or a translation of it names it ("China", "July").
            self.coverage = Coverage(list(self.corpus.texts.values()) + translated, tokenizer, aliases, people,
                                     load_entities())
            self.background = Background(self.index.background)
            self.retriever = HybridRetriever(self.index, self.embedder, tokenizer, cfg.candidates,
                                             cfg.rrf_k, cfg.speaker_boost, self.editions,
                                             cache_dir=cfg.home / "editions")
            self.tokenizer = tokenizer
            jieba_words = tokenizer.jieba_tokenizer()
            speakers = self.corpus.speakers
            self.swap = Swap(self.embedder.embed_queries, lambda text: list(jieba_words.tokenize(text)),
                             lambda text: [(s, e) for s, e, _ in speakers.mentions_in(text)], cfg.swap_margin)
            self.asks_detail = Exemplars.embed(self.embedder)
            self.summary_scope = Exemplars.embed(self.embedder, SUMMARY_EXEMPLARS)
            self.asks_overview = Exemplars.embed(self.embedder, PLAN_EXEMPLARS)
            evidence = Evidence(self.index, tokenizer)
            evidence.measure_titles(self.embedder.embed_queries, set(people))
            evidence.translate(self.editions, self.embedder, self.index.manifest.get("model", ""),
                               cache_dir=cfg.home / "editions")
            self.tools = plans.Tools(evidence, self.corpus.speakers, self.forms, cfg,
                                     {d: doc.title for d, doc in self.corpus.documents.items()})
            if cfg.llm_base_url:  # optional; LangChain loads only then
                from rag.llm import LLMComposer
                self.llm = LLMComposer.from_config(cfg, self.corpus.speakers, tokenizer)
            self.embedder.embed_queries(["warm up"])
            self.coverage.unknown_names("warm up 预热")  # loads jieba's tagger now, not at the first question
            self._ready = True
            return self

    def reconfigure(self, config: Config) -> None:
        """Use other thresholds from now on (same model, corpus and index): for calibration."""
        self.warm_up()
        self.config = self.tools.config = config

    def analyze(self, question: str, history: list[str | Turn] = ()) -> Query:
        self.warm_up()
        query = analyze(question, self.corpus.speakers, history, self.config.max_question_chars,
                        self.config.max_history, self.swap, self.retriever.holds)
        if query.assumed and self._overview(self.retriever.dense.vector(query.focus)):
            # a turn naming no one that asks for an overview ("What were the main themes?") is
            # not about the person the conversation was about: it is asked as a question of its own
            query = analyze(question, self.corpus.speakers, (), self.config.max_question_chars,
                            self.config.max_history, self.swap, self.retriever.holds)
        return query

    def conversation(self, history: list[str | Turn], allowed: frozenset[str] | None, k: int,
                     retriever: HybridRetriever | None = None) -> tuple[list[Turn], tuple[str, ...]]:
        """The earlier turns, bounded (with a notice), each with what its answer was about:
        a turn given as a question alone is answered again here (a few ms each, warm)."""
        # each earlier question cleaned as the question is (control and format characters, lone surrogates)
        turns = [replace(t, question=clean(t.question)) for t in as_turns(history)]
        turns, notices = bound(turns, self.config.max_history, self.config.max_question_chars)
        out: list[Turn] = []
        for turn in turns:
            if not turn.answered:
                query = self.analyze(turn.question, out)
                comp, _ = self._retrieve_and_compose(query, k, allowed, retriever or self.retriever, out)
                turn = Turn(turn.question, comp.speakers,
                            tuple((c.chunk.doc_id, c.start, c.end) for c in comp.citations), True)
            out.append(turn)
        return out, notices

    def answer(self, question: str, history: list[str | Turn] = (), speakers: list[str] | None = None,
               top_k: int | None = None, on_token=None, docs: list[str] | None = None) -> Answer:
        """Answer one question; `speakers` restricts retrieval to those people (UI filter);
        `on_token(text)` receives the LLM composer's tokens as they arrive, if it is used.
        `history`: the earlier turns, oldest first, as questions or `Turn`s (with their answers)."""
        self.warm_up()
        t0 = time.perf_counter()
        k = top_k if top_k is not None else self.config.top_k
        if k < 1:
            raise ValueError(f"top_k must be at least 1, got {k}")
        allowed = self._speaker_filter(speakers)
        retriever = self.retriever.scoped(docs)
        turns, notices = self.conversation(history, allowed, k, retriever)
        query = self.analyze(question, turns)
        notices = list(notices)
        if query.truncated:
            notices.append(f"question cut to its first {self.config.max_question_chars} characters")
        t1 = time.perf_counter()
        comp, hits = self._retrieve_and_compose(query, k, allowed, retriever, turns)
        hits = _with_cited(hits, k, comp)
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

    def stream(self, question: str, history: list[str | Turn] = (), speakers: list[str] | None = None,
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

    def _off_topic(self, query: Query, base: list[Hit], vector) -> bool:
        """Closer to everyday topics than to any passage, with no strong keyword match."""
        cfg = self.config
        margin = self.background.margin(vector, max(h.dense for h in base))
        keyword = max(h.keyword for h in base)
        if any(s != EDITOR for s in query.speakers):
            # Asked of a speaker, so about the transcript unless clearly not; whether that
            # person said anything on it is decided by the plans (not_said_by).
            margin += cfg.named_speaker_slack
        if keyword == 0:  # not one word in common: the embedding alone must clearly favour the transcript
            return margin < cfg.min_margin + cfg.no_keyword_margin
        return margin < cfg.min_margin and keyword < cfg.strong_keyword

    def _retrieve_and_compose(self, query: Query, k: int, allowed: frozenset[str] | None,
                              retriever: HybridRetriever, turns: list[Turn] = ()) -> tuple[Composition, list[Hit]]:
        """Retrieve (within the documents `retriever` is scoped to), read the question's form,
        and let the first plan that applies answer."""
        if not query.text.strip():
            return plans.plan_empty(self._ask(query, k, allowed, [], [], None), self.tools), []
        if query.besides:   # "Did anyone else say so?": everyone the filter lets through but them
            everyone = allowed if allowed is not None else {p.speaker for p in self.corpus.passages}
            allowed = frozenset(everyone - set(query.besides))   # (none left: nothing to answer from)
        unknown = tuple(self.coverage.unknown_names(query.topic))
        base = retriever.rank(query, allowed) if not unknown and plans.has_content(query) else []
        hits = retriever.retrieve(query, max(k, 8), allowed, ranked=base) if base else []
        vector = retriever.dense.vector(dense_text(query))
        ask = self._ask(query, k, allowed, base, hits, vector, unknown, retriever.docs)
        if turns:   # moving on: what the conversation already quoted is not quoted again
            # the turn's own words are those no earlier question used ("drop" and "other" in "Did
            # they drop the other one?" after "Which one did they go with?", not "one")
            asked_before = {w for t in turns for w in self.tokenizer.query_tokens(t.question)}
            own = set(self.tokenizer.query_tokens(query.focus or query.topic)) - asked_before
            ask = replace(ask, quoted_before=frozenset(q for t in turns for q in t.quoted), again=query.again,
                          last_lead=turns[-1].quoted[0] if turns[-1].quoted else None,
                          specific=not is_vague(query.focus or query.topic), own_words=frozenset(own))
            ask = replace(ask, reply=self.tools.reply_to_last(ask))
        plan, comp = plans.answer(ask, self.tools)
        log.debug("plan %s for %r", plan, query.text)
        return comp, hits

    def _ask(self, query: Query, k: int, allowed, base, hits, vector, unknown=(), docs=None) -> plans.Ask:
        weights = {t: 1.0 for t in self.tokenizer.query_tokens(query.topic)}
        weights |= {t: 2.0 for t in self.tokenizer.query_tokens(query.focus or query.topic)}
        named = tuple(s for s in query.speakers if allowed is None or s in allowed)
        off = bool(base) and self._off_topic(query, base, vector)
        passage = {h.chunk.chunk_id: h.score for h in base}   # fused (dense + keyword) retrieval score
        measured = self.tools.evidence.measure(vector, weights, passage, query.lang) if vector is not None else None
        carried = query.carried and named != ()
        # the form is read from what the turn itself asks, names removed (for a first turn, what retrieval embedded)
        form = self._form(query, self.retriever.dense.vector(query.focus or dense_text(query)))
        return plans.Ask(query, form, k, allowed, base, hits, vector,
                         weights, named, off, unknown, measured, carried, frozenset(docs) if docs else None)

    def _form(self, query: Query, vector: np.ndarray) -> Form:
        """What the question asks for: its cue words, confirmed by the nearest exemplars ("难点在哪？"
        asks for no place); a plain question asking for a thing in words no cue holds ("什么型号",
        "what score") asks for the detail its nearest exemplars ask for, if they are clearly closer
        than those asking for none."""
        asked = query.asked or query.rewritten
        form = self.forms.read(asked, to_simplified(query.text))
        if not form.plan and not form.detail and asks_everyone(query):   # "What did they say about X?": each speaker's position
            form = replace(form, plan="compare")
        if not form.plan and not form.detail and not query.asks_who and not query.followup \
                and not set(query.speakers) - {EDITOR} and self._overview(vector):
            # (of a person, a summary is asked in cue words or by nothing but the name: "How did Lin
            # Junyang begin his talk?" asks for his first sentences)
            form = replace(form, plan="summary")   # "What were the main themes of the summit?"
        if form.plan == "summary":   # "总结他关于X的看法" asks about one part of what they said
            like = self.summary_scope.likeness(vector, ("part", "whole"))
            form = replace(form, part=like["part"] - like["whole"] >= self.config.summary_part_margin)
        if form.detail:
            # a name asked for may be a person's ("What was the name of the engineer who …?")
            kinds = (form.detail, PERSON) if form.detail == "name" else (form.detail,)
            if not self.forms.certain(form.detail, asked) and not any(self.asks_detail.confirms(vector, k) for k in kinds):
                return replace(form, detail="", noun="", also=())
            if form.detail == "name" and self.asks_detail.nearest(vector, ("name", PERSON)) == PERSON:
                return replace(form, detail=PERSON)   # "那位同事叫什么名字？": a person's name
            return form
        if form.plan or query.asks_who or not self.forms.asks_for_a_thing(asked):
            return form
        kind = self.asks_detail.kind(vector, self.config.detail_margin)
        if kind == NONE:
            return form
        return replace(form, detail=kind, noun=self.forms.asked_noun(asked) if kind == "number" else "")

    def _overview(self, vector: np.ndarray) -> bool:
        """Whether a question asks for an overview in words no summary cue holds ("峰会上大家都聊了
        些什么？", "What ground did the panel cover?"): its nearest "summary" exemplars are closer
        than its nearest "none" ones by summary_margin."""
        like = self.asks_overview.likeness(vector, ("summary", NONE))
        return like["summary"] - like[NONE] >= self.config.summary_margin


def _with_cited(hits: list[Hit], k: int, comp: Composition) -> list[Hit]:
    """The top k, then every other passage the answer cites (a summary or a comparison may
    cite one further down, or one retrieval did not rank), so citations are always hits."""
    shown = {h.chunk.chunk_id for h in hits[:k]}
    out = list(hits[:k])
    by_id = {h.chunk.chunk_id: h for h in hits}
    for c in comp.citations:
        cid = c.chunk.chunk_id
        if cid in shown:
            continue
        shown.add(cid)
        h = by_id.get(cid)
        out.append(Hit(c.chunk, h.score if h else 0.0, len(out) + 1, h.dense if h else 0.0,
                       h.keyword if h else 0.0, h.found_by if h else ("answer",)))
    return out
