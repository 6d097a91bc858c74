"""index/store.py: the index folder round-trips, refuses every kind of damage with one line,
is rebuilt by `ensure_index` without touching the corpus, and survives concurrent and killed
builds. A deterministic bigram-hash embedder stands in for the model (its numbers can be
worked out by hand); one slow test damages a copy of the real index."""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import faiss
import numpy as np
import pytest

from index import store
from index.chunk import CHUNKER_VERSION, ChunkSettings
from index.corpus import Corpus
from index.records import stable_id
from index.sentences import sentence_units
from index.store import (CHUNKS, MANIFEST, VECTORS, IndexProblem, build_index, check_chunks_match,
                         corpus_chunks, ensure_index, expected_manifest, load_index)

REPO = Path(__file__).resolve().parent.parent
SETTINGS = ChunkSettings(40, 10)
BATCHES_PER_BUILD = 2   # the small corpus: one batch of chunks, one of their sentences
TALKS = """# 小型测试稿

## 唐杰

我们做了很多模型。大模型的下一步是让机器学会做事。

强化学习让模型能够在环境里自己探索，这是从Chat走向做事的转折点。

## 圆桌对话

李广密：大家怎么看开源？

姚顺雨：开源让更多人能够用上好的模型，这是好事。

林俊旸：我同意，开源社区的反馈非常重要。我们每天都在看。
"""


class BigramEmbedder:
    """Character bigrams, hashed with crc32 into 64 buckets, counted and L2-normalised.

    "唐杰唐杰" has the bigrams 唐杰, 杰唐, 唐杰: 2 in one bucket and 1 in another, over sqrt(5).
    `delay` seconds a batch make builds overlap in time; `fail_at` raises on that batch;
    `log` collects (start, end) of every batch, to show that two builds never interleave."""

    name = "test/bigram-hash-64"
    dim = 64

    def __init__(self, delay: float = 0.0, fail_at: int | None = None, marker: Path | None = None):
        self.delay, self.fail_at, self.marker = delay, fail_at, marker
        self.batches = 0
        self.texts = 0
        self.log: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    @staticmethod
    def bucket(gram: str) -> int:
        return zlib.crc32(gram.encode("utf-8", "surrogatepass")) % 64

    def vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        grams = [text[i:i + 2] for i in range(len(text) - 1)] or [text]
        for g in grams:
            v[self.bucket(g)] += 1
        norm = np.linalg.norm(v)
        return v / norm if norm else np.eye(self.dim, dtype=np.float32)[0]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        t0 = time.monotonic()
        with self._lock:
            self.batches += 1
            batch = self.batches
            self.texts += len(texts)
        if self.marker is not None:
            self.marker.write_text(str(batch))
        if self.fail_at == batch:
            raise RuntimeError(f"embedder failed on batch {batch}")
        time.sleep(self.delay)
        out = np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        self.log.append((t0, time.monotonic()))
        return out

    embed_queries = embed_documents


# ----------------------------------------------------------------- helpers and fixtures

def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative name -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir() if p.name.startswith(f".{dest.name}-"))


def load_checked(dest: Path, corpus: Corpus, model: str = BigramEmbedder.name, settings=SETTINGS):
    index = load_index(dest, expected_manifest(corpus, model, settings))
    check_chunks_match(index, corpus, settings)
    return index


def assert_fresh(index, corpus: Corpus, settings=SETTINGS) -> None:
    """The index is exactly what a build of `corpus` gives: chunks, order and vectors."""
    chunks = corpus_chunks(corpus, settings)
    assert index.chunks == tuple(chunks)
    want = BigramEmbedder().embed_documents([store.embed_text(c) for c in chunks])
    assert np.array_equal(index.vectors.reconstruct_n(0, index.vectors.ntotal), want)


def read_lines(dest: Path) -> list[str]:
    return (dest / CHUNKS).read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(dest: Path, lines: list[str]) -> None:
    (dest / CHUNKS).write_text("".join(lines), encoding="utf-8")


