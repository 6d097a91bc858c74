"""`python -m rag ask` as other tools use it: real model, real index, one process per call."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, TRANSCRIPT

pytestmark = pytest.mark.slow


def _rag(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=REPO, env=e,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(pipeline):
    return pipeline  # the session fixture has built the index under RAG_HOME


def test_ask_json_prints_the_documented_object(built, rag_home):
    out = _rag("--home", str(rag_home), "ask", "林俊旸认为中国领先的概率有多大？", "--json")
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert {"answer", "abstained", "speakers", "citations", "hits", "timings_ms"} <= set(obj)
    assert obj["abstained"] is False and obj["speakers"][0] == "林俊旸"
    source = TRANSCRIPT.read_text(encoding="utf-8")
    assert obj["citations"]
    for c in obj["citations"]:
        assert {"n", "chunk_id", "speaker", "section", "text", "quote", "start", "end"} <= set(c)
        assert source[c["start"]:c["end"]] == c["quote"] and c["quote"] in c["text"]
        assert f"[{c['n']}]" in obj["answer"]
    assert any("20%" in c["quote"] for c in obj["citations"])
    for h in obj["hits"]:
        assert {"chunk_id", "speaker", "text", "score"} <= set(h)


def test_history_resolves_a_followup(built, rag_home):
    out = _rag("--home", str(rag_home), "ask", "他还说了什么？", "--history", "林俊旸怎么看中美算力差距？", "--json")
    obj = json.loads(out.stdout)
    assert obj["speakers"] == ["林俊旸"] and "林俊旸" in obj["rewritten_question"]


def test_readable_output_lists_the_sources(built, rag_home):
    out = _rag("--home", str(rag_home), "ask", "What did Tang Jie say about RLVR?")
    assert out.returncode == 0
    assert "Tang Jie (唐杰)" in out.stdout and "\n[1] 唐杰 · " in out.stdout


def test_bad_settings_exit_2_with_one_line(rag_home):
    out = _rag("--home", str(rag_home), "ask", "x", env={"RAG_TOP_K": "0"})
    assert out.returncode == 2
    assert out.stderr.strip() == "error: top_k must be at least 1, got 0"


def test_a_missing_model_path_is_one_line(rag_home):
    out = _rag("--home", str(rag_home), "--model", "/nonexistent/model", "ask", "x")
    assert out.returncode == 2 and out.stderr.strip() == "error: model path '/nonexistent/model' does not exist"
