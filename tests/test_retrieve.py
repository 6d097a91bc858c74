"""rag/retrieve.py: the top-k ranking (dense top k from the store, keyword top k without sorting
every score, filters as masks) gives exactly what scoring and sorting every chunk gives; and
rag/evidence.py's lazy ranking of sentence units gives exactly the full sort."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from index.corpus import Corpus
from index.store import build_index, expected_manifest, load_index
from index.tokens import Tokenizer
from rag.evidence import Evidence
from rag.query import Query
from index.graph import DistinctGraph
from rag.retrieve import HybridRetriever, _top_positive, dense_text
from tests.test_store import SETTINGS, TALKS, BigramEmbedder, small_corpus

QUESTIONS = ["开源", "强化学习和环境", "模型", "我们每天都在看", "完全无关的问题"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("retrieve")
    corpus = Corpus.load(_repeating_corpus(tmp / "corpus"))
    dest = build_index(corpus, BigramEmbedder(), SETTINGS, tmp / "index", progress=False)
    index = load_index(dest, expected_manifest(corpus, BigramEmbedder.name, SETTINGS))
    return index, Tokenizer.for_corpus(tmp / "corpus")


def _repeating_corpus(folder):
    """The small corpus, with its talks a second time under another title (tied chunks)."""
    small_corpus(folder)
    (folder / "again.md").write_text(TALKS.replace("小型测试稿", "再来一次"), encoding="utf-8")
    return folder


def query(text: str) -> Query:
    return Query(text, "zh", (), text, text, False)


def reference_rank(r: HybridRetriever, q: Query, speakers=None):
    """The ranking as it was computed before: every chunk scored and sorted; a follow-up
    pointing back (`q.earlier`) adds the same two rankings for its wider reading."""
    allowed = [(speakers is None or c.speaker in speakers) and (r.docs is None or c.doc_id in r.docs)
               for c in r.chunks]
    readings = [("", q)] + ([("_earlier", replace(q, topic=f"{q.earlier} {q.topic}"))] if q.earlier else [])
    fused, found, dense = np.zeros(len(r.chunks)), {}, _all_dense(r, q)   # a hit's dense: to the turn's own words
    for suffix, reading in readings:
        scores = {"dense": _all_dense(r, reading), "keyword": r.keyword.scores(reading)}
        for name, values in scores.items():
            order = [int(i) for i in np.argsort(-values, kind="stable")
                     if allowed[i] and (name == "dense" or values[i] > 0)]
            for rank, i in enumerate(order[: r.candidates]):
                fused[i] += 1.0 / (r.rrf_k + rank + 1)
                found.setdefault(i, []).append(name + suffix)
    keyword = r.keyword.scores(q)
    ranked = sorted(found, key=lambda i: (-fused[i], i))
    return [(r.chunks[i].chunk_id, float(fused[i]), float(dense[i]), float(keyword[i]), tuple(found[i]))
            for i in ranked]


def _all_dense(r: HybridRetriever, q: Query) -> np.ndarray:
    n = r.dense.index.vectors.ntotal
    sims, ids = r.dense.index.vectors.search(r.dense.vector(dense_text(q)), n)
    dense = np.full(n, -1.0, dtype=np.float32)
    dense[ids[0]] = sims[0]
    return dense


def test_a_followup_pointing_back_is_searched_in_both_readings_fused(setup):
    # "强化学习" asked now, "开源" the earlier turn's topic: the four rankings (the turn's own words,
    # and with the earlier topic, each dense and keyword) fused as the two of a plain question are
    index, tokenizer = setup
    r = HybridRetriever(index, BigramEmbedder(), tokenizer, candidates=3)
    # a follow-up names its person ("他" resolved): the dense retriever reads the topic
    pointing = Query("强化学习", "zh", ("唐杰",), "强化学习", "唐杰说强化学习", False, earlier="开源")
    got = r.rank(pointing)
    assert [(h.chunk.chunk_id, h.score, h.dense, h.keyword, h.found_by) for h in got] == reference_rank(r, pointing)
    assert any(name == "dense_earlier" for h in got for name in h.found_by)
    own = {h.chunk.chunk_id for h in r.rank(replace(pointing, earlier=""))}
    assert {h.chunk.chunk_id for h in got} > own   # the earlier reading found more


@pytest.mark.parametrize("candidates", [1, 3, 30])
@pytest.mark.parametrize("text", QUESTIONS)
def test_rank_equals_scoring_every_chunk(setup, text, candidates):
    index, tokenizer = setup
    r = HybridRetriever(index, BigramEmbedder(), tokenizer, candidates=candidates)
    q = query(text)
    for retriever, speakers in ((r, None), (r, frozenset({"林俊旸", "姚顺雨"})), (r.scoped(["again"]), None),
                                (r.scoped(["talks"]), frozenset({"唐杰"}))):
        got = [(h.chunk.chunk_id, h.score, h.dense, h.keyword, h.found_by) for h in retriever.rank(q, speakers)]
        assert got == reference_rank(retriever, q, speakers)


def test_top_positive_keeps_ties_in_id_order():
    scores = np.array([0.0, 2.0, 1.0, 2.0, 1.0, 1.0, -1.0])
    assert _top_positive(scores, 3, None) == [1, 3, 2]
    assert _top_positive(scores, 10, None) == [1, 3, 2, 4, 5]
    assert _top_positive(scores, 2, np.array([1, 0, 1, 0, 1, 1, 1], bool)) == [2, 4]


@pytest.mark.parametrize("text", QUESTIONS)
def test_lazy_sentence_ranking_equals_the_full_sort(setup, text):
    index, tokenizer = setup
    ev = Evidence(index, tokenizer)
    weights = {t: 1.0 for t in tokenizer.query_tokens(text)}
    vector = BigramEmbedder().embed_queries(["query: " + text])
    passage = {index.chunks[0].chunk_id: 0.03, index.chunks[2].chunk_id: 0.01}
    m = ev.measure(vector, weights, passage)
    keep = lambda u: u.speaker != "唐杰"  # noqa: E731
    ranking = ev.score(m, 0.1, 0.5, keep)
    # the figures as they were computed before, for every unit
    dense = index.sentence_vectors @ vector.reshape(-1)
    total_w = sum(weights.values()) or 1.0
    kw = np.array([sum(w for t, w in weights.items() if t in set(tokenizer.tokens(u.text))) / total_w
                   for u in ev.units])
    prior = np.array([passage.get(u.chunk_id, 0.0) / 0.03 for u in ev.units])
    total = dense + 0.1 * kw + 0.5 * prior
    want = sorted(((-float(total[i]), i) for i, u in enumerate(ev.units) if keep(u)))
    assert ranking[0].i == want[0][1]                       # read lazily: the first one only
    assert [(-s.score, s.i) for s in ranking] == want       # then all of it
    assert len(ranking) == len(want) and ranking[1:3] == list(ranking)[1:3]
    pool = ev.units_of(speakers=["林俊旸"])
    assert [s.i for s in ev.score(m, 0.1, 0.5, keep, pool)] == [i for _, i in want if ev.units[i].speaker == "林俊旸"]


def test_above_flat_up_to_the_chunks_go_into_an_hnsw_graph_that_loads_and_ranks_the_same(tmp_path, monkeypatch):
    import faiss
    from index import store
    monkeypatch.setattr(store, "FLAT_UP_TO", 4)
    corpus = Corpus.load(_repeating_corpus(tmp_path / "corpus"))   # its talks twice: repeated vectors
    dest = build_index(corpus, BigramEmbedder(), SETTINGS, tmp_path / "index", progress=False)
    index = load_index(dest, expected_manifest(corpus, BigramEmbedder.name, SETTINGS))
    assert isinstance(index.vectors, DistinctGraph) and index.manifest["chunk_store"]["type"] == "hnsw"
    assert isinstance(index.vectors.graph, faiss.IndexHNSW)
    distinct = index.manifest["chunk_store"]["distinct_vectors"]
    assert distinct == index.vectors.graph.ntotal < index.vectors.ntotal == len(index.chunks)   # each vector once
    assert isinstance(index.sentence_vectors, np.memmap)     # read as answers need it
    r = HybridRetriever(index, BigramEmbedder(), Tokenizer.for_corpus(tmp_path / "corpus"), candidates=3)
    for text in QUESTIONS:   # a graph this small is searched exhaustively; filters search the flat vectors
        for speakers in (None, frozenset({"林俊旸", "姚顺雨"})):
            got = [(h.chunk.chunk_id, h.score, h.dense, h.keyword, h.found_by) for h in r.rank(query(text), speakers)]
            assert got == reference_rank(r, query(text), speakers)


def test_a_damaged_row_map_is_refused(tmp_path, monkeypatch):
    from index import store
    monkeypatch.setattr(store, "FLAT_UP_TO", 4)
    corpus = Corpus.load(small_corpus(tmp_path / "corpus"))
    dest = build_index(corpus, BigramEmbedder(), SETTINGS, tmp_path / "index", progress=False)
    rows = np.load(dest / store.ROWS)
    np.save(dest / store.ROWS, np.zeros_like(rows))
    with pytest.raises(store.IndexProblem, match="vector_rows.npy is damaged"):
        load_index(dest, expected_manifest(corpus, BigramEmbedder.name, SETTINGS))