def edit_chunk(dest: Path, n: int, **changes) -> None:
    """Change fields of chunk line `n` (1-based); `rehash=True` keeps its id consistent."""
    lines = read_lines(dest)
    obj = json.loads(lines[n - 1])
    rehash = changes.pop("rehash", False)
    obj.update(changes)
    if rehash:
        obj["chunk_id"] = stable_id(obj["doc_id"], obj["start"], obj["end"])
    lines[n - 1] = json.dumps(obj, ensure_ascii=False) + "\n"
    write_lines(dest, lines)


def edit_manifest(dest: Path, **changes) -> None:
    m = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    m.update(changes)
    (dest / MANIFEST).write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


def drop_checksums(dest: Path) -> None:
    """Make the manifest like one written before checksums were recorded (e.g. var/index)."""
    m = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    m.pop("files")
    (dest / MANIFEST).write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


def write_flat(dest: Path, vectors: np.ndarray, kind=faiss.IndexFlatIP) -> None:
    flat = kind(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, np.float32))
    faiss.write_index(flat, str(dest / VECTORS))


def stored_vectors(dest: Path) -> np.ndarray:
    v = faiss.read_index(str(dest / VECTORS))
    return v.reconstruct_n(0, v.ntotal)


def flip_vector_byte(dest: Path) -> None:
    """Flip the top byte (sign and exponent) of one float of the second vector."""
    data = bytearray((dest / VECTORS).read_bytes())
    n = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))["chunk_count"]
    data[len(data) - (n - 1) * 64 * 4 + 3] ^= 0xFF
    (dest / VECTORS).write_bytes(bytes(data))


def small_corpus(d: Path, *also: str) -> Path:
    """A corpus folder `d` holding the small talks (TALKS) and the project's speakers file, and
    the project's corpus files named in `also` ("background.txt")."""
    d.mkdir(parents=True)
    for name in ("speakers.json", *also):
        shutil.copy(REPO / "corpus" / name, d)
    (d / "talks.md").write_text(TALKS, encoding="utf-8")
    return d


@pytest.fixture
def corpus_dir(tmp_path) -> Path:
    return small_corpus(tmp_path / "corpus")


@pytest.fixture
def corpus(corpus_dir) -> Corpus:
    return Corpus.load(corpus_dir)


@pytest.fixture
def dest(tmp_path, corpus) -> Path:
    """A freshly built index of the small corpus."""
    return build_index(corpus, BigramEmbedder(), SETTINGS, tmp_path / "home" / "index", progress=False)


@pytest.fixture
def real_corpus(tmp_path) -> Corpus:
    """A copy of the project corpus (82 chunks at the default settings: six batches of 16)."""
    return Corpus.load(shutil.copytree(REPO / "corpus", tmp_path / "real-corpus"))


# ----------------------------------------------------------------- the fake embedder and a round trip

def test_fake_embedder_numbers_can_be_worked_out():
    e = BigramEmbedder()
    a, b = e.bucket("唐杰"), e.bucket("杰唐")
    assert (a, b) == (zlib.crc32("唐杰".encode()) % 64, zlib.crc32("杰唐".encode()) % 64) and a != b
    v = e.vector("唐杰唐杰")
    assert v[a] == pytest.approx(2 / 5 ** 0.5) and v[b] == pytest.approx(1 / 5 ** 0.5)
    assert np.count_nonzero(v) == 2
    # cosine("唐杰唐杰", "唐杰") = 2 / sqrt(5): the one shared bigram, counted twice
    assert float(v @ e.vector("唐杰")) == pytest.approx(2 / 5 ** 0.5)


