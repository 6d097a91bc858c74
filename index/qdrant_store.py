"""The index in Qdrant (RAG_STORE=qdrant:PATH or http(s)://HOST:PORT) through its official
client: the same chunks, vectors and manifest checks as the FAISS folder of index.store.

    rag-index                      an alias: the chunk collection of the build that serves
    rag-index-<build>              one point per chunk: id = its position, payload = the chunk,
                                   vector = its embedding; the manifest is the collection's metadata
    rag-index-<build>-sentences    one point per sentence unit (index.sentences), in unit order
    rag-index-<build>-background   the corpus's off-topic reference sentences, if it has any

A build embeds first, then writes new collections and moves the alias in one request at the
end, so a build that fails or is killed leaves the previous one serving. Collections of other
builds are removed after a build and at a start that found the index sound: in local mode all
of them (the client holds the folder alone); on a server the build the current one replaced is
kept (replicas not yet restarted still read it) and others only once they are STALE_AFTER old
(a younger one may be another replica's build in progress).

Search is exact, as FAISS's flat index is: local mode always scans every vector; on a server a
collection of up to EXACT_UP_TO points is searched with exact=True (a scan of that many costs a
few milliseconds), a larger one through Qdrant's HNSW index. Chunk vectors stay in Qdrant;
sentence and background vectors are read into memory, as from the folder.
"""
from __future__ import annotations

import atexit
import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ApiException, UnexpectedResponse

from index.chunk import ChunkSettings
from index.corpus import Corpus
from index.location import QDRANT_LOCAL, StoreLocation
from index.records import Chunk, stable_id
from index.sentences import sentence_units
from index.embedding_cache import EmbeddingCache
from index.store import (NORM_TOLERANCE, Index, IndexProblem, _library_versions, _mismatch, _one_line,
                         check_chunks_match, embedded_chunks, embedded_sentences, expected_manifest)

ALIAS = "rag-index"
SENTENCES, BACKGROUND = "-sentences", "-background"   # suffixes of a build's other collections
EXACT_UP_TO = 20_000        # points; up to this many a server scans them all (same order as FAISS)
STALE_AFTER = 3600          # seconds; a server's collection of another build older than this is left over
BATCH = 256                 # points per upsert or scroll request
TIMEOUT = 60                # seconds per request to a server
PAD_SIM = np.finfo(np.float32).min  # what faiss gives for the places past its last hit
_BUILD_NAME = re.compile(rf"^{ALIAS}-(\d+)-(\d+)(?:{SENTENCES}|{BACKGROUND})?$")
log = logging.getLogger(__name__)

_clients: dict[StoreLocation, QdrantClient] = {}
_locks: dict[StoreLocation, threading.RLock] = {}
_registry = threading.Lock()


