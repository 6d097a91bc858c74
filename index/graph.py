"""The chunk store of a large corpus: an HNSW graph over the chunks' distinct vectors.

Meetings repeat short turns ("Yeah.", "Okay.", "{vocalsound}"): in the 1x scale corpus 130,711
chunks have 87,821 distinct vectors, one of them 8,631 times. Identical points make an HNSW graph
useless around them (their links fill up with one another); its recall@30 against exact search was
0.50 with the duplicates and 0.87 over the distinct vectors (same M and efSearch; 120 questions).
So the graph holds each vector once, and `row_of` maps every chunk to its vector's row; a search
gives back chunk ids, every chunk of a row in id order, as a flat index over all chunks would.
"""
from __future__ import annotations

import faiss
import numpy as np


class DistinctGraph:
    """search(q, k), ntotal, d, like a FAISS index over one vector per chunk; `exact` searches
    some chunks only, exactly (in the graph's flat storage)."""

    def __init__(self, graph: faiss.IndexHNSW, row_of: np.ndarray):
        self.graph = graph
        self.row_of = np.asarray(row_of, dtype=np.int64)
        self.ntotal, self.d = len(self.row_of), graph.d
        self.flat = faiss.downcast_index(graph.storage)
        self._by_row = np.argsort(self.row_of, kind="stable")     # chunk ids grouped by row, in id order
        self._starts = np.searchsorted(self.row_of[self._by_row], np.arange(graph.ntotal + 1))

    @classmethod
    def build(cls, vectors: np.ndarray, m: int, ef_construction: int, ef_search: int) -> "DistinctGraph":
        rows, row_of = distinct_rows(vectors)
        graph = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = ef_construction
        graph.hnsw.efSearch = ef_search
        graph.add(np.ascontiguousarray(vectors[rows]))
        return cls(graph, row_of)

    def members(self, row: int) -> np.ndarray:
        return self._by_row[self._starts[row]:self._starts[row + 1]]

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.atleast_2d(queries)
        sims, rows = self.graph.search(queries, min(k, self.graph.ntotal))
        return self._expand(sims, rows, k)

    def exact(self, query: np.ndarray, chosen: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k most similar of the `chosen` chunks (ids), exactly: (similarities, chunk ids)."""
        query = np.atleast_2d(query)
        if len(chosen) == self.ntotal:   # every chunk: no selector to build
            sims, found = self.flat.search(query, max(1, min(k, self.graph.ntotal)))
            s, ids = self._expand(sims, found, k)
            return s[0], ids[0]
        allowed = np.zeros(self.ntotal, dtype=bool)
        allowed[chosen] = True
        rows = np.unique(self.row_of[chosen])
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows))
        sims, found = self.flat.search(query, max(1, min(k, len(rows))), params=params)
        s, ids = self._expand(sims, found, k, allowed)
        return s[0], ids[0]

    def _expand(self, sims: np.ndarray, rows: np.ndarray, k: int, allowed: np.ndarray | None = None):
        out_s = np.full((len(rows), k), np.finfo(np.float32).min, dtype=np.float32)
        out_i = np.full((len(rows), k), -1, dtype=np.int64)
        for q in range(len(rows)):
            n = 0
            for sim, row in zip(sims[q], rows[q]):
                if row < 0 or n >= k:
                    break
                ids = self.members(int(row))
                if allowed is not None:
                    ids = ids[allowed[ids]]
                ids = ids[:k - n]
                out_s[q, n:n + len(ids)], out_i[q, n:n + len(ids)] = sim, ids
                n += len(ids)
        return out_s, out_i


def distinct_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the position of each distinct vector's first occurrence, in order; each vector's row
    among them)."""
    keys = np.ascontiguousarray(vectors).view(np.dtype((np.void, vectors.shape[1] * vectors.itemsize))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.ravel()]