def test_round_trip_gives_identical_chunks_and_vectors(tmp_path, real_corpus):
    embedder = BigramEmbedder()
    settings = ChunkSettings()
    dest = build_index(real_corpus, embedder, settings, tmp_path / "index", progress=False)
    # 82 chunks in batches of 16, their 275 sentences in batches of 16, then the background sentences
    assert embedder.batches == 6 + 18 + 1
    index = load_checked(dest, real_corpus, settings=settings)
    chunks = corpus_chunks(real_corpus, settings)
    assert len(chunks) == 82 and index.chunks == tuple(chunks)
    assert np.array_equal(index.vectors.reconstruct_n(0, 82),
                          embedder.embed_documents([store.embed_text(c) for c in chunks]))
    assert index.dim == 64
    m = index.manifest
    assert (m["model"], m["dimension"], m["chunk_count"], m["corpus_hash"]) == (
        "test/bigram-hash-64", 64, 82, real_corpus.fingerprint)
    assert m["files"] == {name: store.file_sha256(dest / name)
                          for name in (VECTORS, CHUNKS, store.SENTENCES, store.BACKGROUND)}
    units = sentence_units(chunks)
    assert m["sentence_count"] == len(units) == len(index.sentences) == 275 and index.sentences == tuple(units)
    assert np.array_equal(index.sentence_vectors, embedder.embed_documents([u.text for u in units]))
    assert np.array_equal(index.background, embedder.embed_documents(list(real_corpus.background)))
    # A nearest-neighbour search finds a chunk from its own text.
    _, ids = index.vectors.search(embedder.embed_queries([store.embed_text(chunks[5])]), 1)
    assert index.chunks[ids[0][0]] == chunks[5]
    # Loading again does not rebuild.
    before = embedder.batches
    assert ensure_index(real_corpus, embedder, settings, dest, progress=False).chunks == index.chunks
    assert embedder.batches == before


def test_index_folder_holds_no_pickle_and_readable_utf8(tmp_path, real_corpus):
    dest = build_index(real_corpus, BigramEmbedder(), ChunkSettings(), tmp_path / "index", progress=False)
    assert sorted(p.name for p in dest.iterdir()) == [store.BACKGROUND, CHUNKS, MANIFEST, store.SENTENCES, VECTORS]
    assert leftovers(dest) == []
    for p in dest.iterdir():
        assert not p.read_bytes().startswith(b"\x80"), f"{p.name} looks like a pickle"
    assert (dest / VECTORS).read_bytes()[:4] == b"IxFI"  # faiss.write_index of an IndexFlatIP
    manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == store.FORMAT_VERSION
    raw = (dest / CHUNKS).read_bytes()
    text = raw.decode("utf-8")
    assert "唐杰" in text and "\\u" not in text  # Chinese written as is, not escaped
    assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
    assert len(text.splitlines()) == 82


# ----------------------------------------------------------------- faults: detected, explained, rebuilt