class QdrantVectors:
    """A Qdrant collection behind the part of faiss.Index the retriever uses: `search(q, k)` ->
    (sims, ids) of shape (len(q), k), float32 and int64, padded as faiss pads (id -1, sim -FLT_MAX);
    `ntotal` and `d`."""

    def __init__(self, client: QdrantClient, location: StoreLocation, collection: str, ntotal: int, d: int):
        self.client, self.location, self.collection = client, location, collection
        self.ntotal, self.d = ntotal, d
        # Local mode scans every vector anyway (and warns about search parameters).
        exact = location.kind != QDRANT_LOCAL and ntotal <= EXACT_UP_TO
        self.params = models.SearchParams(exact=True) if exact else None

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.d)
        sims = np.full((len(queries), k), PAD_SIM, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        with _speaking_to(self.location):
            for row, q in enumerate(queries):
                points = self.client.query_points(self.collection, query=q.tolist(), limit=k,
                                                  search_params=self.params, with_payload=False).points
                sims[row, :len(points)] = [p.score for p in points]
                ids[row, :len(points)] = [p.id for p in points]
        return sims, ids


def ensure_qdrant(corpus: Corpus, embedder, settings: ChunkSettings, location: StoreLocation,
                  progress: bool = True, cache: EmbeddingCache | None = None) -> Index:
    """Load the index from Qdrant, rebuilding it first when it is missing or does not match
    (corpus, model, chunker), as index.store.ensure_index does for the folder."""
    expected = expected_manifest(corpus, embedder.name, settings)
    with _lock(location):
        try:
            with _speaking_to(location):
                index = _load_checked(_client(location), location, expected, corpus, settings)
                _sweep(_client(location), location, index.manifest)
                return index
        except StoreUnreachable:
            raise
        except IndexProblem as err:
            problem = err
        log.warning("%s; rebuilding the index in %s", problem, location)
        embedded = _embed(corpus, embedder, settings, progress, cache)
        try:
            with _speaking_to(location):
                _store(_client(location), location, embedded)
                return _load_checked(_client(location), location, expected, corpus, settings)
        except IndexProblem as err:
            raise IndexProblem(f"{problem}; rebuilding it failed: {err}") from None


def build_qdrant(corpus: Corpus, embedder, settings: ChunkSettings, location: StoreLocation,
                 progress: bool = True, cache: EmbeddingCache | None = None) -> str:
    """Build the index into new collections and point the alias at them; the collection's name."""
    with _lock(location):
        embedded = _embed(corpus, embedder, settings, progress, cache)
        with _speaking_to(location):
            return _store(_client(location), location, embedded)


def load_qdrant(location: StoreLocation, expected: dict) -> Index:
    """The index the alias points at, checked against `expected`; IndexProblem with one line."""
    with _lock(location), _speaking_to(location):
        return _load(_client(location), location, expected)


def release(location: StoreLocation) -> None:
    """Close this process's client of `location` (local mode: frees the folder for another process)."""
    with _registry:
        client = _clients.pop(location, None)
    if client is not None:
        client.close()


# ----------------------------------------------------------------- building

@dataclass(frozen=True)
class Embedded:
    """What a build writes, embedded before Qdrant is touched (most failures then leave no trace)."""
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray                 # (chunks, dim)
    sentences: np.ndarray               # (sentence units, dim)
    background: np.ndarray | None       # (background sentences, dim)
    manifest: dict                      # without what is known only once it is stored
    started: float                      # perf_counter at the start of the build


def _embed(corpus: Corpus, embedder, settings: ChunkSettings, progress: bool,
           cache: EmbeddingCache | None) -> Embedded:
    t0 = time.perf_counter()
    chunks, vectors = embedded_chunks(corpus, embedder, settings, progress, cache)
    units, per_sentence = embedded_sentences(chunks, embedder, progress, cache)
    background = (np.ascontiguousarray(embedder.embed_documents(list(corpus.background)), dtype=np.float32)
                  if corpus.background else None)
    manifest = expected_manifest(corpus, embedder.name, settings) | {
        "dimension": int(vectors.shape[1]),
        "chunk_count": len(chunks),
        "sentence_count": len(units),
        "background_count": 0 if background is None else len(background),
        "documents": corpus.describe(),
        "store": "qdrant",
        "libraries": _library_versions() | _qdrant_version(),
    }
    return Embedded(tuple(chunks), vectors, per_sentence, background, manifest, t0)


def _store(client: QdrantClient, location: StoreLocation, new: Embedded) -> str:
    """Write `new` into collections of its own, then move the alias to them."""
    name = f"{ALIAS}-{time.time_ns()}-{os.getpid()}"
    replaced = _alias_target(client)
    try:
        _write(client, name + SENTENCES, new.sentences)
        if new.background is not None:
            _write(client, name + BACKGROUND, new.background)
        _write(client, name, new.vectors, [c.to_json() for c in new.chunks])
        manifest = new.manifest | {
            "collection": name,
            "replaces": replaced,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - new.started, 2),
        }
        client.update_collection(name, metadata=manifest)  # the manifest goes last
        _point_alias(client, name, replaced)
    except BaseException:
        for suffix in ("", SENTENCES, BACKGROUND):
            try:
                client.delete_collection(name + suffix)
            except Exception:  # best effort: the next sweep removes what is left
                pass
        raise
    log.info("index built in %s: %d chunks in %.1f s -> %s", location, len(new.chunks),
             time.perf_counter() - new.started, name)
    _sweep(client, location, manifest)
    return name


