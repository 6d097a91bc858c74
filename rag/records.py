"""The records of answering: hits, citations, answers. Frozen, typed, JSON-ready."""
from __future__ import annotations

from dataclasses import dataclass, field

from index.records import Chunk


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk: fused score, rank, and what each retriever said of it."""
    chunk: Chunk
    score: float
    rank: int
    dense: float = 0.0        # cosine similarity to the question
    keyword: float = 0.0      # BM25 score
    found_by: tuple[str, ...] = ()

    def to_json(self) -> dict:
        c = self.chunk
        return {"rank": self.rank, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "speaker": c.speaker,
                "section": c.section, "kind": c.kind, "text": c.text, "start": c.start, "end": c.end,
                "score": round(self.score, 6), "dense": round(self.dense, 4),
                "keyword": round(self.keyword, 4), "found_by": list(self.found_by)}


@dataclass(frozen=True)
class Citation:
    """Citation [n]: `quote` is verbatim in `text`, and corpus[start:end] == quote."""
    n: int
    chunk: Chunk
    quote: str
    start: int
    end: int
    quote_en: str = ""   # the English edition's rendering of the quote, when there is one

    def to_json(self) -> dict:
        c = self.chunk
        return {"n": self.n, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "speaker": c.speaker,
                "section": c.section, "kind": c.kind, "text": c.text, "quote": self.quote,
                "quote_en": self.quote_en,
                "start": self.start, "end": self.end, "chunk_start": c.start, "chunk_end": c.end}


@dataclass(frozen=True)
class Answer:
    question: str
    rewritten: str
    answer: str
    abstained: bool
    speakers: tuple[str, ...]
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    lang: str
    notices: tuple[str, ...] = ()
    timings_ms: dict = field(default_factory=dict)
    composer: str = "extractive"

    def to_json(self) -> dict:
        return {"question": self.question, "rewritten_question": self.rewritten, "answer": self.answer,
                "abstained": self.abstained, "speakers": list(self.speakers),
                "citations": [c.to_json() for c in self.citations],
                "hits": [h.to_json() for h in self.hits], "lang": self.lang,
                "notices": list(self.notices), "composer": self.composer,
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()}}
