"""rag/bm25.py gives exactly rank-bm25's BM25Okapi scores (the reference it replaces at scale),
including a word in more than half of the documents (idf floored at epsilon x the mean idf) and
a word asked twice; a worked example checks the formula by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from rag.bm25 import BM25

DOCS = [["open", "source", "model", "model"], ["model", "agent"], ["agent", "environment", "model"],
        ["chat", "solved"], ["model"], ["open", "weights", "model", "community", "feedback"]]
QUERIES = [["model"], ["open", "model"], ["agent", "agent"], ["unknown"], [], ["chat", "model", "feedback"]]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25(query):
    assert np.array_equal(BM25(DOCS).scores(query), BM25Okapi(DOCS).get_scores(query))


def test_equal_on_the_project_corpus_tokens():
    from pathlib import Path
    from index.tokens import Tokenizer
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    tok = Tokenizer.for_corpus(corpus)
    text = (corpus / "agi-next-2026.md").read_text(encoding="utf-8")
    docs = [tok.tokens(p) or ["∅"] for p in text.split("\n\n") if p.strip()]
    mine, ref = BM25(docs), BM25Okapi(docs)
    for q in ("强化学习", "开源 模型 模型", "中国 AI 的 未来", "Agent 环境", "没有这个词"):
        assert np.array_equal(mine.scores(tok.query_tokens(q)), ref.get_scores(tok.query_tokens(q)))


def test_a_worked_example():
    # "agent" is in 2 of 6 documents: idf = ln(4.5) - ln(2.5); document 1 has 2 words, avgdl = 17/6
    idf = math.log(4.5) - math.log(2.5)
    want = idf * (1 * 2.5 / (1 + 1.5 * (1 - 0.75 + 0.75 * 2 / (17 / 6))))
    assert BM25(DOCS).scores(["agent"])[1] == pytest.approx(want)
    # "model" is in 5 of 6: its idf is negative, floored at 0.25 x the mean idf
    assert BM25(DOCS).scores(["model"])[4] > 0


def test_no_documents_is_an_error():
    with pytest.raises(ValueError, match="at least one document"):
        BM25([])
