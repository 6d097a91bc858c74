"""A light encoder for plain sentence-transformers folders (Transformer -> mean pooling ->
Normalize): the same computation with `transformers` and `tokenizers` alone, for questions and
passages both. A process then never imports sentence-transformers (about 5 s on 2 cores) and
holds one copy of the model, not two, when it serves and rebuilds the index;
tests/test_light_encoder.py checks both give the same vectors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from index.e5_convert import COMPACT_EMBEDDINGS   # the compact table the conversion writes

_STEPS = ("Transformer", "Pooling", "Normalize")
# Tokens a batch may hold: attention memory grows with texts x length^2, and what a batch of
# sixteen 400-token passages allocates stays with the process after the build (about 100 MB).
TOKENS_PER_BATCH = 2048


def supports(folder: Path) -> bool:
    """True for a local folder whose modules are exactly Transformer, mean Pooling, Normalize."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, IndexError, KeyError):
        return False
    kinds = tuple(m.get("type", "").rsplit(".", 1)[-1] for m in modules)
    mean = pooling.get("pooling_mode") == "mean" or (
        pooling.get("pooling_mode_mean_tokens") and not any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                     "pooling_mode_lasttoken", "pooling_mode_weightedmean_tokens")))
    return kinds == _STEPS and bool(mean) and modules[0].get("path", "") == "" \
        and (folder / "tokenizer.json").exists() and (folder / "config.json").exists()


class LightEncoder:
    def __init__(self, folder: Path):
        from tokenizers import Tokenizer
        from transformers import AutoConfig, AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        folder = Path(folder)
        max_len = 512
        st_config = folder / "sentence_bert_config.json"
        if st_config.exists():
            max_len = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length") or max_len
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_len)
        pad_id = self.tokenizer.token_to_id("<pad>")
        self._pad_id = pad_id if pad_id is not None else 0
        self.tokenizer.no_padding()   # batches are padded here, each to its own longest text
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
        extra = {"add_pooling_layer": False} if config.model_type in ("bert", "xlm-roberta", "roberta") else {}
        self.model = AutoModel.from_pretrained(str(folder), local_files_only=True, **extra).eval()
        self.compact = _use_compact_embeddings(self.model, folder / COMPACT_EMBEDDINGS)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts: list[str], batch_size: int = 32, batch_tokens: int = TOKENS_PER_BATCH) -> np.ndarray:
        """Unit-length embeddings, shape (len(texts), dim). Texts are encoded longest first in
        batches of similar length (as sentence-transformers does, so short ones are not padded
        to long ones), at most `batch_size` texts and about `batch_tokens` tokens a batch."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encoded[i].ids))
        out = np.zeros((len(texts), self.dim), np.float32)
        at = 0
        while at < len(order):
            width = len(encoded[order[at]].ids)     # the longest left: it pads the batch
            rows = order[at:at + max(1, min(batch_size, batch_tokens // max(width, 1)))]
            out[rows] = self._pooled([encoded[i] for i in rows])
            at += len(rows)
        return out

    def _pooled(self, batch) -> np.ndarray:
        width = max(len(e.ids) for e in batch)
        pad = self._pad_id
        ids = torch.tensor([e.ids + [pad] * (width - len(e.ids)) for e in batch])
        mask = torch.tensor([e.attention_mask + [0] * (width - len(e.ids)) for e in batch])
        with torch.inference_mode():
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.numpy()


def _use_compact_embeddings(model, file: Path) -> bool:
    """Swap the model's float32 word-embedding table for its block-quantized form, if the folder
    has one of the same shape: the rows it gives are the same floats, and the table takes 100 MB
    instead of 366 MB (its pages, touched row by row while an index is built, were most of the
    memory a rebuild added). False, and the model unchanged, otherwise."""
    table = getattr(getattr(model, "embeddings", None), "word_embeddings", None)
    if not file.is_file() or not isinstance(table, torch.nn.Embedding):
        return False
    parts = _mapped_safetensors(file)
    codes, scales = parts.get("codes"), parts.get("scales")
    n, dim = table.weight.shape
    if codes is None or scales is None or codes.shape != (n, dim) or scales.shape[0] != n \
            or dim % scales.shape[1]:
        return False
    model.embeddings.word_embeddings = BlockScaledEmbedding(codes, scales, table.padding_idx)
    return True


def _mapped_safetensors(file: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as copy-on-write memory maps: a page is read from disk
    (and counted in the process's memory) only when a row on it is looked up. {} if unreadable."""
    kinds = {"I8": np.int8, "F32": np.float32}
    try:
        with open(file, "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(size))
        out = {}
        for name, spec in header.items():
            if name != "__metadata__" and spec.get("dtype") in kinds:
                start, end = spec["data_offsets"]
                dtype = np.dtype(kinds[spec["dtype"]])
                if (end - start) != dtype.itemsize * int(np.prod(spec["shape"])):
                    return {}
                out[name] = np.memmap(file, dtype, mode="c", offset=8 + size + start, shape=tuple(spec["shape"]))
        return out
    except (OSError, ValueError, KeyError, TypeError):
        return {}


class BlockScaledEmbedding(torch.nn.Module):
    """An embedding table kept as int8 codes with one float32 scale per block of weights:
    row i is codes[i] * scales[i] (each scale repeated over its block), computed for the rows
    looked up only."""

    def __init__(self, codes: np.ndarray, scales: np.ndarray, padding_idx: int | None = None):
        super().__init__()
        self.register_buffer("codes", torch.from_numpy(codes))
        self.register_buffer("scales", torch.from_numpy(scales))
        self.block = codes.shape[1] // scales.shape[1]
        self.padding_idx = padding_idx

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.codes[ids].to(torch.float32) * self.scales[ids].repeat_interleave(self.block, dim=-1)
