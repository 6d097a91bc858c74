"""The retriever as a LangChain `BaseRetriever`: LangChain stays at the edge, the pipeline's own
query analysis and hybrid retrieval do the work, and each hit becomes a `Document` whose
metadata traces it back to the exact characters of the transcript."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import field_validator

from rag.records import Hit


class TranscriptRetriever(BaseRetriever):
    """`TranscriptRetriever(pipeline=Pipeline(config), k=5).invoke("question")` -> Documents,
    best first. `speakers` keeps only those people's passages (canonical names)."""

    pipeline: Any                      # rag.pipeline.Pipeline (warmed up on first use)
    k: int = 5
    speakers: list[str] | None = None

    @field_validator("k")
    @classmethod
    def _k_positive(cls, k: int) -> int:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return k

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[Document]:
        analysed = self.pipeline.analyze(query)
        allowed = frozenset(self.speakers) if self.speakers else None
        return [to_document(h) for h in self.pipeline.retriever.retrieve(analysed, self.k, allowed)]


def to_document(hit: Hit) -> Document:
    """A hit as a LangChain Document: the chunk's text, and where and whose it is."""
    c = hit.chunk
    return Document(page_content=c.text, id=c.chunk_id, metadata={
        "chunk_id": c.chunk_id, "doc_id": c.doc_id, "speaker": c.speaker, "section": c.section,
        "kind": c.kind, "start": c.start, "end": c.end, "score": hit.score, "rank": hit.rank,
        "dense": hit.dense, "keyword": hit.keyword})
