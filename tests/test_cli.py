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


@pytest.mark.parametrize("args, env", [(["--store", "redis://cache:6379"], None), ([], {"RAG_STORE": "redis://cache:6379"})])
def test_a_bad_store_exits_2_with_one_line(rag_home, args, env):
    out = _rag("--home", str(rag_home), *args, "ask", "x", env=env)
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: store must be 'faiss' (the default), 'qdrant:PATH' (Qdrant local mode in "
                                  "that folder) or 'http(s)://HOST[:PORT]' (a Qdrant server), got 'redis://cache:6379'")


def test_a_missing_model_path_is_one_line(rag_home):
    out = _rag("--home", str(rag_home), "--model", "/nonexistent/model", "ask", "x")
    assert out.returncode == 2 and out.stderr.strip() == "error: model path '/nonexistent/model' does not exist"


def _overlaps(a, b):
    return a["doc_id"] == b["doc_id"] and a["start"] < b["end"] and b["start"] < a["end"]


def test_history_json_carries_the_earlier_answer(built, rag_home, tmp_path):
    first = _rag("--home", str(rag_home), "ask", "Who talked about leaderboards?", "--json")
    turn = json.loads(first.stdout)
    answerer = turn["speakers"][0]
    history = tmp_path / "history.json"
    history.write_text(json.dumps([turn], ensure_ascii=False), encoding="utf-8")
    out = _rag("--home", str(rag_home), "ask", "Which models did he give as examples?",
               "--history-json", str(history), "--json")
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert obj["speakers"][:1] == [answerer]
    assert obj["rewritten_question"] != obj["question"] and "he " not in obj["rewritten_question"]
    # it moves on: no passage quoted in the first answer is quoted again
    assert obj["citations"] and not any(_overlaps(c, d) for c in obj["citations"] for d in turn["citations"])


def test_history_json_is_bounded_with_a_notice(built, rag_home, tmp_path):
    history = tmp_path / "long.json"
    turns = [{"question": "唐杰怎么看RLVR？" + "很" * 600, "speakers": ["唐杰"], "citations": []}] * 9
    history.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
    out = _rag("--home", str(rag_home), "ask", "他还说了什么？", "--history-json", str(history), "--json")
    assert out.returncode == 0, out.stderr
    notices = json.loads(out.stdout)["notices"]
    assert "history cut to its last 4 turns (of 9)" in notices
    assert "earlier questions cut to their first 500 characters" in notices
    assert json.loads(out.stdout)["speakers"] == ["唐杰"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ('{"question": "x"}', "history must be a list of turns"),
    ('[{"question": "x", "citations": [{"doc_id": "d", "start": 5, "end": 1}]}]',
     "history[0].citations[0] must have 'doc_id' and 'start' <= 'end'"),
    ('[{"speakers": ["唐杰"]}]', "history[0] must be a question or an object with a 'question' string"),
])
def test_a_bad_history_file_is_one_line(rag_home, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    out = _rag("--home", str(rag_home), "ask", "他还说了什么？", "--history-json", str(bad))
    assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1