def _write(client: QdrantClient, name: str, vectors: np.ndarray, payloads: list[dict] | None = None) -> None:
    """A new collection of `vectors` (dot product: they are unit length), point i = row i."""
    client.create_collection(name, vectors_config=models.VectorParams(size=vectors.shape[1],
                                                                      distance=models.Distance.DOT))
    for start in range(0, len(vectors), BATCH):
        client.upsert(name, wait=True, points=[
            models.PointStruct(id=i, vector=vectors[i].tolist(), payload=payloads[i] if payloads else None)
            for i in range(start, min(start + BATCH, len(vectors)))])


def _point_alias(client: QdrantClient, name: str, replaced: str | None) -> None:
    """Move the alias to `name` in one request (the server applies the operations atomically)."""
    ops = []
    if replaced is not None:
        ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=ALIAS)))
    ops.append(models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=name, alias_name=ALIAS)))
    client.update_collection_aliases(change_aliases_operations=ops)


def _sweep(client: QdrantClient, location: StoreLocation, manifest: dict) -> None:
    """Remove the collections of builds other than the current one (see the module's docstring)."""
    keep = {manifest.get("collection")}
    if location.kind != QDRANT_LOCAL:
        keep.add(manifest.get("replaces"))
    now = time.time_ns()
    for collection in client.get_collections().collections:
        m = _BUILD_NAME.match(collection.name)
        if not m or f"{ALIAS}-{m[1]}-{m[2]}" in keep:
            continue
        if location.kind == QDRANT_LOCAL or now - int(m[1]) > STALE_AFTER * 1e9:
            log.info("removing collection %s, left by an earlier build", collection.name)
            client.delete_collection(collection.name)


# ----------------------------------------------------------------- loading

def _load_checked(client: QdrantClient, location: StoreLocation, expected: dict, corpus: Corpus,
                  settings: ChunkSettings) -> Index:
    index = _load(client, location, expected)
    check_chunks_match(index, corpus, settings)
    return index


def _load(client: QdrantClient, location: StoreLocation, expected: dict) -> Index:
    target = _alias_target(client)
    if target is None:
        raise IndexProblem(f"no index in {location} (no collection alias {ALIAS!r})")
    info = client.get_collection(target)
    manifest = info.config.metadata
    if not isinstance(manifest, dict) or not manifest:
        raise IndexProblem(f"collection {target} in {location} has no manifest (a build that did not finish?)")
    for key, want in expected.items():
        if manifest.get(key) != want:
            raise IndexProblem(_mismatch(key, manifest.get(key), want))
    dim = info.config.params.vectors.size
    if dim != manifest.get("dimension"):
        raise IndexProblem(f"collection {target} has vectors of dimension {dim}, manifest says {manifest.get('dimension')}")
    chunks = tuple(_chunk(p.payload, target, p.id) for p in _scroll(client, target, vectors=False))
    count = client.count(target, exact=True).count
    if not (len(chunks) == count == manifest.get("chunk_count")):
        raise IndexProblem(f"index is inconsistent: {len(chunks)} chunks, {count} vectors, "
                           f"manifest says {manifest.get('chunk_count')}")
    units = tuple(sentence_units(chunks))
    per_sentence = _read_vectors(client, target + SENTENCES, dim)
    if not (len(per_sentence) == len(units) == manifest.get("sentence_count")):
        raise IndexProblem(f"index is inconsistent: {len(units)} sentences, {len(per_sentence)} sentence "
                           f"vectors, manifest says {manifest.get('sentence_count')}")
    background = _read_vectors(client, target + BACKGROUND, dim) if manifest.get("background_count") else None
    if background is not None and len(background) != manifest["background_count"]:
        raise IndexProblem(f"index is inconsistent: {len(background)} background vectors, "
                           f"manifest says {manifest['background_count']}")
    where = Path(location.target) if location.kind == QDRANT_LOCAL else location.target
    return Index(where, manifest, chunks, QdrantVectors(client, location, target, count, dim),
                 background, units, per_sentence)