# (id, damage, message) for an index whose manifest records no checksums (as indexes built
# before checksums were added, var/index among them): each specific check has to catch it.
FAULTS = [
    ("index folder missing", lambda d: shutil.rmtree(d), r"^no index at \S+index$"),
    ("index path is a file", lambda d: (shutil.rmtree(d), d.write_text("x")), r"^no index at \S+index$"),
    ("manifest missing", lambda d: (d / MANIFEST).unlink(), r"no index at \S+ \(no manifest\.json\)"),
    ("manifest garbled", lambda d: (d / MANIFEST).write_text("{not json", encoding="utf-8"),
     r"unreadable manifest \S+manifest\.json: Expecting property name"),
    ("manifest truncated", lambda d: (d / MANIFEST).write_bytes((d / MANIFEST).read_bytes()[:30]),
     r"unreadable manifest \S+manifest\.json: "),
    ("manifest not an object", lambda d: (d / MANIFEST).write_text("[]"),
     r"unreadable manifest .*: a JSON object expected, found list"),
    ("manifest of another model", lambda d: edit_manifest(d, model="BAAI/bge-m3"),
     r"index was built with model 'BAAI/bge-m3', the configured model is 'test/bigram-hash-64'"),
    ("manifest of another corpus", lambda d: edit_manifest(d, corpus_hash="0123456789abcdef" * 4),
     r"index was built from another corpus \(fingerprint 0123456789ab…, the corpus is now \w{12}…\)"),
    ("manifest of other chunk settings",
     lambda d: edit_manifest(d, chunker={"version": CHUNKER_VERSION, "size": 300, "overlap": 60}),
     rf"index was built with chunker=\{{'version': {CHUNKER_VERSION}, 'size': 300, 'overlap': 60\}}, "
     rf"now \{{'version': {CHUNKER_VERSION}, 'size': 40, 'overlap': 10\}}"),
    ("manifest of another format", lambda d: edit_manifest(d, format_version=0),
     r"index has format version 0, this code reads version 4"),
    ("manifest count off", lambda d: edit_manifest(d, chunk_count=6),
     r"index is inconsistent: 5 chunks, 5 vectors, manifest says 6"),
    ("vectors missing", lambda d: (d / VECTORS).unlink(), r"index file missing: \S+vectors\.faiss"),
    ("vectors empty", lambda d: (d / VECTORS).write_bytes(b""), r"unreadable FAISS file \S+vectors\.faiss: .*read error"),
    ("vectors truncated", lambda d: (d / VECTORS).write_bytes((d / VECTORS).read_bytes()[:700]),
     r"unreadable FAISS file \S+vectors\.faiss: .*read error"),
    ("vectors garbage", lambda d: (d / VECTORS).write_bytes(b"not a faiss file\n" * 80),
     r"unreadable FAISS file \S+vectors\.faiss: Index type 0x20746f6e \(\"not \"\) not recognized"),
    ("vector byte flipped", flip_vector_byte, r"vectors\.faiss is damaged: vector 1 has length [\d.e+]+, not 1"),
    ("vectors fewer", lambda d: write_flat(d, stored_vectors(d)[:4]),
     r"index is inconsistent: 5 chunks, 4 vectors, manifest says 5"),
    ("vectors of another dimension", lambda d: write_flat(d, np.eye(5, 32, dtype=np.float32)),
     r"index vectors have dimension 32, manifest says 64"),
    ("vectors not inner product", lambda d: write_flat(d, stored_vectors(d), faiss.IndexFlatL2),
     r"vectors\.faiss is a IndexFlatL2, not a flat or HNSW inner-product index"),
    ("chunks missing", lambda d: (d / CHUNKS).unlink(), r"index file missing: \S+chunks\.jsonl"),
    ("chunk line dropped", lambda d: write_lines(d, read_lines(d)[:-1]),
     r"index is inconsistent: 4 chunks, 5 vectors, manifest says 5"),
    ("chunk line garbled", lambda d: write_lines(d, [read_lines(d)[0], '{"chunk_id": "x", \n'] + read_lines(d)[2:]),
     r"chunks\.jsonl line 2: not valid JSON: Expecting property name enclosed in double quotes \(column 19\)"),
    ("chunk line cut short", lambda d: write_lines(d, read_lines(d)[:2] + [read_lines(d)[2][:45] + "\n"] + read_lines(d)[3:]),
     r"chunks\.jsonl line 3: not valid JSON: Unterminated string starting at \(column 44\)"),
    ("chunk line not an object", lambda d: write_lines(d, ["[1, 2]\n"] + read_lines(d)[1:]),
     r"chunks\.jsonl line 1: a JSON object expected, found list"),
    ("chunk line not UTF-8", lambda d: (d / CHUNKS).write_bytes(
        (d / CHUNKS).read_bytes().replace("唐杰".encode(), "唐杰".encode("gb18030"), 1)),
     r"chunks\.jsonl line 1: not valid UTF-8 \(byte \d+\)"),
    ("chunk field of wrong type", lambda d: edit_chunk(d, 2, start="0"),
     r"chunks\.jsonl line 2: field 'start' must be int, found '0'"),
    ("chunk field missing", lambda d: edit_chunk(d, 4, speaker=None),
     r"chunks\.jsonl line 4: field 'speaker' must be str, found None"),
    ("chunk id not its offsets", lambda d: edit_chunk(d, 3, start=0),
     r"chunks\.jsonl line 3: chunk id \w+ does not match its document and offsets"),
    ("chunk text edited", lambda d: edit_chunk(d, 2, text="强化学习让模型能够在环境里自己探索，这是从对话走向做事的转折点。"),
     r"chunks\.jsonl line 2: chunk \w+ no longer matches talks\[\d+:\d+\]"),
    ("chunk of an unknown document", lambda d: edit_chunk(d, 1, doc_id="other", rehash=True),
     r"chunks\.jsonl line 1: document 'other' is not in the corpus"),
    ("chunk speaker edited", lambda d: edit_chunk(d, 4, speaker="唐杰"),
     r"chunks\.jsonl line 4: chunk \w+ is not the chunk the corpus gives there \(\w+, 姚顺雨, talks\["),
    ("chunk lines swapped", lambda d: write_lines(d, [read_lines(d)[1], read_lines(d)[0]] + read_lines(d)[2:]),
     r"chunks\.jsonl line 1: chunk \w+ is not the chunk the corpus gives there"),
]


