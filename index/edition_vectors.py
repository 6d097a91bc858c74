"""Embeddings of the chunks' renderings in an edition's language, so that a question in that
language meets text in its own language in the dense index (the multilingual model matches
English to English far better than English to Chinese).

They are made from the index's chunks and a loaded edition, once, and kept beside the index
as a plain `.npy` file (no pickle) named by a hash of the model and the rendered texts: a
changed edition, chunker or model gives another file, never stale vectors.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
BATCH = 16


def cache_key(model: str, texts: list[str]) -> str:
    """A short hash of what the vectors depend on: the model and every text, in order."""
    h = hashlib.sha256(model.encode("utf-8"))
    for t in texts:
        h.update(b"\x1e" + t.encode("utf-8"))
    return h.hexdigest()[:16]


def rendering_vectors(texts: list[str], embedder, model: str, cache_dir: Path | None = None,
                      lang: str = "") -> np.ndarray:
    """(len(texts), dim) unit vectors of the texts as passages; a text that is "" (a chunk the
    edition does not render) gets a zero row, so it scores 0 against any question. Read from
    `cache_dir` if made before, written there (atomically) otherwise; no cache for None."""
    file = Path(cache_dir) / f"edition-{lang or 'x'}-{cache_key(model, texts)}.npy" if cache_dir else None
    if file is not None and file.is_file():
        try:
            vectors = np.load(file, allow_pickle=False)
            if vectors.ndim == 2 and len(vectors) == len(texts) and np.isfinite(vectors).all():
                return np.ascontiguousarray(vectors, dtype=np.float32)
            log.warning("%s holds an array of shape %s for %d texts; embedding again", file, vectors.shape, len(texts))
        except (OSError, ValueError) as err:
            log.warning("cannot read %s (%s); embedding again", file, err)
    present = [i for i, t in enumerate(texts) if t.strip()]
    parts = [np.asarray(embedder.embed_documents([texts[i] for i in present[j:j + BATCH]]), dtype=np.float32)
             for j in range(0, len(present), BATCH)]
    dim = parts[0].shape[1] if parts else int(embedder.embed_documents(["x"]).shape[1])
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    if present:
        vectors[present] = np.vstack(parts)
    if file is not None:
        _save(file, vectors)
    return vectors


def _save(file: Path, vectors: np.ndarray) -> None:
    """Write to a temporary file and move it into place; a read-only home only logs."""
    tmp = None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}-", suffix=".npy")
        with os.fdopen(fd, "wb") as f:
            np.save(f, vectors, allow_pickle=False)
        os.replace(tmp, file)
    except OSError as err:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        log.warning("cannot keep the edition vectors in %s (%s); they are made again at the next start", file, err)