def _scroll(client: QdrantClient, collection: str, vectors: bool):
    """Every point of `collection` in id order (ids are positions 0..n-1)."""
    points, offset = [], None
    while True:
        page, offset = client.scroll(collection, limit=BATCH, offset=offset,
                                     with_payload=not vectors, with_vectors=vectors)
        points += page
        if offset is None:
            break
    points.sort(key=lambda p: p.id)
    if [p.id for p in points] != list(range(len(points))):
        raise IndexProblem(f"collection {collection} is damaged: its point ids are not 0..{len(points) - 1}")
    return points


def _read_vectors(client: QdrantClient, collection: str, dim: int) -> np.ndarray:
    if not client.collection_exists(collection):
        raise IndexProblem(f"index collection missing: {collection}")
    vectors = np.array([p.vector for p in _scroll(client, collection, vectors=True)], dtype=np.float32)
    vectors = vectors.reshape(len(vectors), dim)
    norms = np.linalg.norm(vectors, axis=1)
    bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1) > NORM_TOLERANCE))
    if len(bad):
        raise IndexProblem(f"collection {collection} is damaged: vector {bad[0]} has length {norms[bad[0]]:.4g}, not 1")
    return vectors


def _chunk(payload: dict | None, collection: str, point: int) -> Chunk:
    try:
        chunk = Chunk.from_json(payload)
    except (KeyError, TypeError):
        raise IndexProblem(f"collection {collection} point {point}: not a chunk ({str(payload)[:60]})") from None
    if chunk.chunk_id != stable_id(chunk.doc_id, chunk.start, chunk.end):
        raise IndexProblem(f"collection {collection} point {point}: chunk id {chunk.chunk_id} "
                           "does not match its document and offsets")
    return chunk


def _alias_target(client: QdrantClient) -> str | None:
    return next((a.collection_name for a in client.get_aliases().aliases if a.alias_name == ALIAS), None)


# ----------------------------------------------------------------- clients

def _client(location: StoreLocation) -> QdrantClient:
    """One client per location and process (local mode locks its folder to one client)."""
    with _registry:
        if location not in _clients:
            if location.kind == QDRANT_LOCAL:
                Path(location.target).mkdir(parents=True, exist_ok=True)
                # The app answers on several threads; reads are numpy, writes hold _lock().
                client = QdrantClient(path=location.target, force_disable_check_same_thread=True)
            else:
                client = QdrantClient(url=location.target, api_key=location.api_key or None,
                                      timeout=TIMEOUT, check_compatibility=False)
            _clients[location] = client
        return _clients[location]


@atexit.register
def _close_all() -> None:
    """Close the clients before the interpreter tears down (a client closed by its __del__ at
    exit prints a traceback)."""
    for location in list(_clients):
        release(location)


def _lock(location: StoreLocation) -> threading.RLock:
    """Builds and loads of one location in this process take turns."""
    with _registry:
        return _locks.setdefault(location, threading.RLock())


class StoreUnreachable(IndexProblem):
    """The store cannot be used at all (no connection, refused key, a local folder another
    process holds): rebuilding would not help."""


@contextmanager
def _speaking_to(location: StoreLocation):
    """The client's errors become an IndexProblem of one line naming the store: a collection
    that is not there (404, or local mode's ValueError) is a damaged index, anything else
    (a refused connection, another HTTP error, a folder held by another process) unreachable."""
    try:
        yield
    except IndexProblem:
        raise
    except (ValueError, UnexpectedResponse) as err:
        if isinstance(err, UnexpectedResponse) and err.status_code != 404:
            raise StoreUnreachable(f"{location}: {_one_line(err)}") from None
        raise IndexProblem(f"{location}: {_one_line(err)}") from None
    except (ApiException, RuntimeError, OSError) as err:
        raise StoreUnreachable(f"{location}: {_one_line(err)}") from None


def _qdrant_version() -> dict:
    try:
        return {"qdrant-client": package_metadata.version("qdrant-client")}
    except package_metadata.PackageNotFoundError:
        return {}
