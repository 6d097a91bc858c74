"""`python -m rag translate` against a scripted OpenAI-compatible server on loopback.

A six-unit transcript with its own speakers file, translated two units per request: every
request, reply, record and message can be read off the script.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openai_stub import OpenAIStub, Reply

from index.edition import edition_units, load_edition
from rag.__main__ import main

REPO = Path(__file__).resolve().parent.parent
DOC = "meeting"
SOURCE = ("## 圆桌：开源与成本\n\n李明：今天我们聊开源。成本是不是最大的问题？\n\n"
          "王芳：我认为开源让成本下降了一半。但是数据质量更重要！\n\n王芳：明年我们会发布新模型。\n")
SPEAKERS = {"speakers": [
    {"name": "李明", "en": "Li Ming", "aliases": ["李明"], "moderator": True},
    {"name": "王芳", "en": "Wang Fang", "aliases": ["王芳", "芳姐"]},
    {"name": "编者", "en": "the article", "aliases": ["编者"], "editor": True}]}
UNITS = 6


def en(n: int) -> str:
    return f"English of unit {n}."


def reply(*numbers: int, **changes: str) -> Reply:
    """The stub's answer: a JSON object with the translation of each unit number."""
    return Reply(json.dumps({**{str(n): en(n) for n in numbers}, **changes}))


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / f"{DOC}.md").write_text(SOURCE, encoding="utf-8")
    (d / "speakers.json").write_text(json.dumps(SPEAKERS, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.fixture
def stub(monkeypatch):
    with OpenAIStub() as s:
        monkeypatch.setenv("RAG_LLM_BASE_URL", s.base_url)
        monkeypatch.setenv("RAG_LLM_MODEL", "stub-model")
        monkeypatch.setenv("RAG_LLM_TIMEOUT", "5")
        yield s


def translate(corpus, *args, batch=2):
    return main(["--corpus", str(corpus), "translate", DOC, "--batch", str(batch), *args])


def asked(request: dict) -> list[int]:
    """The unit numbers a request asks to translate."""
    return [int(n) for n in json.loads(request["messages"][1]["content"])["translate"]]


def edition(corpus):
    return load_edition(corpus / f"{DOC}.en.jsonl", DOC, SOURCE)


def test_a_full_run_writes_an_edition_of_what_the_model_returned(corpus, stub, capsys):
    stub.script(reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    out, err = capsys.readouterr()
    ed = edition(corpus)
    assert not ed.stale
    assert [(u.start, u.end) for u in ed.units] == edition_units(SOURCE)
    assert [u.text for u in ed.units] == [en(n) for n in range(1, UNITS + 1)]
    assert [u.source for u in ed.units][1] == "李明：今天我们聊开源。"
    header = json.loads((corpus / f"{DOC}.en.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert header["edition"] == "en" and header["source"] == f"{DOC}.md"
    assert header["source_sha256"] == hashlib.sha256(SOURCE.encode()).hexdigest()
    assert "stub-model" in header["translated"]
    assert [asked(r) for r in stub.requests] == [[1, 2], [3, 4], [5, 6]]
    assert not (corpus / f"{DOC}.en.jsonl.partial").exists()
    assert out.strip() == (f"wrote {corpus / DOC}.en.jsonl: 6 units in en "
                           "(6 translated now in 3 request(s), 0 from an earlier run)")
    assert "6/6" in err  # the progress bar


def test_the_prompt_gives_names_and_neighbours_with_their_translation(corpus, stub):
    stub.script(reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    system, user = (m["content"] for m in stub.requests[1]["messages"])
    assert "into English" in system
    assert "李明 = Li Ming; 王芳 = Wang Fang." in system and "the article" not in system
    body = json.loads(user)
    assert body == {"before": [{"n": 1, "text": "## 圆桌：开源与成本", "translation": en(1)},
                               {"n": 2, "text": "李明：今天我们聊开源。", "translation": en(2)}],
                    "translate": {"3": "成本是不是最大的问题？", "4": "王芳：我认为开源让成本下降了一半。"},
                    "after": [{"n": 5, "text": "但是数据质量更重要！"}, {"n": 6, "text": "王芳：明年我们会发布新模型。"}]}


def test_a_fresh_edition_is_left_alone_unless_forced(corpus, stub, capsys):
    stub.script(reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    capsys.readouterr()
    assert translate(corpus) == 0
    assert capsys.readouterr().out.strip() == (f"{corpus / DOC}.en.jsonl is up to date with {DOC}.md; "
                                               "nothing to do (--force translates it anew)")
    assert len(stub.requests) == 3
    stub.script(reply(1, 2, 3, 4, 5, 6))
    assert translate(corpus, "--force", batch=8) == 0
    assert [asked(r) for r in stub.requests[3:]] == [[1, 2, 3, 4, 5, 6]]


def test_an_endpoint_failure_keeps_the_partial_file_and_the_next_run_completes_it(corpus, stub, capsys):
    stub.script(reply(1, 2), reply(3, 4))  # then HTTP 500: no scripted reply
    assert translate(corpus) == 1
    partial = corpus / f"{DOC}.en.jsonl.partial"
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: the LLM failed (HTTP 500); 4 of 6 units are kept in {partial}; run again to resume")
    assert not (corpus / f"{DOC}.en.jsonl").exists()
    assert [json.loads(x).get("en") for x in partial.read_text(encoding="utf-8").splitlines()] == \
           [None, en(1), en(2), en(3), en(4)]
    with partial.open("a", encoding="utf-8") as f:  # a line cut short as a killed run leaves it
        f.write('{"start": 54, "end": 64, "zh": "但是数据')
    done = len(stub.requests)
    stub.script(reply(5, 6))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests[done:]] == [[5, 6]]
    assert f"resuming from {partial}: 4 of 6 units already translated (1 unusable line(s) skipped)" in \
           capsys.readouterr().err
    assert [u.text for u in edition(corpus).units] == [en(n) for n in range(1, UNITS + 1)]
    assert not partial.exists()


def test_a_killed_run_resumes_without_asking_again(corpus, stub):
    stub.script(reply(1, 2), Reply(delay=60))  # the second request hangs until the process dies
    env = dict(os.environ, RAG_LLM_BASE_URL=stub.base_url, RAG_LLM_MODEL="stub-model", RAG_LLM_TIMEOUT="60")
    proc = subprocess.Popen([sys.executable, "-m", "rag", "--corpus", str(corpus), "translate", DOC, "--batch", "2"],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(stub.requests) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(stub.requests) == 2 and proc.poll() is None
    finally:
        proc.kill()
        proc.wait(timeout=30)
    partial = corpus / f"{DOC}.en.jsonl.partial"
    assert len(partial.read_text(encoding="utf-8").splitlines()) == 1 + 2
    stub.script(reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests[2:]] == [[3, 4], [5, 6]]
    assert [u.text for u in edition(corpus).units] == [en(n) for n in range(1, UNITS + 1)]


def test_a_missing_key_is_asked_again_alone(corpus, stub):
    stub.script(reply(1), reply(2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests] == [[1, 2], [2], [3, 4], [5, 6]]
    assert [u.text for u in edition(corpus).units] == [en(n) for n in range(1, UNITS + 1)]


def test_an_extra_key_makes_the_whole_reply_untrusted_and_asked_again(corpus, stub):
    stub.script(reply(1, 2, **{"7": "shifted"}), reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests] == [[1, 2], [1, 2], [3, 4], [5, 6]]
    assert "shifted" not in (corpus / f"{DOC}.en.jsonl").read_text(encoding="utf-8")


def test_a_malformed_reply_is_retried_once_then_reported_and_left_for_the_next_run(corpus, stub, capsys):
    stub.script(reply(1, 2), Reply("Sure! Here are the translations: 3. ..."), Reply('["a", "b"]'), reply(5, 6))
    assert translate(corpus) == 1
    assert [asked(r) for r in stub.requests] == [[1, 2], [3, 4], [3, 4], [5, 6]]
    partial = corpus / f"{DOC}.en.jsonl.partial"
    assert capsys.readouterr().err.splitlines()[-3:] == [
        f"error: 2 unit(s) could not be translated; the 4 others are kept in {partial}; run again to retry:",
        "  unit 3 (line 3, 24..35) '成本是不是最大的问题？': not a JSON object but list",
        "  unit 4 (line 5, 37..54) '王芳：我认为开源让成本下降了一半。': not a JSON object but list"]
    assert not (corpus / f"{DOC}.en.jsonl").exists()
    stub.script(reply(3, 4))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests[4:]] == [[3, 4]]
    assert [u.text for u in edition(corpus).units] == [en(n) for n in range(1, UNITS + 1)]


def test_a_partial_file_of_another_source_is_discarded_with_a_notice(corpus, stub, capsys):
    partial = corpus / f"{DOC}.en.jsonl.partial"
    partial.write_text(json.dumps({"edition": "en", "doc": DOC, "source_sha256": "0" * 64}) + "\n"
                       + json.dumps({"start": 0, "end": 11, "zh": "## 圆桌：开源与成本", "en": "old"}) + "\n",
                       encoding="utf-8")
    stub.script(reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    assert f"discarding {partial}: it was made for another version of {DOC}.md" in capsys.readouterr().err
    assert len(stub.requests) == 3 and edition(corpus).units[0].text == en(1)


def test_a_stale_edition_is_translated_again_only_where_the_source_changed(corpus, stub):
    stub.script(reply(1, 2), reply(3, 4), reply(5, 6))
    assert translate(corpus) == 0
    changed = SOURCE.replace("明年", "下个月")
    (corpus / f"{DOC}.md").write_text(changed, encoding="utf-8")
    stub.script(Reply(json.dumps({"6": "Next month we release a new model."})))
    assert translate(corpus) == 0
    assert [asked(r) for r in stub.requests[3:]] == [[6]]
    ed = load_edition(corpus / f"{DOC}.en.jsonl", DOC, changed)
    assert not ed.stale and ed.units[-1].text == "Next month we release a new model." and ed.units[0].text == en(1)


def test_without_llm_settings_it_exits_2_with_one_line(corpus, monkeypatch, capsys):
    for var in ("RAG_LLM_BASE_URL", "RAG_LLM_MODEL", "RAG_LLM_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert translate(corpus) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("error: translating needs an LLM: set RAG_LLM_BASE_URL and RAG_LLM_MODEL "
                                 "(an OpenAI-compatible endpoint; RAG_LLM_API_KEY and RAG_LLM_TIMEOUT if it "
                                 "needs them)\n")
    assert sorted(p.name for p in corpus.iterdir()) == [f"{DOC}.md", "speakers.json"]


@pytest.mark.parametrize("args, message", [
    (["nope"], f"error: no transcript 'nope' in {{corpus}} (documents: {DOC})"),
    ([DOC, "--lang", "../x"], "error: --lang must be a language tag such as en or de (not zh, the source's key), "
                              "got '../x'"),
    ([DOC, "--batch", "0"], "error: batch must be at least 1 unit, got 0"),
])
def test_bad_input_exits_2_with_one_line(corpus, stub, capsys, args, message):
    assert main(["--corpus", str(corpus), "translate", *args]) == 2
    assert capsys.readouterr().err == message.format(corpus=corpus) + "\n"
    assert stub.requests == []
