"""index/embedding_cache.py: vectors kept by (model, prefix, text); a rebuild after a one-line
corpus change embeds only the chunks and sentence units that changed, and gives the same index
as a build without the cache."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from index.corpus import Corpus
from index.embedding_cache import EmbeddingCache, cache_key
from index.sentences import sentence_units
from index.store import build_index, corpus_chunks, embed_text, load_index, expected_manifest
from tests.test_store import SETTINGS, TALKS, BigramEmbedder, REPO


class Recording(BigramEmbedder):
    """The bigram embedder, remembering every text it was asked to embed."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def embed_documents(self, texts):
        self.seen += list(texts)
        return super().embed_documents(texts)


def test_keys_depend_on_model_prefix_and_text():
    keys = {cache_key("m", "passage: ", "text"), cache_key("m2", "passage: ", "text"),
            cache_key("m", "query: ", "text"), cache_key("m", "passage: ", "text2"),
            cache_key("m", "", "passage: text")}
    assert len(keys) == 5
    assert cache_key("m", "passage: ", "text") == cache_key("m", "passage: ", "text")


def test_round_trip_and_missing_keys(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    keys = [cache_key("m", "", t) for t in ("a", "b", "c")]
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.put(keys[:2], vecs[:2])
    got = cache.get(keys)
    assert set(got) == set(keys[:2])
    assert np.array_equal(got[keys[1]], vecs[1])
    assert cache.get(keys, dim=5) == {}     # another dimension counts as missing
    cache.close()
    assert len(EmbeddingCache(tmp_path / "e.sqlite")) == 2   # it is on disk


def test_put_refuses_a_count_mismatch(tmp_path):
    with pytest.raises(ValueError, match="expected 2 vectors, got an array of shape \\(1, 4\\)"):
        EmbeddingCache(tmp_path / "e.sqlite").put([b"a", b"b"], np.zeros((1, 4), np.float32))


def _corpus(tmp_path, text: str) -> Corpus:
    d = tmp_path / "corpus"
    d.mkdir(exist_ok=True)
    shutil.copy(REPO / "corpus" / "speakers.json", d)
    (d / "talks.md").write_text(text, encoding="utf-8")
    return Corpus.load(d)


def test_a_rebuild_after_a_one_line_change_embeds_only_what_changed(tmp_path):
    cache = EmbeddingCache(tmp_path / "home" / "embeddings.sqlite")
    first = Recording()
    corpus = _corpus(tmp_path, TALKS)
    build_index(corpus, first, SETTINGS, tmp_path / "home" / "index", progress=False, cache=cache)
    chunks = corpus_chunks(corpus, SETTINGS)
    units = sentence_units(chunks)
    # every distinct text once: the chunks' and the sentence units'
    assert sorted(first.seen) == sorted({embed_text(c) for c in chunks} | {u.text for u in units})

    line = "林俊旸：我同意，开源社区的反馈非常重要。我们每天都在看。"
    changed = TALKS.replace(line, "林俊旸：我同意，开源社区的反馈非常关键。我们每天都在看。")
    assert changed != TALKS
    corpus2 = _corpus(tmp_path, changed)
    second = Recording()
    dest = build_index(corpus2, second, SETTINGS, tmp_path / "home" / "index", progress=False, cache=cache)
    chunks2 = corpus_chunks(corpus2, SETTINGS)
    new_texts = ({embed_text(c) for c in chunks2} | {u.text for u in sentence_units(chunks2)}) \
        - ({embed_text(c) for c in chunks} | {u.text for u in units})
    assert new_texts and sorted(second.seen) == sorted(new_texts)
    assert all("关键" in t for t in second.seen)

    # the same index as a build without the cache
    plain = build_index(corpus2, BigramEmbedder(), SETTINGS, tmp_path / "plain", progress=False)
    a = load_index(dest, expected_manifest(corpus2, BigramEmbedder.name, SETTINGS))
    b = load_index(plain, expected_manifest(corpus2, BigramEmbedder.name, SETTINGS))
    assert np.array_equal(a.vectors.reconstruct_n(0, a.vectors.ntotal), b.vectors.reconstruct_n(0, b.vectors.ntotal))
    assert np.array_equal(a.sentence_vectors, b.sentence_vectors)


def test_another_model_does_not_read_the_first_ones_vectors(tmp_path):
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    corpus = _corpus(tmp_path, TALKS)
    build_index(corpus, Recording(), SETTINGS, tmp_path / "index", progress=False, cache=cache)

    class Other(Recording):
        name = "test/other-model"
    other = Other()
    build_index(corpus, other, SETTINGS, tmp_path / "index", progress=False, cache=cache)
    assert other.seen   # nothing was taken from the first model's vectors
