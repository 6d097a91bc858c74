"""Embeddings already computed, kept so that a rebuild embeds only new text.

An SQLite file (a key table, no pickle): the key is the sha256 of (model, prefix, text), the
value the vector's float32 bytes. SQLite writes each batch in one transaction, so a build that
is killed leaves the cache as it was before that batch or after it, never half written; two
processes may share one file (SQLite's own locking).
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

LOOKUP_BATCH = 500     # keys per SELECT ... IN (...) (SQLite allows 32766 parameters)
_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL) WITHOUT ROWID"


def cache_key(model: str, prefix: str, text: str) -> bytes:
    """What identifies one embedding: the model, the prefix it was given, the text."""
    return hashlib.sha256("\0".join((model, prefix, text)).encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    def __init__(self, file: Path):
        self.file = Path(file)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.file), timeout=60, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            db.commit()
            self._db = db
        return self._db

    def get(self, keys: list[bytes], dim: int | None = None) -> dict[bytes, np.ndarray]:
        """The vectors held for these keys (missing keys are left out). With `dim`, a vector of
        another dimension counts as missing."""
        out: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            db = self._connect()
            for i in range(0, len(unique), LOOKUP_BATCH):
                part = unique[i:i + LOOKUP_BATCH]
                rows = db.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                for key, d, blob in rows:
                    if (dim is None or d == dim) and len(blob) == 4 * d:
                        out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Keep these vectors (one row of `vectors` per key), in one transaction."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(keys):
            raise ValueError(f"expected {len(keys)} vectors, got an array of shape {vectors.shape}")
        rows = [(k, int(vectors.shape[1]), v.tobytes()) for k, v in zip(keys, vectors)]
        with self._lock:
            db = self._connect()
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
