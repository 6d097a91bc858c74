"""The light encoder gives the same vectors as sentence-transformers on the same folder, for
questions and passages, whatever the batching; a process using it never loads sentence-transformers."""
import json

import numpy as np
import pytest

from index import light_encoder
from index.model import DEFAULT_MODEL, Embedder, resolve_model

pytestmark = pytest.mark.slow

QUESTIONS = ["query: 林俊旸认为中国领先的概率有多大？", "query: What did Tang Jie say about RLVR?",
             "query: 姚順雨怎麼看軟體生態？", "query: 🙂", "query: " + "很长的问题" * 200]


def test_light_encoder_matches_sentence_transformers(rag_home):
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    assert light_encoder.supports(folder)
    light = light_encoder.LightEncoder(folder).encode(QUESTIONS)
    full = Embedder(DEFAULT_MODEL, rag_home / "models")
    st = full._encode("", QUESTIONS)  # the sentence-transformers path, same texts
    cos = (light * st).sum(1)
    assert light.shape == st.shape == (len(QUESTIONS), 384)
    assert cos.min() > 0.99999, cos
    assert np.allclose(np.linalg.norm(light, axis=1), 1, atol=1e-5)


PASSAGES = ["林俊旸：我觉得中国领先的概率大概是百分之二十。" * 3, "RLVR", "A mixed 句子 with English words.",
            "短", "唐杰认为模型从 Scaling 到泛化还有很长的路要走。" * 12]


def test_passages_match_sentence_transformers_in_any_batching(rag_home):
    """Sorted-by-length batches padded each to its own longest text give the vectors each text
    gets alone, and those of sentence-transformers."""
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    light = light_encoder.LightEncoder(folder)
    texts = ["passage: " + t for t in PASSAGES]
    together = light.encode(texts, batch_size=2)
    alone = np.vstack([light.encode([t]) for t in texts])
    st = Embedder(DEFAULT_MODEL, rag_home / "models")._load().encode(
        texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    assert (together * alone).sum(1).min() > 0.99999
    assert (together * st).sum(1).min() > 0.99999
    assert light.encode([]).shape == (0, 384)


def test_an_embedder_never_loads_sentence_transformers_for_a_plain_folder(rag_home):
    e = Embedder(DEFAULT_MODEL, rag_home / "models")
    q = e.embed_queries(["唐杰怎么看RLVR？"])
    d = e.embed_documents(["唐杰", "RLVR"])
    assert e._model is None and e._light  # sentence-transformers was never loaded
    assert q.shape == (1, 384) and d.shape == (2, 384) and e.dim == 384
    assert float((q * e.embed_queries(["唐杰怎么看RLVR？"])).sum()) > 0.99999


def test_folders_with_other_pooling_are_not_supported(tmp_path, rag_home):
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    (tmp_path / "1_Pooling").mkdir()
    for name in ("modules.json", "tokenizer.json", "config.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    assert not light_encoder.supports(tmp_path)
    assert not light_encoder.supports(tmp_path / "missing")


def test_the_compact_word_embeddings_give_the_same_floats(rag_home, monkeypatch):
    """The converted folder carries the word embeddings block-quantized as the source holds
    them; the encoder uses them, and every vector is bit-for-bit what the float32 table gives."""
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    compact = light_encoder.LightEncoder(folder)
    assert compact.compact and isinstance(compact.model.embeddings.word_embeddings, light_encoder.BlockScaledEmbedding)
    monkeypatch.setattr(light_encoder, "_use_compact_embeddings", lambda model, file: False)
    full = light_encoder.LightEncoder(folder)
    texts = QUESTIONS + ["passage: " + t for t in PASSAGES]
    assert np.array_equal(compact.encode(texts), full.encode(texts))


def test_a_damaged_compact_file_is_not_used(tmp_path, rag_home):
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    for p in folder.rglob("*"):
        if p.is_file():
            (tmp_path / p.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / p.relative_to(folder)).symlink_to(p)
    (tmp_path / light_encoder.COMPACT_EMBEDDINGS).unlink()
    (tmp_path / light_encoder.COMPACT_EMBEDDINGS).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    encoder = light_encoder.LightEncoder(tmp_path)
    assert not encoder.compact
    assert encoder.encode(["query: hi"]).shape == (1, 384)
