from pathlib import Path

import pytest

from dataclasses import FrozenInstanceError

from rag.config import Config, from_env


def test_defaults_then_environment_then_flags():
    cfg = from_env({"RAG_TOP_K": "7", "RAG_HOME": "/tmp/x", "RAG_PORT": "8000"}, top_k=3)
    assert cfg.top_k == 3 and cfg.home == Path("/tmp/x") and cfg.port == 8000
    assert cfg.host == "127.0.0.1" and cfg.index_dir == Path("/tmp/x/index")


@pytest.mark.parametrize("env, message", [
    ({"RAG_TOP_K": "many"}, "RAG_TOP_K must be an int, got 'many'"),
    ({"RAG_TOP_K": "0"}, "top_k must be at least 1, got 0"),
    ({"RAG_PORT": "70000"}, "port must be in 1..65535, got 70000"),
    ({"RAG_LLM_TIMEOUT": "0"}, "llm_timeout must be positive seconds, got 0.0"),
])
def test_bad_values_are_named(env, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_env(env)


def test_config_is_frozen():
    with pytest.raises(FrozenInstanceError):
        Config().top_k = 3


def test_store_from_the_environment_then_the_flag():
    cfg = from_env({"RAG_HOME": "/tmp/x", "RAG_STORE": "qdrant:vectors"})
    assert (cfg.store_location.kind, cfg.store_location.target) == ("qdrant-local", "/tmp/x/vectors")
    cfg = from_env({"RAG_STORE": "qdrant:/v", "RAG_QDRANT_API_KEY": "k-123"}, store="http://127.0.0.1:6333")
    assert (cfg.store_location.kind, cfg.store_location.target) == ("qdrant-server", "http://127.0.0.1:6333")
    assert cfg.store_location.api_key == "k-123" and "k-123" not in repr(cfg)
    assert from_env({}).store_location.in_qdrant is False


def test_a_bad_store_is_refused_when_the_config_is_made():
    with pytest.raises(ValueError, match=r"^store must be 'faiss' .* got 'redis://h'$"):
        from_env({"RAG_STORE": "redis://h"})


@pytest.mark.parametrize("raw, value", [("off", False), ("0", False), ("No", False), ("on", True), ("true", True)])
def test_the_glossary_can_be_switched_off_from_the_environment(raw, value):
    assert from_env({"RAG_GLOSSARY": raw}).glossary is value and Config().glossary is True


def test_a_bad_switch_is_named():
    with pytest.raises(ValueError, match="RAG_GLOSSARY must be one of 1, true, yes, on, 0, false, no, off, got 'maybe'"):
        from_env({"RAG_GLOSSARY": "maybe"})
