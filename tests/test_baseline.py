"""The tutorial baseline: fixed-size LangChain chunks, the top chunk as the answer."""
from __future__ import annotations

import numpy as np
import pytest

from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE, Baseline, speaker_passage, split_corpus, split_text
from index.corpus import Corpus
from index.records import Passage
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def corpus():
    return Corpus.load(CORPUS)


class CharBagEmbedder:
    """A deterministic fake: a normalised bag of characters, so a text is nearest to itself."""
    name = "char-bag"

    def _embed(self, texts):
        out = np.zeros((len(texts), 257), np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, ord(ch) % 257] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    embed_documents = embed_queries = _embed


def test_chunks_are_fixed_size_verbatim_slices_that_ignore_speakers(corpus):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    chunks = split_corpus(corpus)
    text = corpus.texts["agi-next-2026"]
    expected = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_text(text)
    assert (CHUNK_SIZE, CHUNK_OVERLAP) == (500, 50)
    assert [c.text for c in chunks] == expected
    assert all(text[c.start:c.end] == c.text for c in chunks)
    lengths = sorted(len(c.text) for c in chunks)
    assert lengths[-1] <= 500
    assert lengths[len(lengths) // 2] >= 400          # filled up to the size, not cut at turns
    assert all(b.start > a.start for a, b in zip(chunks, chunks[1:]))
    # no speaker awareness: some chunks hold the words of several people
    passages = [p for p in corpus.passages_of("agi-next-2026") if p.kind != "heading"]
    mixed = [c for c in chunks if len({p.speaker for p in passages if p.start < c.end and p.end > c.start}) > 1]
    assert len(mixed) >= 5            # 11 of 33 on the corpus as first indexed


def test_split_text_offsets_point_at_each_chunk():
    text = ("第一段。" * 40 + "\n\n" + "第二段，" * 40 + "\n\n" + "第一段。" * 40)
    pieces = split_text(text, 100, 10)
    assert all(text[s:s + len(p)] == p for s, p in pieces)
    assert [s for s, _ in pieces] == sorted(s for s, _ in pieces)
    assert pieces[-1][0] > len(text) // 2                # a repeated text is found forward, not at 0


def _p(speaker, kind, start, end):
    return Passage("d", speaker, "s", kind, "x" * (end - start), start, end, 1, 0)


def test_speaker_is_the_passage_overlapping_most_of_the_chunk_start():
    passages = [_p("编者", "heading", 0, 30), _p("唐杰", "talk", 32, 60), _p("林俊旸", "talk", 62, 400)]
    # window [0, 100): heading excluded; 唐杰 overlaps 28 characters, 林俊旸 38
    assert speaker_passage(passages, 0, 500).speaker == "林俊旸"
    # window [0, 70) of a short chunk: 唐杰 28, 林俊旸 8
    assert speaker_passage(passages, 0, 70).speaker == "唐杰"
    # only a heading overlaps: it is taken rather than nothing
    assert speaker_passage(passages, 0, 25).speaker == "编者"
    assert speaker_passage(passages, 450, 500) is None


def test_answer_is_the_top_chunk_text(corpus):
    baseline = Baseline(corpus, CharBagEmbedder()).warm_up()
    for i in (0, 7, len(baseline.chunks) - 1):
        chunk = baseline.chunks[i]
        answer = baseline.answer(chunk.text, top_k=3)
        assert answer.hits[0].chunk == chunk
        assert answer.answer == chunk.text
        assert answer.speakers == (chunk.speaker,)
        assert [c.chunk for c in answer.citations] == [chunk]
        assert answer.abstained is False
        assert [h.rank for h in answer.hits] == [1, 2, 3]
        assert answer.hits[0].score == pytest.approx(1.0)
        assert answer.hits[0].score >= answer.hits[1].score >= answer.hits[2].score
    with pytest.raises(ValueError, match="top_k must be at least 1, got 0"):
        baseline.answer("x", top_k=0)


@pytest.mark.slow
def test_answer_is_the_top_chunk_text_with_the_real_model(pipeline):
    baseline = Baseline.from_pipeline(pipeline).warm_up()
    assert baseline.embedder is pipeline.embedder
    answer = baseline.answer("千问团队的开源工作是从哪一天起步的？", top_k=10)
    assert len(answer.hits) == 10
    assert answer.answer == answer.hits[0].chunk.text
    assert answer.hits[0].chunk in baseline.chunks
    assert [h.score for h in answer.hits] == sorted((h.score for h in answer.hits), reverse=True)
    assert answer.to_json()["citations"][0]["text"] == answer.answer