@pytest.mark.parametrize("damage, message", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_fault_is_detected_explained_in_one_line_and_rebuilt(dest, corpus, corpus_dir, damage, message):
    drop_checksums(dest)
    damage(dest)
    with pytest.raises(IndexProblem, match=message) as err:
        load_checked(dest, corpus)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300
    before = snapshot(corpus_dir)
    embedder = BigramEmbedder()
    index = ensure_index(corpus, embedder, SETTINGS, dest, progress=False)
    assert embedder.batches == BATCHES_PER_BUILD  # rebuilt
    assert_fresh(index, corpus)
    assert_fresh(load_checked(dest, corpus), corpus)
    assert snapshot(corpus_dir) == before  # the corpus is only read
    assert leftovers(dest) == []


DATA_FAULTS = [f for f in FAULTS if f[0] in (
    "vectors truncated", "vector byte flipped", "vectors fewer", "chunk line dropped", "chunk text edited",
    "chunk speaker edited", "chunk lines swapped", "chunk line garbled")]


@pytest.mark.parametrize("damage", [f[1] for f in DATA_FAULTS], ids=[f[0] for f in DATA_FAULTS])
def test_checksums_catch_changed_data_files_first(dest, corpus, damage):
    damage(dest)
    with pytest.raises(IndexProblem, match=r"(vectors\.faiss|chunks\.jsonl) is damaged or was changed after "
                                           r"the build \(sha256 \w{12}…, manifest says \w{12}…\)"):
        load_checked(dest, corpus)
    assert_fresh(ensure_index(corpus, BigramEmbedder(), SETTINGS, dest, progress=False), corpus)


def test_a_file_gone_while_reading_is_a_one_line_problem(dest, corpus, monkeypatch):
    """A build moved a new index into place while this one was read: a problem to retry, not a crash."""
    def gone(path):
        raise FileNotFoundError(2, "No such file or directory", str(path))
    monkeypatch.setattr(store, "_read_chunks", gone)
    with pytest.raises(IndexProblem, match=r"changed while it was read \(chunks\.jsonl went away\)"):
        load_checked(dest, corpus)


def test_index_of_another_corpus_is_rebuilt_for_this_one(dest, corpus, corpus_dir):
    (corpus_dir / "talks.md").write_text(TALKS + "\n姚顺雨：我再补充一句，开源也是一种责任。\n", encoding="utf-8")
    grown = Corpus.load(corpus_dir)
    with pytest.raises(IndexProblem, match="index was built from another corpus"):
        load_checked(dest, grown)
    index = ensure_index(grown, BigramEmbedder(), SETTINGS, dest, progress=False)
    assert len(index.chunks) == 6 and index.chunks[-1].text == "我再补充一句，开源也是一种责任。"
    assert_fresh(index, grown)


def test_index_of_another_model_is_rebuilt_for_this_one(dest, corpus):
    class Other(BigramEmbedder):
        name = "BAAI/bge-small-zh-v1.5"
    with pytest.raises(IndexProblem, match="built with model 'test/bigram-hash-64', the configured model is "
                                           "'BAAI/bge-small-zh-v1.5'"):
        load_checked(dest, corpus, model=Other.name)
    index = ensure_index(corpus, Other(), SETTINGS, dest, progress=False)
    assert index.manifest["model"] == "BAAI/bge-small-zh-v1.5"


def test_a_rebuild_that_cannot_be_done_is_refused_with_instructions(tmp_path, corpus):
    blocker = tmp_path / "home"
    blocker.write_text("a file where the home folder should be")
    with pytest.raises(IndexProblem) as err:
        ensure_index(corpus, BigramEmbedder(), SETTINGS, blocker / "index", progress=False)
    msg = str(err.value)
    assert msg.startswith(f"no index at {blocker / 'index'}; rebuilding it failed (")
    assert "RAG_HOME" in msg and "python -m rag build" in msg and "\n" not in msg


@pytest.mark.parametrize("vectors, message", [
    (lambda n: np.ones((n, 64), np.float32), r"returned a vector of length 8 for chunk \w+; embeddings must be "
                                             r"finite and L2-normalised"),
    (lambda n: np.full((n, 64), np.nan, np.float32), r"returned a vector of length nan"),
    (lambda n: np.eye(n - 1, 64, dtype=np.float32), r"returned an array of shape \(4, 64\) for 5 chunks"),
])
def test_an_embedder_giving_bad_vectors_is_refused_and_the_old_index_kept(dest, corpus, vectors, message):
    before = snapshot(dest)

    class Bad(BigramEmbedder):
        def embed_documents(self, texts):
            return vectors(len(texts))
    with pytest.raises(IndexProblem, match=message):
        build_index(corpus, Bad(), SETTINGS, dest, progress=False)
    assert snapshot(dest) == before and leftovers(dest) == []


# ----------------------------------------------------------------- concurrent builds

def test_two_threads_building_at_once_take_turns(tmp_path, real_corpus):
    dest = tmp_path / "index"
    embedders = [BigramEmbedder(delay=0.02), BigramEmbedder(delay=0.02)]
    start = threading.Barrier(3)
    errors: list[BaseException] = []
    outcomes: list[str] = []
    done = threading.Event()

    def build(e):
        start.wait()
        try:
            build_index(real_corpus, e, ChunkSettings(), dest, progress=False)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    def read():
        start.wait()
        while not done.is_set():  # a reader during the builds sees an index or a one-line problem
            try:
                load_checked(dest, real_corpus, settings=ChunkSettings())
                outcomes.append("index")
            except IndexProblem:
                outcomes.append("problem")
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
                return

    threads = [threading.Thread(target=build, args=(e,)) for e in embedders]
    reader = threading.Thread(target=read)
    for t in threads + [reader]:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    reader.join(60)
    assert errors == []
    first, second = sorted(embedders, key=lambda e: e.log[0][0])
    assert first.log[-1][1] <= second.log[0][0], "the two builds embedded at the same time"
    assert "index" in outcomes
    assert_fresh(load_checked(dest, real_corpus, settings=ChunkSettings()), real_corpus, ChunkSettings())
    assert leftovers(dest) == []


def test_threads_ensuring_a_missing_index_build_it_once(tmp_path, corpus):
    dest = tmp_path / "index"
    embedder = BigramEmbedder(delay=0.1)
    start = threading.Barrier(4)
    results = []

    def ensure():
        start.wait()
        results.append(ensure_index(corpus, embedder, SETTINGS, dest, progress=False))

    threads = [threading.Thread(target=ensure) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 4 and all(r.chunks == results[0].chunks for r in results)
    assert embedder.batches == BATCHES_PER_BUILD  # the others found the index built while they waited for the lock


SCRIPT = r"""
import sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from index import store
from index.chunk import ChunkSettings
from index.corpus import Corpus
from test_store import BigramEmbedder
mode, corpus_dir, dest, marker = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
embedder = BigramEmbedder(delay=float(sys.argv[6]), marker=marker if mode == "embedding" else None)
if mode == "before-swap":  # stop once the new index is written aside, before it is moved in
    def swap(tmp, dest):
        marker.write_text("written")
        time.sleep(600)
    store._swap_into_place = swap
if mode == "between-renames":  # stop after the old index is moved aside
    real_replace = store.os.replace
    def replace(a, b):
        real_replace(a, b)
        if "-old-" in str(b):
            marker.write_text("moved aside")
            time.sleep(600)
    store.os.replace = replace
store.build_index(Corpus.load(corpus_dir), embedder, ChunkSettings(), dest, progress=False)
print(" ".join(f"{a}:{b}" for a, b in embedder.log))
"""


def run_build(mode: str, corpus: Corpus, dest: Path, marker: Path, delay: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(REPO), mode, str(corpus.directory), str(dest),
                             str(marker), str(delay)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the build never got there"
        time.sleep(0.02)


def test_two_processes_building_at_once_take_turns(tmp_path, real_corpus):
    dest = tmp_path / "index"
    procs = [run_build("plain", real_corpus, dest, tmp_path / f"m{i}", delay=0.05) for i in range(2)]
    logs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        logs.append([tuple(map(float, span.split(":"))) for span in out.split()])
    first, second = sorted(logs)
    assert len(first) == len(second) == 6 + 18 + 1  # batches of chunks, of their sentences, of background sentences
    assert first[-1][1] <= second[0][0], "the two processes embedded at the same time"
    assert_fresh(load_checked(dest, real_corpus, settings=ChunkSettings()), real_corpus, ChunkSettings())
    assert leftovers(dest) == []


@pytest.fixture
def old_index(tmp_path, real_corpus) -> Path:
    return build_index(real_corpus, BigramEmbedder(), ChunkSettings(), tmp_path / "index", progress=False)


def test_build_killed_while_embedding_leaves_the_old_index(tmp_path, real_corpus, old_index, monkeypatch):
    before = snapshot(old_index)
    marker = tmp_path / "embedding"
    proc = run_build("embedding", real_corpus, old_index, marker, delay=0.5)
    wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(old_index) == before
    assert_fresh(load_checked(old_index, real_corpus, settings=ChunkSettings()), real_corpus, ChunkSettings())
    monkeypatch.setattr(store, "LOCK_TIMEOUT", 5)  # the dead process's lock is gone with it
    build_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)
    assert leftovers(old_index) == []


def test_build_killed_before_the_swap_leaves_the_old_index_and_the_next_build_cleans_up(
        tmp_path, real_corpus, old_index):
    before = snapshot(old_index)
    marker = tmp_path / "written"
    proc = run_build("before-swap", real_corpus, old_index, marker)
    wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stray = leftovers(old_index)
    assert len(stray) == 1 and stray[0].startswith(".index-build-")
    assert snapshot(old_index) == before
    load_checked(old_index, real_corpus, settings=ChunkSettings())
    build_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)
    assert leftovers(old_index) == []


def test_a_start_after_a_killed_build_removes_its_folder_without_rebuilding(tmp_path, real_corpus, old_index):
    marker = tmp_path / "written"
    proc = run_build("before-swap", real_corpus, old_index, marker)
    wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert [n[:13] for n in leftovers(old_index)] == [".index-build-"]
    embedder = BigramEmbedder()
    ensure_index(real_corpus, embedder, ChunkSettings(), old_index, progress=False)  # what a start does
    assert embedder.batches == 0 and leftovers(old_index) == []


def test_a_start_leaves_the_folder_of_a_build_in_progress(tmp_path, real_corpus, old_index):
    from filelock import FileLock
    running = old_index.parent / ".index-build-running"
    running.mkdir()
    with FileLock(str(old_index.parent / ".index.lock")):  # another process is building
        ensure_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)
        assert running.is_dir()
    ensure_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)
    assert not running.exists()


