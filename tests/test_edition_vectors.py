"""The renderings' vectors: made once, kept as .npy beside the index, and used so that an
English question meets English text in the dense ranking. A one-hot fake embedder makes the
cosines checkable by hand."""
import logging
from pathlib import Path

import faiss
import numpy as np

from index.edition import Edition, Unit
from index.edition_vectors import rendering_vectors
from index.records import Chunk
from index.store import Index
from index.tokens import Tokenizer
from rag.query import Query
from rag.retrieve import HybridRetriever

WORDS = ("apple", "banana", "甲", "乙")


class OneHot:
    """Each text is the unit vector of the first word of WORDS it holds (or of a fifth axis)."""

    def __init__(self):
        self.calls = 0

    def _vec(self, text):
        v = np.zeros(len(WORDS) + 1, dtype=np.float32)
        v[next((i for i, w in enumerate(WORDS) if w in text), len(WORDS))] = 1
        return v

    def embed_documents(self, texts):
        self.calls += 1
        return np.stack([self._vec(t) for t in texts])

    embed_queries = embed_documents


def test_a_text_left_empty_gets_a_zero_row_and_the_others_unit_vectors():
    v = rendering_vectors(["banana split", "", "apple pie"], OneHot(), "m")
    assert v.shape == (3, 5) and v.dtype == np.float32
    assert v[:, :2].tolist() == [[0, 1], [0, 0], [1, 0]] and not v[1].any()


def test_the_vectors_are_kept_and_read_back_without_embedding_again(tmp_path):
    fake = OneHot()
    first = rendering_vectors(["apple", "banana"], fake, "m", tmp_path, "en")
    files = list(tmp_path.glob("edition-en-*.npy"))
    assert len(files) == 1 and fake.calls == 1
    np.testing.assert_array_equal(np.load(files[0], allow_pickle=False), first)
    again = rendering_vectors(["apple", "banana"], fake, "m", tmp_path, "en")
    assert fake.calls == 1 and again.tolist() == first.tolist()


def test_another_text_or_model_is_another_file(tmp_path):
    fake = OneHot()
    rendering_vectors(["apple", "banana"], fake, "m", tmp_path, "en")
    changed = rendering_vectors(["apple", "apple"], fake, "m", tmp_path, "en")
    rendering_vectors(["apple", "banana"], fake, "other-model", tmp_path, "en")
    assert fake.calls == 3 and len(list(tmp_path.glob("edition-en-*.npy"))) == 3
    assert changed[1].tolist() == [1, 0, 0, 0, 0]


def test_a_damaged_file_is_embedded_again(tmp_path, caplog):
    fake = OneHot()
    rendering_vectors(["apple", "banana"], fake, "m", tmp_path, "en")
    file = next(tmp_path.glob("edition-en-*.npy"))
    file.write_bytes(b"not an array")
    with caplog.at_level(logging.WARNING):
        v = rendering_vectors(["apple", "banana"], fake, "m", tmp_path, "en")
    assert fake.calls == 2 and v[1].tolist() == [0, 1, 0, 0, 0]
    assert f"cannot read {file}" in caplog.text


def test_an_unwritable_cache_only_warns(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING):
        v = rendering_vectors(["apple"], OneHot(), "m", blocker / "sub", "en")
    assert v[0].tolist() == [1, 0, 0, 0, 0] and "cannot keep the edition vectors" in caplog.text


def _retriever(tmp_path):
    """Two chunks: 甲 (rendered "apple") and 乙 (rendered "banana")."""
    chunks = (Chunk.make("d", "A", "s", "talk", "甲。", 0, 2, 0), Chunk.make("d", "B", "s", "talk", "乙。", 2, 4, 1))
    fake = OneHot()
    vectors = faiss.IndexFlatIP(5)
    vectors.add(fake.embed_documents([c.text for c in chunks]))
    index = Index(tmp_path, {"model": "m"}, chunks, vectors)
    edition = Edition("d", "en", Path("d.en.jsonl"), (Unit(0, 2, "甲。", "An apple."), Unit(2, 4, "乙。", "A banana.")),
                      False)
    return HybridRetriever(index, fake, Tokenizer([], {}), candidates=2, editions={("d", "en"): edition},
                           cache_dir=tmp_path / "editions")


def _query(text, lang):
    return Query(text, lang, (), text, text, False)


def test_an_english_question_is_matched_against_the_renderings(tmp_path):
    r = _retriever(tmp_path)
    q = _query("the yellow one: banana?", "en")
    cross = r.dense.of(q.rewritten, [0, 1])
    assert cross == {0: 0.0, 1: 0.0}               # the originals share nothing with the question
    rankings = r.rankings(q, [0, 1], r.keyword.scores(q), None)
    assert [name for name, _ in rankings] == ["dense", "dense_en", "keyword_en"]
    assert rankings[1][1] == [1]                   # only B's rendering is about it
    hits = r.rank(q)
    assert hits[0].chunk.speaker == "B" and hits[0].found_by[:2] == ("dense", "dense_en")
    assert list((tmp_path / "editions").glob("edition-en-*.npy"))


