"""A light encoder for plain sentence-transformers folders (Transformer -> mean pooling ->
Normalize): the same computation with `transformers` and `tokenizers` alone. A process that only
asks questions then skips importing sentence-transformers (about 5 s on 2 cores) and its memory;
tests/test_query_encoder.py checks both give the same vectors."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_STEPS = ("Transformer", "Pooling", "Normalize")


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
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoConfig, AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        folder = Path(folder)
        self.torch = torch
        max_len = 512
        st_config = folder / "sentence_bert_config.json"
        if st_config.exists():
            max_len = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length") or max_len
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_len)
        pad_id = self.tokenizer.token_to_id("<pad>")
        self.tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0)
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
        extra = {"add_pooling_layer": False} if config.model_type in ("bert", "xlm-roberta", "roberta") else {}
        self.model = AutoModel.from_pretrained(str(folder), local_files_only=True, **extra).eval()

    def encode(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        batch = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in batch])
        mask = torch.tensor([e.attention_mask for e in batch])
        with torch.inference_mode():
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return np.ascontiguousarray(pooled.numpy(), dtype=np.float32)
