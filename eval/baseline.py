"""The tutorial baseline: fixed-size chunks, dense top-k, the top chunk as the answer.

Built the way most RAG tutorials do it, in memory from the same corpus and embedding model:
LangChain's `RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)` over each
transcript (no notion of speakers, paragraphs or sections), `Embedder.embed_documents`,
a FAISS `IndexFlatIP`, `embed_queries` for the question (earlier turns are ignored), and the
text of the top chunk returned as the answer, citing that chunk. It never abstains.

For attribution a chunk is given one speaker: that of the corpus passage overlapping most of
the chunk's first `START_WINDOW` characters (headings excluded; the whole chunk if only
headings are there; `编者` if nothing overlaps). Offsets come from finding each chunk's text
in its transcript, searching forward from the previous chunk.
"""
from __future__ import annotations

import time

import faiss
import numpy as np

from index.records import EDITOR, Chunk, Passage
from rag.records import Answer, Citation, Hit

CHUNK_SIZE, CHUNK_OVERLAP = 500, 50
START_WINDOW = 100
KIND = "baseline"


def split_text(text: str, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[tuple[int, str]]:
    """(start offset, chunk text) of LangChain's recursive character split of `text`."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    out, prev = [], -1
    for piece in splitter.split_text(text):
        start = text.find(piece, prev + 1)
        if start < 0:
            start = text.find(piece)
        if start < 0:  # the splitter strips whitespace only at the ends, so this cannot happen
            raise ValueError(f"chunk not found in the text: {piece[:40]!r}")
        out.append((start, piece))
        prev = start
    return out


def speaker_passage(passages: list[Passage], start: int, end: int) -> Passage | None:
    """The passage overlapping most of [start, start + START_WINDOW), headings excluded.

    Ties go to the earlier passage; with no overlap at all there is no passage (None).
    """
    def best(candidates, lo, hi):
        scored = [(min(hi, p.end) - max(lo, p.start), -i, p) for i, p in enumerate(candidates)]
        scored = [s for s in scored if s[0] > 0]
        return max(scored, key=lambda s: s[:2])[2] if scored else None

    speaking = [p for p in passages if p.kind != "heading"]
    return (best(speaking, start, min(end, start + START_WINDOW)) or best(speaking, start, end)
            or best(passages, start, end))


def split_corpus(corpus, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """Every transcript of the corpus split into fixed-size chunks, each with one speaker."""
    chunks = []
    for doc_id, text in corpus.texts.items():
        passages = corpus.passages_of(doc_id)
        for start, piece in split_text(text, chunk_size, chunk_overlap):
            end = start + len(piece)
            p = speaker_passage(passages, start, end)
            speaker, section, para = (p.speaker, p.section, p.para) if p else (EDITOR, "", 0)
            chunks.append(Chunk.make(doc_id, speaker, section, KIND, piece, start, end, para))
    return chunks


class Baseline:
    """Same interface as `rag.pipeline.Pipeline.answer`, so the eval runner can ask both."""
    name = f"LangChain recursive split {CHUNK_SIZE}/{CHUNK_OVERLAP} + FAISS top chunk"

    def __init__(self, corpus, embedder, chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP,
                 top_k: int = 5):
        self.corpus, self.embedder = corpus, embedder
        self.chunk_size, self.chunk_overlap, self.top_k = chunk_size, chunk_overlap, top_k
        self.chunks: list[Chunk] = []
        self.vectors: faiss.Index | None = None

    @classmethod
    def from_pipeline(cls, pipeline) -> "Baseline":
        """A baseline over the pipeline's corpus with its (already loaded) embedding model."""
        pipeline.warm_up()
        return cls(pipeline.corpus, pipeline.embedder)

    def warm_up(self) -> "Baseline":
        if self.vectors is None:
            self.chunks = split_corpus(self.corpus, self.chunk_size, self.chunk_overlap)
            vectors = np.ascontiguousarray(self.embedder.embed_documents([c.text for c in self.chunks]),
                                           dtype=np.float32)
            index = faiss.IndexFlatIP(vectors.shape[1])
            index.add(vectors)
            self.vectors = index
        return self

    def answer(self, question: str, history=(), speakers=None, top_k: int | None = None) -> Answer:
        """The top chunk's text as the answer, citing it; `history` and `speakers` are ignored."""
        t0 = time.perf_counter()
        self.warm_up()
        k = top_k if top_k is not None else self.top_k
        if k < 1:
            raise ValueError(f"top_k must be at least 1, got {k}")
        query = np.ascontiguousarray(self.embedder.embed_queries([question]), dtype=np.float32)
        t1 = time.perf_counter()
        scores, ids = self.vectors.search(query, min(k, self.vectors.ntotal))
        hits = tuple(Hit(self.chunks[i], float(s), r, dense=float(s), found_by=("faiss",))
                     for r, (s, i) in enumerate(zip(scores[0], ids[0]), start=1) if i >= 0)
        top = hits[0].chunk
        citation = Citation(1, top, top.text, top.start, top.end)
        t2 = time.perf_counter()
        timings = {"retrieve": (t2 - t0) * 1000, "embed": (t1 - t0) * 1000, "total": (t2 - t0) * 1000}
        return Answer(question, question, top.text, False, (top.speaker,), (citation,), hits, "",
                      (), timings, composer="baseline")
