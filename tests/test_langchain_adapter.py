"""rag/langchain_adapter.py: the retriever seen from LangChain."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from index.records import Chunk
from rag.langchain_adapter import TranscriptRetriever, to_document
from rag.records import Hit

CHUNK = Chunk.make("agi-next-2026", "林俊旸", "圆桌对话：中国AI的下一步", "roundtable",
                   "我们要做开源。", 100, 107, 3)


class FakePipeline:
    """Records what the adapter asks of the pipeline; returns one hand-made hit per rank."""

    def __init__(self):
        self.calls = []
        self.retriever = SimpleNamespace(retrieve=self._retrieve)

    def analyze(self, question):
        return SimpleNamespace(text=question)

    def _retrieve(self, query, k, speakers):
        self.calls.append((query.text, k, speakers))
        return [Hit(CHUNK, 0.5 / r, r, dense=0.75, keyword=2.0, found_by=("dense",)) for r in range(1, k + 1)]


def test_hits_become_documents_with_their_source():
    fake = FakePipeline()
    retriever = TranscriptRetriever(pipeline=fake, k=2, speakers=["林俊旸"])
    docs = retriever.invoke("开源怎么看？")
    assert isinstance(retriever, BaseRetriever)
    assert fake.calls == [("开源怎么看？", 2, frozenset({"林俊旸"}))]
    meta = {"chunk_id": CHUNK.chunk_id, "doc_id": "agi-next-2026", "speaker": "林俊旸",
            "section": "圆桌对话：中国AI的下一步", "kind": "roundtable", "start": 100, "end": 107,
            "dense": 0.75, "keyword": 2.0}
    assert docs == [Document(page_content="我们要做开源。", id=CHUNK.chunk_id,
                             metadata={**meta, "score": 0.5, "rank": 1}),
                    Document(page_content="我们要做开源。", id=CHUNK.chunk_id,
                             metadata={**meta, "score": 0.25, "rank": 2})]


def test_no_speaker_filter_means_everyone():
    fake = FakePipeline()
    TranscriptRetriever(pipeline=fake).invoke("q")
    assert fake.calls == [("q", 5, None)]


def test_k_must_be_positive():
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        TranscriptRetriever(pipeline=FakePipeline(), k=0)


@pytest.mark.slow
def test_real_retriever_through_langchain(pipeline, corpus_text):
    question = "林俊旸怎么看中美市场的差异？"
    docs = TranscriptRetriever(pipeline=pipeline, k=3).invoke(question)
    hits = pipeline.retriever.retrieve(pipeline.analyze(question), 3)
    assert docs == [to_document(h) for h in hits]
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3]
    assert docs[0].metadata["speaker"] == "林俊旸"
    assert "在美国基本全都是Coding" in docs[0].page_content
    for d in docs:
        assert corpus_text[d.metadata["start"]:d.metadata["end"]] == d.page_content
        assert d.metadata["score"] > 0 and d.id == d.metadata["chunk_id"]


@pytest.mark.slow
def test_real_retriever_keeps_only_the_chosen_speakers(pipeline):
    docs = TranscriptRetriever(pipeline=pipeline, k=4, speakers=["唐杰"]).invoke("中美的AI差距")
    assert len(docs) == 4 and {d.metadata["speaker"] for d in docs} == {"唐杰"}