def test_build_killed_between_the_renames_gets_the_old_index_back(tmp_path, real_corpus, old_index):
    before = snapshot(old_index)
    marker = tmp_path / "moved"
    proc = run_build("between-renames", real_corpus, old_index, marker)
    wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert not old_index.exists()
    assert sorted(n.split("-")[1] for n in leftovers(old_index)) == ["build", "old"]
    with pytest.raises(IndexProblem, match="no index at"):
        load_checked(old_index, real_corpus, settings=ChunkSettings())
    embedder = BigramEmbedder()
    index = ensure_index(real_corpus, embedder, ChunkSettings(), old_index, progress=False)
    assert embedder.batches == 0  # put back, not rebuilt
    assert snapshot(old_index) == before and leftovers(old_index) == []
    assert_fresh(index, real_corpus, ChunkSettings())


def test_embedder_failing_mid_build_leaves_the_old_index_and_no_temp_folder(real_corpus, old_index):
    before = snapshot(old_index)
    with pytest.raises(RuntimeError, match="embedder failed on batch 3"):
        build_index(real_corpus, BigramEmbedder(fail_at=3), ChunkSettings(), old_index, progress=False)
    assert snapshot(old_index) == before and leftovers(old_index) == []
    load_checked(old_index, real_corpus, settings=ChunkSettings())
    build_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)  # lock released


