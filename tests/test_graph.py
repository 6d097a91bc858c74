"""index/graph.py: the HNSW graph over distinct vectors answers as exact search over every chunk."""
import faiss
import numpy as np

from index.graph import DistinctGraph, distinct_rows


def _vectors(seed=0, distinct=200, n=600, d=16):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(distinct, d)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    picks = np.concatenate([np.arange(distinct), rng.integers(0, 5, n - distinct)])   # a few vectors repeated often
    return base[rng.permutation(picks)]


def test_distinct_rows_maps_every_vector_to_its_first_copy():
    v = _vectors()
    first, row_of = distinct_rows(v)
    assert len(first) == 200 and list(first) == sorted(first)
    assert np.array_equal(v[first][row_of], v)
    assert row_of[first[0]] == 0 and len(set(row_of.tolist())) == 200


def test_search_and_exact_give_what_a_flat_index_over_every_chunk_gives():
    v = _vectors()
    g = DistinctGraph.build(v, m=16, ef_construction=200, ef_search=400)   # exhaustive at this size
    flat = faiss.IndexFlatIP(v.shape[1])
    flat.add(v)
    q = _vectors(seed=1, distinct=10, n=10)
    for k in (1, 7, 40):
        sims, ids = g.search(q, k)
        want_sims, _ = flat.search(q, k)
        assert np.allclose(sims, want_sims, atol=1e-6)
        for row in range(len(q)):   # every chunk found is as similar as the graph says, ties in id order
            assert np.allclose(v[ids[row]] @ q[row], sims[row], atol=1e-6)
            for a, b in zip(ids[row][:-1], ids[row][1:]):
                assert sims[row][list(ids[row]).index(a)] > sims[row][list(ids[row]).index(b)] - 1e-6
    s, ids = g.exact(q[0], np.arange(600), 12)       # every chunk: the same as the graph's exhaustive search
    want_s, want_ids = g.search(q[:1], 12)
    assert np.allclose(s, want_s[0]) and ids.tolist() == want_ids[0].tolist()
    chosen = np.arange(0, 600, 3)
    s, ids = g.exact(q[0], chosen, 12)
    brute = sorted(((-float(v[i] @ q[0]), i) for i in chosen))[:12]
    assert set(ids.tolist()) <= set(chosen.tolist())
    assert np.allclose(s, [-x for x, _ in brute], atol=1e-6)


def test_nothing_chosen_finds_nothing():
    g = DistinctGraph.build(_vectors(), 16, 40, 64)
    s, ids = g.exact(_vectors(seed=2, distinct=1, n=1)[0], np.zeros(0, dtype=np.int64), 5)
    assert (ids == -1).all()