def test_english_words_are_not_looked_for_in_the_originals():
    """A Chinese passage holding a Latin word ("AGI-Next") is not found by an English
    question's "next" through the original: the rendering carries the word too."""
    texts = [("A", "AGI-Next峰会。", "The AGI-Next summit."), ("B", "下一个。", "The next one."),
             ("C", "别的。", "Something else."), ("D", "还有。", "And more.")]
    chunks, units, at = [], [], 0
    for speaker, zh, en in texts:
        chunks.append(Chunk.make("d", speaker, "s", "talk", zh, at, at + len(zh), len(chunks)))
        units.append(Unit(at, at + len(zh), zh, en))
        at += len(zh)
    fake = OneHot()
    vectors = faiss.IndexFlatIP(5)
    vectors.add(fake.embed_documents([c.text for c in chunks]))
    edition = Edition("d", "en", Path("d.en.jsonl"), tuple(units), False)
    r = HybridRetriever(Index(Path("."), {"model": "m"}, tuple(chunks), vectors), fake, Tokenizer([], {}),
                        candidates=4, editions={("d", "en"): edition})
    q = _query("the next one", "en")
    original = r.keyword.scores(q)
    assert original[0] > 0 and original[1:].tolist() == [0, 0, 0]   # through the original: A alone
    hits = r.rank(q)
    assert hits[0].chunk.speaker == "B" and all("keyword" not in h.found_by for h in hits)
    zh = _query("下一个", "zh")
    assert [name for name, _ in r.rankings(zh, [0, 1, 2, 3], r.keyword.scores(zh), None)] == ["dense", "keyword"]


def test_a_question_in_the_originals_language_keeps_its_own_rankings(tmp_path):
    r = _retriever(tmp_path)
    q = _query("乙", "zh")
    ids, sims = r.dense.top(q.rewritten, 2)
    assert ids.tolist() == [1, 0] and sims.tolist() == [1.0, 0.0]
    rankings = r.rankings(q, ids.tolist(), r.keyword.scores(q), None)
    assert [name for name, _ in rankings] == ["dense", "keyword"] and rankings[0][1] == [1, 0]


class Bag:
    """Each text is the unit vector of its counts of the words of BAG (zero if it holds none)."""
    BAG = ("apple", "banana", "cherry", "date")

    def embed_documents(self, texts):
        v = np.array([[t.lower().count(w) for w in self.BAG] for t in texts], dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)

    embed_queries = embed_documents


def test_an_english_question_meets_the_rendering_of_a_chunks_closest_sentence():
    """A chunk scores as the rendering of its closest sentence: one sentence about just what
    is asked is not drowned by the chunk's other sentences. Rendered whole, chunk A ("Apple.
    Banana cherry date.") would lose to B ("Apple banana."): "apple" is 1/2 of A's words and
    1/√2 of B's."""
    from index.sentences import sentence_units
    chunks = (Chunk.make("d", "A", "s", "talk", "甲。乙丙丁。", 0, 6, 0), Chunk.make("d", "B", "s", "talk", "戊己。", 6, 9, 1))
    sentences = tuple(sentence_units(chunks))
    assert [(s.start, s.end) for s in sentences] == [(0, 2), (2, 6), (6, 9)]
    units = (Unit(0, 2, "甲。", "Apple."), Unit(2, 6, "乙丙丁。", "Banana cherry date."),
             Unit(6, 9, "戊己。", "Apple banana."))
    fake = Bag()
    vectors = faiss.IndexFlatIP(4)
    vectors.add(fake.embed_documents([c.text for c in chunks]))
    index = Index(Path("."), {"model": "m"}, chunks, vectors, sentences=sentences)
    r = HybridRetriever(index, fake, Tokenizer([], {}), candidates=2,
                        editions={("d", "en"): Edition("d", "en", Path("d.en.jsonl"), units, False)})
    q = _query("apple", "en")
    rankings = dict(r.rankings(q, [], r.keyword.scores(q), None))
    assert rankings["dense_en"] == [0, 1]


def test_a_sentence_two_overlapping_chunks_share_counts_for_both():
    """Overlapping chunks share sentences, which the index lists once (under the first chunk):
    the later chunk, which opens with the shared sentence, scores by it too."""
    from index.sentences import sentence_units
    chunks = (Chunk.make("d", "A", "s", "talk", "甲。乙丙丁。", 0, 6, 0), Chunk.make("d", "A", "s", "talk", "乙丙丁。戊己。", 2, 9, 0))
    sentences = tuple(sentence_units(chunks))
    assert [(s.start, s.end) for s in sentences] == [(0, 2), (2, 6), (6, 9)]
    units = (Unit(0, 2, "甲。", "Cherry."), Unit(2, 6, "乙丙丁。", "Apple."), Unit(6, 9, "戊己。", "Date."))
    fake = Bag()
    vectors = faiss.IndexFlatIP(4)
    vectors.add(fake.embed_documents([c.text for c in chunks]))
    r = HybridRetriever(Index(Path("."), {"model": "m"}, chunks, vectors, sentences=sentences), fake,
                        Tokenizer([], {}), candidates=2,
                        editions={("d", "en"): Edition("d", "en", Path("d.en.jsonl"), units, False)})
    q = _query("apple", "en")
    assert sorted(dict(r.rankings(q, [], r.keyword.scores(q), None))["dense_en"]) == [0, 1]