def test_writing_failing_mid_build_leaves_the_old_index_and_no_temp_folder(real_corpus, old_index, monkeypatch):
    before = snapshot(old_index)

    def disk_full(index, path):
        Path(path).write_bytes(b"IxFI partial")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(store.faiss, "write_index", disk_full)
    with pytest.raises(OSError, match="No space left"):
        build_index(real_corpus, BigramEmbedder(), ChunkSettings(), old_index, progress=False)
    assert snapshot(old_index) == before and leftovers(old_index) == []


def test_stale_folders_of_killed_builds_are_removed_by_the_next_build(dest, corpus):
    parent = dest.parent
    for name in (".index-build-k1l2", ".index-old-123-456"):
        (parent / name).mkdir()
        (parent / name / VECTORS).write_bytes(b"partial")
    shutil.copytree(dest, parent / ".index-old-999-1")  # a complete old copy, while dest exists
    (parent / "index-notes").mkdir()                    # not ours: left alone
    (parent / ".other-build-x").mkdir()
    build_index(corpus, BigramEmbedder(), SETTINGS, dest, progress=False)
    assert leftovers(dest) == []
    assert {p.name for p in parent.iterdir()} == {"index", ".index.lock", "index-notes", ".other-build-x"}
    assert_fresh(load_checked(dest, corpus), corpus)


# ----------------------------------------------------------------- the real model, a copy of the real index

@pytest.mark.slow
def test_corrupted_vectors_in_a_copy_of_the_real_index_are_detected_and_rebuilt(pipeline, tmp_path):
    real = pipeline.config.index_dir
    real_before = snapshot(real)
    copy = shutil.copytree(real, tmp_path / "index")
    cfg = pipeline.config
    settings = ChunkSettings(cfg.chunk_size, cfg.chunk_overlap)
    expected = expected_manifest(pipeline.corpus, pipeline.embedder.name, settings)
    original = stored_vectors(copy)
    data = (copy / VECTORS).read_bytes()
    (copy / VECTORS).write_bytes(data[:len(data) // 2])
    with pytest.raises(IndexProblem, match=r"(unreadable FAISS file|vectors\.faiss is damaged)"):
        load_index(copy, expected)
    index = ensure_index(pipeline.corpus, pipeline.embedder, settings, copy, progress=False)
    assert index.chunks == pipeline.index.chunks
    assert np.allclose(index.vectors.reconstruct_n(0, index.vectors.ntotal), original, atol=1e-4)
    assert snapshot(real) == real_before  # the real index was never touched
