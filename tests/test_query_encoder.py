"""The light query encoder gives the same vectors as sentence-transformers on the same folder."""
import json

import numpy as np
import pytest

from index import query_encoder
from index.model import DEFAULT_MODEL, Embedder, resolve_model

pytestmark = pytest.mark.slow

QUESTIONS = ["query: 林俊旸认为中国领先的概率有多大？", "query: What did Tang Jie say about RLVR?",
             "query: 姚順雨怎麼看軟體生態？", "query: 🙂", "query: " + "很长的问题" * 200]


def test_light_encoder_matches_sentence_transformers(rag_home):
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    assert query_encoder.supports(folder)
    light = query_encoder.LightEncoder(folder).encode(QUESTIONS)
    full = Embedder(DEFAULT_MODEL, rag_home / "models")
    st = full._encode("", QUESTIONS)  # the sentence-transformers path, same texts
    cos = (light * st).sum(1)
    assert light.shape == st.shape == (len(QUESTIONS), 384)
    assert cos.min() > 0.99999, cos
    assert np.allclose(np.linalg.norm(light, axis=1), 1, atol=1e-5)


def test_queries_use_the_light_encoder_until_sentence_transformers_is_loaded(rag_home):
    e = Embedder(DEFAULT_MODEL, rag_home / "models")
    q = e.embed_queries(["唐杰怎么看RLVR？"])
    assert e._model is None and e._light  # sentence-transformers was never loaded
    e.embed_documents(["唐杰"])
    assert e._model is not None
    assert float((e.embed_queries(["唐杰怎么看RLVR？"]) * q).sum()) > 0.99999


def test_folders_with_other_pooling_are_not_supported(tmp_path, rag_home):
    folder = resolve_model(DEFAULT_MODEL, rag_home / "models")
    (tmp_path / "1_Pooling").mkdir()
    for name in ("modules.json", "tokenizer.json", "config.json"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    assert not query_encoder.supports(tmp_path)
    assert not query_encoder.supports(tmp_path / "missing")
